/**
 * Schedule engine bench: 100,000 active tasks with 6-field crons (60 distinct second offsets × 3
 * zones, every task firing once a minute: ~1,667 ticks/s), against the baseline of one croner `Cron`
 * object per task, measured in the same run.
 *
 *   npm run bench -- schedule [--tasks 100000] [--baseline 2000] [--calls 1000000] [--minutes 10]
 *
 * Prints: heap per task, next() ns/call (in the order a scheduler asks, and a cold pattern: every
 * call a different schedule and an unrelated instant), and a simulated scheduler loop (one binary
 * heap of all tasks, firing `--minutes` of ticks): its CPU cost per tick bounds the lateness it adds.
 * The croner baseline runs with fewer tasks (each croner pattern holds a 10,000-entry year array,
 * ~80 KB: 100,000 of them need ~8 GB) and its figures are per task.
 */
import { Cron } from 'croner';
import { compileSchedule, scheduleCacheStats } from '../src/schedules/compile-schedule';
import { CompiledSchedule } from '../src/schedules/compiled-schedule';
import { type BenchRow, formatTable } from './report';
import { collectGarbage } from './gc';


const ZONES = ['America/New_York', 'Europe/London', 'Australia/Sydney'];
const START = Date.parse('2026-03-07T12:00:00Z'); // a day before New York's spring forward

interface Settings {
  tasks: number;
  baseline: number;
  calls: number;
  minutes: number;
}

function parseArgs(args: string[]): Settings {
  const settings: Settings = { tasks: 100_000, baseline: 2_000, calls: 1_000_000, minutes: 10 };
  for (let i = 0; i < args.length; i += 2) {
    const name = args[i].replace(/^--/, '');
    const value = Number(args[i + 1]);
    if (!(name in settings) || !Number.isInteger(value) || value < 1) {
      throw new Error(`Unknown or invalid option ${args[i]} ${args[i + 1]}; expected --tasks N --baseline N --calls N --minutes N`);
    }
    settings[name as keyof Settings] = value;
  }
  return settings;
}

function heapUsed(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

function taskConfig(i: number) {
  return { cron_expression: `${i % 60} * * * * *`, timezone: ZONES[Math.floor(i / 60) % ZONES.length] };
}

function timeMs(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** A task as the scheduler would hold it: its id, its (shared) schedule and its next instant. */
interface Task {
  id: number;
  schedule: CompiledSchedule;
  nextAt: number;
}

export async function scheduleBench(args: string[]): Promise<void> {
  const { tasks: taskCount, baseline: baselineCount, calls, minutes } = parseArgs(args);

  // --- ours: compile and hold every task -------------------------------------------------------
  const before = heapUsed();
  const tasks: Task[] = [];
  const compileMs = timeMs(() => {
    for (let i = 0; i < taskCount; i++) {
      const schedule = compileSchedule('RECURRING', taskConfig(i));
      tasks.push({ id: i, schedule, nextAt: schedule.nextMs(START) });
    }
  });
  const ourHeap = heapUsed() - before;
  const stats = scheduleCacheStats();

  // next(): the scheduler pattern (all tasks of one tick ask the same instant in a row) ...
  let sink = 0;
  const warm = timeMs(() => {
    for (let c = 0; c < calls; c++) {
      const task = tasks[c % taskCount];
      sink += task.schedule.nextMs(task.nextAt);
    }
  });
  // ... and a cold pattern: each call a different schedule and an unrelated instant.
  const cold = timeMs(() => {
    for (let c = 0; c < calls; c++) {
      const task = tasks[(c * 7919) % taskCount];
      sink += task.schedule.nextMs(START + ((c * 104_729) % 86_400_000) * 37);
    }
  });

  // A simulated scheduler: one binary heap of all tasks by next instant; fire `minutes` of ticks.
  const heap = tasks.slice().sort((a, b) => a.nextAt - b.nextAt);
  const end = START + minutes * 60_000;
  let fired = 0;
  const loopMs = timeMs(() => {
    while (heap[0].nextAt <= end) {
      const task = heap[0];
      task.nextAt = task.schedule.nextMs(task.nextAt);
      fired += 1;
      siftDown(heap, 0);
    }
  });

  // --- baseline: one croner Cron per task --------------------------------------------------------
  const baseBefore = heapUsed();
  const crons: Cron[] = [];
  const baseCompileMs = timeMs(() => {
    for (let i = 0; i < baselineCount; i++) {
      const c = taskConfig(i);
      crons.push(new Cron(c.cron_expression, { timezone: c.timezone, paused: true }));
    }
  });
  const baseHeap = heapUsed() - baseBefore;
  const baseCalls = Math.min(calls, 50_000);
  const baseAfter = new Date(START);
  const baseNext = timeMs(() => {
    for (let c = 0; c < baseCalls; c++) sink += crons[c % baselineCount].nextRun(baseAfter)?.getTime() ?? 0;
  });

  const croner = 'croner Cron.nextRun(), one Cron per task';
  const cronerHeap = 'heap per task, one croner Cron per task';
  const cronerCompile = 'create, one croner Cron per task';
  const rows: BenchRow[] = [
    { figure: 'next(), shared schedules, scheduler order', value: (warm * 1e6) / calls, unit: 'ns/call', baseline: croner },
    { figure: 'next(), shared schedules, cold', value: (cold * 1e6) / calls, unit: 'ns/call', baseline: croner },
    { figure: 'scheduler loop (heap + next) per tick', value: (loopMs * 1e6) / fired, unit: 'ns/tick', baseline: croner },
    { figure: croner, value: (baseNext * 1e6) / baseCalls, unit: 'ns/call' },
    { figure: 'heap per task, shared schedules', value: ourHeap / taskCount, unit: 'bytes', baseline: cronerHeap },
    { figure: cronerHeap, value: baseHeap / baselineCount, unit: 'bytes' },
    { figure: 'compile per task, shared schedules', value: (compileMs * 1e3) / taskCount, unit: 'µs', baseline: cronerCompile },
    { figure: cronerCompile, value: (baseCompileMs * 1e3) / baselineCount, unit: 'µs' },
  ];
  console.log(
    formatTable(
      `Schedules: ${taskCount.toLocaleString('en-US')} tasks (6-field crons, 60 second offsets × ${ZONES.length} zones); ` +
        `croner baseline with ${baselineCount.toLocaleString('en-US')} tasks`,
      rows,
    ),
  );
  console.log(
    `shared objects: ${stats.schedules} compiled schedules, ${stats.cronPatterns} parsed patterns, ${stats.zones} zone tables; ` +
      `heap ${(ourHeap / 1048576).toFixed(1)} MB for all tasks (croner: ~${Math.round(((baseHeap / baselineCount) * taskCount) / 1048576)} MB)`,
  );
  console.log(
    `scheduler loop: ${fired.toLocaleString('en-US')} ticks in ${loopMs.toFixed(0)} ms = ${Math.round(fired / (loopMs / 1000)).toLocaleString('en-US')} ticks/s of CPU ` +
      `(the load needs ${Math.round(taskCount / 60).toLocaleString('en-US')} ticks/s)`,
  );
  if (sink === 42) console.log(''); // keeps the loops from being optimised away
}

function siftDown(heap: Task[], index: number): void {
  const n = heap.length;
  const item = heap[index];
  let i = index;
  for (;;) {
    const left = 2 * i + 1;
    if (left >= n) break;
    const right = left + 1;
    const child = right < n && heap[right].nextAt < heap[left].nextAt ? right : left;
    if (heap[child].nextAt >= item.nextAt) break;
    heap[i] = heap[child];
    i = child;
  }
  heap[i] = item;
}

if (require.main === module) {
  scheduleBench(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
