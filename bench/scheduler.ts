/**
 * Scheduler bench, on REAL time: `--tasks` active tasks with 6-field crons spread over the minute
 * (second = i mod 60) in mixed time zones, so tasks/60 ticks per second (100,000 tasks: ~1,667/s).
 *
 *   npm run bench -- scheduler [--tasks 100000] [--seconds 20] [--baseline 5000] [--warmup 3] [--overlap 1]
 *
 * With `--overlap 1` the tasks carry mixed overlap policies (README, "Overlap and concurrency"): of
 * every 8 tasks, 4 allow (one of them with max_concurrent 2), 2 forbid, 1 queue (max_queued 2), 1
 * replace. Nobody runs the executions, so from the second tick on forbid ticks are SKIPPED, queue
 * ticks QUEUED then SKIPPED (queue full), and each replace tick also cancels the run before it.
 *
 * Phases, each `--seconds` long after `--warmup` seconds, one after the other in one process:
 *   A. the scheduler as the server runs it (process-manager runner, replay, go live), every tick
 *      appended as an execution to a temp embedded store (SQLite, synchronous=FULL, group commit):
 *      fire lateness, lateness of the committed append, executions created per second;
 *   B. the same schedules, the timer structure alone (the write is a no-op): fire lateness;
 *   B2. the timer structure alone again, once every other project has a calendar (a quarter of the
 *      tasks skip its dates, none of which falls in the run, so as many ticks are due) and two
 *      maintenance windows (a recurring silence, a pause in the future): the cost of judging each
 *      tick against the project's calendars and windows, beside B;
 *   C. baseline: one croner `Cron` job per task (a subset of `--baseline` jobs: each croner pattern
 *      holds a 10,000-entry year array, ~80 KB, so 100,000 jobs need ~8 GB): fire lateness and
 *      memory per job, scaled to the task count in the summary.
 * Memory: RSS and heap (after GC) before and after the scheduler has replayed the tasks and gone live,
 * per scheduled task; the same per croner job.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Cron } from 'croner';
import { newCommandContext } from '../src/commands/command-context';
import { toNewEvent } from '../src/commands/handle-command';
import { taskDecider } from '../src/commands/task/task-decider';
import type { TaskDefinitionInput } from '../src/commands/task/task-commands';
import type { ScheduleRuleEvent } from '../src/events/schedule-rule-events';
import { projectStream, taskStream } from '../src/events/streams';
import { createLogger } from '../src/logging/logger';
import { ProcessManagerRunner } from '../src/process-managers/process-manager-runner';
import { type ExecutionWriter, Scheduler, storeExecutionWriter } from '../src/process-managers/scheduler';
import { scheduleCacheStats } from '../src/schedules/compile-schedule';
import { SqliteEventStore } from '../src/stores/events/sqlite-event-store';
import { SqliteReadStore } from '../src/stores/read/sqlite-read-store';
import { systemClock } from '../src/time/clock';
import { type BenchRow, formatTable } from './report';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const ZONES = ['UTC', 'America/New_York', 'Europe/London', 'Australia/Sydney', 'Asia/Tokyo', 'Asia/Kolkata'];
const PROJECTS = 100;
const logger = createLogger('warn');

interface Settings {
  tasks: number;
  seconds: number;
  baseline: number;
  warmup: number;
  /** 1: mixed overlap policies. */
  overlap: number;
}

function parseArgs(args: string[]): Settings {
  const settings: Settings = { tasks: 100_000, seconds: 20, baseline: 5_000, warmup: 3, overlap: 0 };
  for (let i = 0; i < args.length; i += 2) {
    const name = args[i].replace(/^--/, '');
    const value = Number(args[i + 1]);
    if (!(name in settings) || !Number.isInteger(value) || value < 0) {
      throw new Error(`Unknown or invalid option ${args[i]} ${args[i + 1]}; expected --tasks N --seconds N --baseline N --warmup N --overlap 0|1`);
    }
    settings[name as keyof Settings] = value;
  }
  return settings;
}

function taskConfig(i: number) {
  return { cron_expression: `${i % 60} * * * * *`, timezone: ZONES[Math.floor(i / 60) % ZONES.length] };
}

/** The mixed policies of `--overlap 1`, by task index. */
function overlapOf(i: number): Pick<TaskDefinitionInput, 'overlap' | 'maxConcurrent'> {
  switch (i % 8) {
    case 3:
      return { maxConcurrent: 2 };
    case 4:
    case 5:
      return { overlap: { mode: 'forbid' } };
    case 6:
      return { overlap: { mode: 'queue', maxQueued: 2 } };
    case 7:
      return { overlap: { mode: 'replace' } };
    default:
      return {};
  }
}

function memory(): { rss: number; heap: number } {
  gc();
  gc();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heap: heapUsed };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Lateness samples (ms), kept only while `on`. */
class Samples {
  private values = new Float64Array(1 << 16);
  length = 0;
  on = false;

  add(value: number): void {
    if (!this.on) return;
    if (this.length === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.length++] = value;
  }

  percentiles(): { p50: number; p99: number; max: number } {
    const sorted = this.values.slice(0, this.length).sort();
    const at = (q: number) => (sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
    return { p50: at(0.5), p99: at(0.99), max: sorted.length === 0 ? Number.NaN : sorted[sorted.length - 1] };
  }
}

/** Every fourth task names its project's calendar (which exists from phase B2 on, in every other project). */
const usesCalendar = (i: number) => i % 4 === 0;

/** Appends one TaskCreated per task through the task decider, many appends in flight (group commit). */
async function writeTasks(events: SqliteEventStore, projects: string[], count: number, mixed: boolean): Promise<void> {
  const context = newCommandContext('user:bench');
  const at = new Date().toISOString();
  const CHUNK = 2_000;
  for (let start = 0; start < count; start += CHUNK) {
    const appends: Promise<unknown>[] = [];
    for (let i = start; i < Math.min(count, start + CHUNK); i++) {
      const taskId = randomUUID();
      const created = taskDecider.decide(
        {
          type: 'CreateTask',
          taskId,
          projectId: projects[i % PROJECTS],
          definition: {
            name: `bench-${i}`,
            scheduleType: 'RECURRING',
            scheduleConfig: taskConfig(i),
            executionMode: 'pull',
            ...(mixed ? overlapOf(i) : {}),
            ...(usesCalendar(i) ? { calendar: { calendarId: 'holidays', mode: 'skip' as const } } : {}),
          },
          at,
        },
        null,
      );
      appends.push(events.append(taskStream(taskId), created.map((e) => toNewEvent(e, context, systemClock)), 'no_stream'));
    }
    await Promise.all(appends);
  }
}

/** Every other project gets a calendar of next year's holidays and two windows that hold no tick of the run back. */
async function writeScheduleRules(events: SqliteEventStore, projects: string[]): Promise<void> {
  const context = newCommandContext('user:bench');
  const at = new Date().toISOString();
  const year = new Date().getUTCFullYear() + 1;
  const dates = ['01-01', '04-03', '04-06', '05-01', '12-25', '12-26'].map((day) => `${year}-${day}`);
  const farStart = new Date(Date.UTC(year, 6, 1)).toISOString();
  const farEnd = new Date(Date.UTC(year, 6, 2)).toISOString();
  await Promise.all(
    projects
      .filter((_, i) => i % 2 === 0)
      .map((projectId) => {
        const rules: ScheduleRuleEvent[] = [
          { type: 'CalendarSet', data: { projectId, calendarId: 'holidays', calendar: { name: 'Holidays', dates }, at } },
          { type: 'MaintenanceWindowSet', data: { projectId, windowId: 'weekly', window: { name: 'Weekly', scope: { kind: 'project' }, effect: 'silence', timing: { kind: 'recurring', cronExpression: '0 3 * * 0', timezone: 'UTC', durationMinutes: 60 } }, at } },
          { type: 'MaintenanceWindowSet', data: { projectId, windowId: 'upgrade', window: { name: 'Upgrade', scope: { kind: 'project' }, effect: 'pause', timing: { kind: 'once', start: farStart, end: farEnd } }, at } },
        ];
        return events.append(projectStream(projectId), rules.map((e) => toNewEvent(e, context, systemClock)), 'any');
      }),
  );
}

interface PhaseResult {
  fire: { p50: number; p99: number; max: number };
  fired: number;
  created: number;
  startupMs: number;
  memory: { rss: number; heap: number };
  downtimeMissed: number;
  downtimeMs: number;
}

/** Runs a scheduler over the store through the real runner: replay, go live, warm up, measure. */
async function runScheduler(
  events: SqliteEventStore,
  dir: string,
  name: string,
  settings: Settings,
  writer: ExecutionWriter | undefined,
  onWindow?: (on: boolean) => void,
): Promise<PhaseResult> {
  const before = memory();
  const fire = new Samples();
  const reads = SqliteReadStore.open({ file: join(dir, `read-${name}.db`) });
  const scheduler = new Scheduler({ events, clock: systemClock, logger }, { writer, onFire: (ms) => fire.add(ms) });
  const runner = new ProcessManagerRunner([scheduler], events, reads, logger);
  const started = performance.now();
  await runner.start();
  while (!runner.status()[0].live) await sleep(5);
  const startupMs = performance.now() - started;
  const after = memory();
  // Ticks that fell while the tasks were being written are owed: wait until they are recorded.
  await scheduler.downtimeRecorded;
  const downtimeMs = performance.now() - started - startupMs;

  await sleep(settings.warmup * 1000);
  const downtimeMissed = scheduler.stats.missedRecorded;
  const firedBefore = scheduler.stats.fired;
  const createdBefore = scheduler.stats.created;
  fire.on = true;
  onWindow?.(true);
  await sleep(settings.seconds * 1000);
  fire.on = false;
  onWindow?.(false);
  const fired = scheduler.stats.fired - firedBefore;
  const created = scheduler.stats.created - createdBefore;
  console.log(
    `  [${name}] armed ${scheduler.size.armed.toLocaleString('en-US')} tasks; ${fired.toLocaleString('en-US')} ticks fired, ` +
      `${created.toLocaleString('en-US')} executions created in the window; writes pending at its end: ${scheduler.pendingWrites}; ` +
      `failed: ${scheduler.stats.failed}; overlap: ${scheduler.stats.overlapSkipped} skipped, ${scheduler.stats.overlapQueued} queued, ` +
      `${scheduler.stats.replaced} replaced, ${scheduler.stats.released} released`,
  );
  await runner.stop();
  await reads.close();
  return {
    fire: fire.percentiles(),
    fired,
    created,
    startupMs,
    memory: { rss: after.rss - before.rss, heap: after.heap - before.heap },
    downtimeMissed,
    downtimeMs,
  };
}

/** The baseline: one croner job per task, each with its own timer and its own parsed pattern. */
async function runCroner(settings: Settings): Promise<{ fire: { p50: number; p99: number; max: number }; fired: number; memory: { rss: number; heap: number } }> {
  const fire = new Samples();
  let fired = 0;
  const before = memory();
  const jobs: Cron[] = [];
  for (let i = 0; i < settings.baseline; i++) {
    const { cron_expression, timezone } = taskConfig(i);
    const second = i % 60;
    jobs.push(
      new Cron(cron_expression, { timezone }, () => {
        const now = Date.now();
        // The tick instant: the latest whole second `second` of a minute at or before now.
        const scheduled = now - ((((now - second * 1000) % 60_000) + 60_000) % 60_000);
        fire.add(now - scheduled);
        if (fire.on) fired++;
      }),
    );
  }
  const after = memory();
  await sleep(settings.warmup * 1000);
  fire.on = true;
  await sleep(settings.seconds * 1000);
  fire.on = false;
  for (const job of jobs) job.stop();
  return { fire: fire.percentiles(), fired, memory: { rss: after.rss - before.rss, heap: after.heap - before.heap } };
}

export async function schedulerBench(args: string[]): Promise<void> {
  const settings = parseArgs(args);
  const { tasks, seconds } = settings;
  const dir = mkdtempSync(join(tmpdir(), 'scheduler-bench-'));
  const events = SqliteEventStore.open({ file: join(dir, 'events.db') }); // synchronous=FULL, as the server runs it
  try {
    const writeStart = performance.now();
    const projects = Array.from({ length: PROJECTS }, () => randomUUID());
    await writeTasks(events, projects, tasks, settings.overlap === 1);
    console.log(`${tasks.toLocaleString('en-US')} TaskCreated events written in ${((performance.now() - writeStart) / 1000).toFixed(1)} s`);

    // A. the scheduler with real appends; the committed append's lateness is sampled too.
    const recorded = new Samples();
    const store = storeExecutionWriter(events, systemClock);
    const measuredStore: ExecutionWriter = async (command, context) => {
      const outcome = await store(command, context);
      recorded.add(Date.now() - Date.parse(command.scheduledAt));
      return outcome;
    };
    console.log(`A: scheduler + store appends, ${seconds} s on real time after ${settings.warmup} s of warm-up`);
    const a = await runScheduler(events, dir, 'store', settings, measuredStore, (on) => (recorded.on = on));
    const rec = recorded.percentiles();
    const cache = scheduleCacheStats();

    // B. the timer structure alone.
    console.log(`B: the timer structure alone (no-op write), ${seconds} s`);
    const b = await runScheduler(events, dir, 'timers', settings, async () => 'created');

    // B2. the timer structure alone, with calendars and maintenance windows in half the projects.
    await writeScheduleRules(events, projects);
    console.log(`B2: the timer structure alone with calendars and windows (half the projects; ${Math.ceil(tasks / 4).toLocaleString('en-US')} tasks name a calendar), ${seconds} s`);
    const b2 = await runScheduler(events, dir, 'rules', settings, async () => 'created');

    // C. croner, one job per task, for a subset.
    console.log(`C: croner, one Cron per task, ${settings.baseline.toLocaleString('en-US')} jobs, ${seconds} s`);
    const c = settings.baseline > 0 ? await runCroner(settings) : null;

    const due = tasks / 60;
    const cronerLabel = `croner, ${settings.baseline.toLocaleString('en-US')} jobs`;
    const rows: BenchRow[] = [];
    if (c) {
      rows.push(
        { figure: `fire lateness p50, ${cronerLabel}`, value: c.fire.p50, unit: 'ms' },
        { figure: `fire lateness p99, ${cronerLabel}`, value: c.fire.p99, unit: 'ms' },
        { figure: `fire lateness max, ${cronerLabel}`, value: c.fire.max, unit: 'ms' },
      );
    }
    const base = (q: string) => (c ? `fire lateness ${q}, ${cronerLabel}` : undefined);
    rows.push(
      { figure: 'fire lateness p50, heap + store appends', value: a.fire.p50, unit: 'ms', baseline: base('p50') },
      { figure: 'fire lateness p99, heap + store appends', value: a.fire.p99, unit: 'ms', baseline: base('p99') },
      { figure: 'fire lateness max, heap + store appends', value: a.fire.max, unit: 'ms', baseline: base('max') },
      { figure: 'execution committed, lateness p50', value: rec.p50, unit: 'ms', baseline: base('p50') },
      { figure: 'execution committed, lateness p99', value: rec.p99, unit: 'ms', baseline: base('p99') },
      { figure: 'execution committed, lateness max', value: rec.max, unit: 'ms', baseline: base('max') },
      { figure: 'fire lateness p50, heap alone', value: b.fire.p50, unit: 'ms', baseline: base('p50') },
      { figure: 'fire lateness p99, heap alone', value: b.fire.p99, unit: 'ms', baseline: base('p99') },
      { figure: 'fire lateness max, heap alone', value: b.fire.max, unit: 'ms', baseline: base('max') },
      { figure: 'fire lateness p50, heap alone, calendars and windows', value: b2.fire.p50, unit: 'ms', baseline: 'fire lateness p50, heap alone' },
      { figure: 'fire lateness p99, heap alone, calendars and windows', value: b2.fire.p99, unit: 'ms', baseline: 'fire lateness p99, heap alone' },
      { figure: 'fire lateness max, heap alone, calendars and windows', value: b2.fire.max, unit: 'ms', baseline: 'fire lateness max, heap alone' },
      { figure: 'ticks due per second', value: due, unit: '/s' },
      { figure: 'executions created per second', value: a.created / seconds, unit: '/s', baseline: 'ticks due per second' },
      { figure: 'ticks fired per second, heap alone', value: b.fired / seconds, unit: '/s', baseline: 'ticks due per second' },
      { figure: 'ticks fired per second, heap alone, calendars and windows', value: b2.fired / seconds, unit: '/s', baseline: 'ticks due per second' },
    );
    if (c) {
      rows.push(
        { figure: `ticks due per second, ${cronerLabel}`, value: settings.baseline / 60, unit: '/s' },
        { figure: `ticks fired per second, ${cronerLabel}`, value: c.fired / seconds, unit: '/s', baseline: `ticks due per second, ${cronerLabel}` },
        { figure: 'RSS per job, croner', value: c.memory.rss / settings.baseline, unit: 'bytes' },
        { figure: 'heap per job, croner', value: c.memory.heap / settings.baseline, unit: 'bytes' },
      );
    }
    rows.push(
      { figure: 'RSS growth per scheduled task', value: a.memory.rss / tasks, unit: 'bytes', baseline: c ? 'RSS per job, croner' : undefined },
      { figure: 'heap growth per scheduled task', value: a.memory.heap / tasks, unit: 'bytes', baseline: c ? 'heap per job, croner' : undefined },
      { figure: 'replay + go live', value: a.startupMs, unit: 'ms' },
    );
    console.log('');
    console.log(formatTable(`Scheduler: ${tasks.toLocaleString('en-US')} tasks (6-field crons, second = i mod 60, ${ZONES.length} zones), ${seconds} s on real time`, rows));
    console.log('');
    console.log(
      `targets: p99 fire lateness < 250 ms: ${a.fire.p99 < 250 ? 'met' : 'NOT met'} (with appends), ${b.fire.p99 < 250 ? 'met' : 'NOT met'} (heap alone); ` +
        `< 1 KB per scheduled task: ${a.memory.rss / tasks < 1024 ? 'met' : 'NOT met'} (RSS ${Math.round(a.memory.rss / tasks)} B, heap ${Math.round(a.memory.heap / tasks)} B)`,
    );
    console.log(
      `store: ${a.created >= 0.98 * due * seconds ? 'kept up' : 'did NOT keep up'} (${Math.round(a.created / seconds).toLocaleString('en-US')} of ${Math.round(due).toLocaleString('en-US')} executions/s created; ` +
        `committed-append lateness p99 ${rec.p99.toFixed(0)} ms); at start, ${a.downtimeMissed.toLocaleString('en-US')} ticks that fell while the tasks were written were recorded as MISSED in ${(a.downtimeMs / 1000).toFixed(1)} s, before the warm-up`,
    );
    console.log(
      `shared objects: ${cache.schedules} compiled schedules, ${cache.cronPatterns} parsed patterns, ${cache.zones} zone tables for ${tasks.toLocaleString('en-US')} tasks`,
    );
    if (c) {
      console.log(
        `croner scaled to ${tasks.toLocaleString('en-US')} tasks: ~${((c.memory.rss / settings.baseline) * tasks / 1_073_741_824).toFixed(1)} GB RSS ` +
          `(heap ~${((c.memory.heap / settings.baseline) * tasks / 1_073_741_824).toFixed(1)} GB), ${tasks.toLocaleString('en-US')} timers; ` +
          `measured with ${settings.baseline.toLocaleString('en-US')} jobs (${(settings.baseline / 60).toFixed(0)} ticks/s), its lateness at the full load is not measured`,
      );
    }
  } finally {
    await events.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  schedulerBench(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
