/**
 * Scheduler bench, on REAL time: `--tasks` active tasks with 6-field crons spread over the minute
 * (second = i mod 60) in mixed time zones, so tasks/60 ticks per second (100,000 tasks: ~1,667/s).
 *
 *   npm run bench -- scheduler [--tasks 100000] [--seconds 20] [--baseline 5000] [--warmup 3] [--mixed 1] [--settle 62]
 *                              [--burst 2000] [--burst-every 5] [--writer-thread 1]
 *
 * Phases, each `--seconds` long after `--warmup` seconds, one after the other in one process:
 *   A. the scheduler as the server runs it (process-manager runner, replay, go live), every tick
 *      appended as an execution to a temp embedded store (SQLite, synchronous=FULL, group commit):
 *      fire lateness, lateness of the committed append, executions created per second;
 *   T. (`--burst N`, 0 leaves it out) A again, on the same store, while every `--burst-every` seconds a
 *      burst of N manual triggers goes through the trigger flow at once (bench/scheduler-bursts.ts):
 *      the ticks' commit lateness over the window and in the burst windows, beside A's;
 *   S. (`--save-every N`, 0 leaves it out) A again, on the same store, while the runner saves the
 *      scheduler's state every N seconds rather than every five minutes (bench/scheduler-saves.ts): the
 *      ticks' commit lateness with saves in the window, beside A's;
 *   B. the same schedules, the timer structure alone (the write is a no-op): fire lateness;
 *   B2. the timer structure alone again, once every other project has a calendar (a quarter of the
 *      tasks skip its dates, none of which falls in the run, so as many ticks are due) and two
 *      maintenance windows (a recurring silence, a pause in the future): the cost of judging each
 *      tick against the project's calendars and windows, beside B;
 *   M. (`--mixed 1`, the default) the scheduler policies, on a second store: the same schedules, and of
 *      every 8 tasks 4 allow (one of them with max_concurrent 2), 2 forbid, 1 queue (max_queued 2), 1
 *      replace (README, "Overlap and concurrency"); every third task has a retry policy; every fourth
 *      skips the holidays of its project's calendar and half the projects have maintenance windows.
 *      Nobody runs the executions, so once every task has fired (`--settle` seconds, a minute and a
 *      bit, before the window) forbid ticks are SKIPPED, queue ticks QUEUED then SKIPPED (queue full),
 *      and each replace tick also cancels the run before it: fire and commit lateness beside A, and
 *      memory per task after going live and again after the window (the open runs the policies hold);
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
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createLogger } from '../src/logging/logger';
import type { SnapshotPolicy } from '../src/process-managers/manager-loop';
import { ProcessManagerRunner } from '../src/process-managers/process-manager-runner';
import { type ExecutionWriter, Scheduler } from '../src/process-managers/scheduler';
import { scheduleCacheStats } from '../src/schedules/compile-schedule';
import { SqliteEventStore } from '../src/stores/events/sqlite-event-store';
import { SqliteReadStore } from '../src/stores/read/sqlite-read-store';
import { systemClock } from '../src/time/clock';
import { type BenchRow, formatTable } from './report';
import { type SnapshotCost, snapshotCost, snapshotRows } from './scheduler-snapshot';
import { type BurstResult, CommitSamples, TriggerBursts, burstRows } from './scheduler-bursts';
import { runCroner } from './scheduler-croner';
import { frequentSaves, savesRows, savesSummary } from './scheduler-saves';
import { PROJECTS, Samples, type TaskRef, ZONES, intoSamples, measuredWriter, memory, sleep, taskConfig, writeScheduleRules, writeTasks } from './scheduler-workload';

const logger = createLogger('warn');

interface Settings {
  tasks: number;
  seconds: number;
  baseline: number;
  warmup: number;
  /** 1: run phase M (scheduler policies). */
  mixed: number;
  /** Seconds phase M runs before its window, so every task has fired once and has a run open. */
  settle: number;
  /** Manual triggers per burst in phase T (0: no phase T). */
  burst: number;
  /** Seconds between bursts. */
  burstEvery: number;
  /** 1: the store commits on a writer thread, as the server's does; 0: on the scheduler's thread. */
  writerThread: number;
  /** Seconds between state saves in phase S (0: no phase S). */
  saveEvery: number;
}

function parseArgs(args: string[]): Settings {
  const settings: Settings = { tasks: 100_000, seconds: 20, baseline: 5_000, warmup: 3, mixed: 1, settle: 62, burst: 2_000, burstEvery: 5, writerThread: 1, saveEvery: 5 };
  for (let i = 0; i < args.length; i += 2) {
    const name = args[i].replace(/^--/, '').replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
    const value = Number(args[i + 1]);
    if (!(name in settings) || !Number.isInteger(value) || value < 0) {
      throw new Error(`Unknown or invalid option ${args[i]} ${args[i + 1]}; expected --tasks N --seconds N --baseline N --warmup N --mixed 0|1 --settle N --burst N --burst-every N --writer-thread 0|1 --save-every N`);
    }
    settings[name as keyof Settings] = value;
  }
  return settings;
}

interface PhaseResult {
  fire: { p50: number; p99: number; max: number };
  /** The longest the event loop was held in the window (ms): a tick due meanwhile fires that late. */
  loopHeldMs: number;
  fired: number;
  created: number;
  startupMs: number;
  memory: { rss: number; heap: number };
  /** Growth from before the replay to the end of the window (what the runs the window created left held). */
  memoryAfterWindow: { rss: number; heap: number };
  downtimeMissed: number;
  downtimeMs: number;
  /** Saving and restoring the scheduler's state after the window. */
  snapshot: SnapshotCost;
  /** Overlap decisions in the window. */
  decisions: { skipped: number; queued: number; replaced: number; released: number };
  /** The scheduler's state saved by the runner in the window. */
  saves: number;
}

/** Runs a scheduler over the store through the real runner: replay, go live, warm up, measure. */
async function runScheduler(
  events: SqliteEventStore,
  dir: string,
  name: string,
  settings: Settings,
  writer: ExecutionWriter | undefined,
  onWindow?: (on: boolean) => void,
  warmupSeconds = settings.warmup,
  snapshotPolicy?: SnapshotPolicy,
): Promise<PhaseResult> {
  const before = memory();
  const fire = new Samples();
  const reads = SqliteReadStore.open({ file: join(dir, `read-${name}.db`) });
  const scheduler = new Scheduler({ events, clock: systemClock, logger }, { writer, onFire: (ms) => fire.add(ms) });
  const runner = new ProcessManagerRunner([scheduler], events, reads, logger, snapshotPolicy);
  let saves = 0;
  const take = scheduler.snapshots.take.bind(scheduler.snapshots);
  scheduler.snapshots.take = () => (fire.on && saves++, take());
  const started = performance.now();
  await runner.start();
  while (!runner.status()[0].live) await sleep(5);
  const startupMs = performance.now() - started;
  const after = memory();
  // Ticks that fell while the tasks were being written are owed: wait until they are recorded.
  await scheduler.downtimeRecorded;
  const downtimeMs = performance.now() - started - startupMs;

  await sleep(warmupSeconds * 1000);
  const downtimeMissed = scheduler.stats.missedRecorded;
  const firedBefore = scheduler.stats.fired;
  const { overlapSkipped, overlapQueued, replaced, released } = scheduler.stats;
  const createdBefore = scheduler.stats.created;
  const loop = monitorEventLoopDelay({ resolution: 5 });
  fire.on = true;
  loop.enable();
  onWindow?.(true);
  await sleep(settings.seconds * 1000);
  fire.on = false;
  loop.disable();
  onWindow?.(false);
  const afterWindow = memory();
  const fired = scheduler.stats.fired - firedBefore;
  const created = scheduler.stats.created - createdBefore;
  console.log(
    `  [${name}] armed ${scheduler.size.armed.toLocaleString('en-US')} tasks; ${fired.toLocaleString('en-US')} ticks fired, ` +
      `${created.toLocaleString('en-US')} executions created in the window; writes pending at its end: ${scheduler.pendingWrites}; ` +
      `failed: ${scheduler.stats.failed}; overlap: ${scheduler.stats.overlapSkipped} skipped, ${scheduler.stats.overlapQueued} queued, ` +
      `${scheduler.stats.replaced} replaced, ${scheduler.stats.released} released`,
  );
  const snapshot = snapshotCost(scheduler, () => new Scheduler({ events, clock: systemClock, logger }));
  await runner.stop();
  await reads.close();
  return {
    snapshot,
    fire: fire.percentiles(),
    loopHeldMs: loop.max / 1e6,
    fired,
    created,
    startupMs,
    memory: { rss: after.rss - before.rss, heap: after.heap - before.heap },
    memoryAfterWindow: { rss: afterWindow.rss - before.rss, heap: afterWindow.heap - before.heap },
    downtimeMissed,
    downtimeMs,
    decisions: {
      skipped: scheduler.stats.overlapSkipped - overlapSkipped,
      queued: scheduler.stats.overlapQueued - overlapQueued,
      replaced: scheduler.stats.replaced - replaced,
      released: scheduler.stats.released - released,
    },
    saves,
  };
}

interface MixedResult {
  result: PhaseResult;
  committed: { p50: number; p99: number; max: number };
}

/** Phase M: the same schedules with overlap policies, retries, calendars and windows, on a store of their own. */
async function runMixed(dir: string, settings: Settings): Promise<MixedResult> {
  const events = SqliteEventStore.open({ file: join(dir, 'events-policies.db'), writerThread: settings.writerThread === 1 });
  try {
    const projects = Array.from({ length: PROJECTS }, () => randomUUID());
    await writeScheduleRules(events, projects);
    await writeTasks(events, projects, settings.tasks, true);
    console.log(`M: scheduler policies + store appends, ${settings.seconds} s after ${settings.settle} s (every task fires once first)`);
    const recorded = new Samples();
    const result = await runScheduler(events, dir, 'policies', settings, measuredWriter(events, intoSamples(recorded)), (on) => (recorded.on = on), settings.settle);
    return { result, committed: recorded.percentiles() };
  } finally {
    await events.close();
  }
}

/** Phase T: the scheduler and its store appends while bursts of manual triggers write to the same store. */
async function runBursts(events: SqliteEventStore, dir: string, settings: Settings, refs: TaskRef[]): Promise<BurstResult> {
  console.log(`T: scheduler + store appends + ${settings.burst.toLocaleString('en-US')} manual triggers at once every ${settings.burstEvery} s, ${settings.seconds} s`);
  const commits = new CommitSamples();
  const bursts = TriggerBursts.open(events, dir, refs, settings);
  // The window on the monotonic clock a --cpu-prof profile is timed by (µs), to profile the window alone.
  const window: bigint[] = [];
  try {
    const result = await runScheduler(events, dir, 'bursts', settings, measuredWriter(events, (tick, committed) => commits.add(tick, committed)), (on) => {
      window.push(process.hrtime.bigint() / 1000n);
      commits.on = on;
      if (on) bursts.start();
      else void bursts.stop();
    });
    await bursts.stop();
    const { all, inBursts } = commits.split(bursts.windows);
    console.log(`  [bursts] ${bursts.windows.length} bursts, ${bursts.triggered.toLocaleString('en-US')} manual executions created, ${bursts.failed} refused; ${inBursts.length.toLocaleString('en-US')} of ${all.length.toLocaleString('en-US')} tick commits waited during a burst; window ${window.join('–')} µs (monotonic)`);
    return { result, committed: all.percentiles(), inBursts: inBursts.percentiles(), answered: bursts.answered.percentiles(), bursts: bursts.windows.length, triggered: bursts.triggered, failed: bursts.failed };
  } finally {
    await bursts.close();
  }
}

function mixedRows(m: MixedResult): BenchRow[] {
  return [
    { figure: 'fire lateness p50, policies + store appends', value: m.result.fire.p50, unit: 'ms', baseline: 'fire lateness p50, heap + store appends' },
    { figure: 'fire lateness p99, policies + store appends', value: m.result.fire.p99, unit: 'ms', baseline: 'fire lateness p99, heap + store appends' },
    { figure: 'fire lateness max, policies + store appends', value: m.result.fire.max, unit: 'ms', baseline: 'fire lateness max, heap + store appends' },
    { figure: 'execution committed, lateness p50, policies', value: m.committed.p50, unit: 'ms', baseline: 'execution committed, lateness p50' },
    { figure: 'execution committed, lateness p99, policies', value: m.committed.p99, unit: 'ms', baseline: 'execution committed, lateness p99' },
    { figure: 'execution committed, lateness max, policies', value: m.committed.max, unit: 'ms', baseline: 'execution committed, lateness max' },
  ];
}

export async function schedulerBench(args: string[]): Promise<void> {
  const settings = parseArgs(args);
  const { tasks, seconds } = settings;
  const dir = mkdtempSync(join(tmpdir(), 'scheduler-bench-'));
  // synchronous=FULL and commits on a writer thread, as the server runs it (`--writer-thread 0`: on this thread).
  const events = SqliteEventStore.open({ file: join(dir, 'events.db'), writerThread: settings.writerThread === 1 });
  try {
    const writeStart = performance.now();
    const projects = Array.from({ length: PROJECTS }, () => randomUUID());
    const refs = await writeTasks(events, projects, tasks, false);
    console.log(`${tasks.toLocaleString('en-US')} TaskCreated events written in ${((performance.now() - writeStart) / 1000).toFixed(1)} s`);

    // A. the scheduler with real appends; the committed append's lateness is sampled too.
    const recorded = new Samples();
    const measuredStore = measuredWriter(events, intoSamples(recorded));
    console.log(`A: scheduler + store appends, ${seconds} s on real time after ${settings.warmup} s of warm-up`);
    const a = await runScheduler(events, dir, 'store', settings, measuredStore, (on) => (recorded.on = on));
    const rec = recorded.percentiles();
    const cache = scheduleCacheStats();

    // T. A again, with bursts of manual triggers writing to the same store.
    const t = settings.burst > 0 ? await runBursts(events, dir, settings, refs) : null;

    // S. A again, with the scheduler's state saved every few seconds.
    const saved = new Samples();
    if (settings.saveEvery > 0) console.log(`S: scheduler + store appends, its state saved every ${settings.saveEvery} s, ${seconds} s`);
    const s = settings.saveEvery > 0
      ? await runScheduler(events, dir, 'saves', settings, measuredWriter(events, intoSamples(saved)), (on) => (saved.on = on), settings.warmup, frequentSaves(settings.saveEvery))
      : null;
    const savesResult = s ? { fire: s.fire, committed: saved.percentiles(), loopHeldMs: s.loopHeldMs, saves: s.saves } : null;

    // B. the timer structure alone.
    console.log(`B: the timer structure alone (no-op write), ${seconds} s`);
    const b = await runScheduler(events, dir, 'timers', settings, async () => 'created');

    // B2. the timer structure alone, with calendars and maintenance windows in half the projects.
    await writeScheduleRules(events, projects);
    console.log(`B2: the timer structure alone with calendars and windows (half the projects; ${Math.ceil(tasks / 4).toLocaleString('en-US')} tasks name a calendar), ${seconds} s`);
    const b2 = await runScheduler(events, dir, 'rules', settings, async () => 'created');

    // M. the scheduler policies, on a store of their own, with real appends.
    const m = settings.mixed === 1 ? await runMixed(dir, settings) : null;

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
      { figure: 'event loop held, longest, heap + store appends', value: a.loopHeldMs, unit: 'ms' },
      { figure: 'execution committed, lateness p50', value: rec.p50, unit: 'ms', baseline: base('p50') },
      { figure: 'execution committed, lateness p99', value: rec.p99, unit: 'ms', baseline: base('p99') },
      { figure: 'execution committed, lateness max', value: rec.max, unit: 'ms', baseline: base('max') },
      { figure: 'fire lateness p50, heap alone', value: b.fire.p50, unit: 'ms', baseline: base('p50') },
      { figure: 'fire lateness p99, heap alone', value: b.fire.p99, unit: 'ms', baseline: base('p99') },
      { figure: 'fire lateness max, heap alone', value: b.fire.max, unit: 'ms', baseline: base('max') },
      { figure: 'fire lateness p50, heap alone, calendars and windows', value: b2.fire.p50, unit: 'ms', baseline: 'fire lateness p50, heap alone' },
      { figure: 'fire lateness p99, heap alone, calendars and windows', value: b2.fire.p99, unit: 'ms', baseline: 'fire lateness p99, heap alone' },
      { figure: 'fire lateness max, heap alone, calendars and windows', value: b2.fire.max, unit: 'ms', baseline: 'fire lateness max, heap alone' },
      ...(m ? mixedRows(m) : []),
      { figure: 'ticks due per second', value: due, unit: '/s' },
      ...(t ? [{ figure: 'executions created per second, with trigger bursts', value: t.result.created / seconds, unit: '/s', baseline: 'ticks due per second' }] : []),
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
      { figure: 'RSS growth per scheduled task, after the window', value: a.memoryAfterWindow.rss / tasks, unit: 'bytes' },
      ...(m
        ? [
            { figure: 'RSS growth per task, policies', value: m.result.memory.rss / tasks, unit: 'bytes', baseline: 'RSS growth per scheduled task' },
            { figure: 'heap growth per task, policies', value: m.result.memory.heap / tasks, unit: 'bytes', baseline: 'heap growth per scheduled task' },
            { figure: 'RSS growth per task, policies, after the window', value: m.result.memoryAfterWindow.rss / tasks, unit: 'bytes', baseline: 'RSS growth per scheduled task, after the window' },
          ]
        : []),
      ...(t ? burstRows(t, tasks) : []),
      ...(savesResult ? savesRows(savesResult) : []),
      { figure: 'replay + go live', value: a.startupMs, unit: 'ms' },
      ...snapshotRows(a.snapshot, tasks, 'replay + go live'),
    );
    console.log('');
    console.log(formatTable(`Scheduler: ${tasks.toLocaleString('en-US')} tasks (6-field crons, second = i mod 60, ${ZONES.length} zones), ${seconds} s on real time`, rows));
    console.log('');
    console.log(
      `targets: p99 fire lateness < 250 ms: ${a.fire.p99 < 250 ? 'met' : 'NOT met'} (with appends), ${b.fire.p99 < 250 ? 'met' : 'NOT met'} (heap alone); ` +
        `< 1 KB per scheduled task: ${a.memory.rss / tasks < 1024 ? 'met' : 'NOT met'} (RSS ${Math.round(a.memory.rss / tasks)} B, heap ${Math.round(a.memory.heap / tasks)} B)`,
    );
    if (t) {
      console.log(
        `bursts (${t.bursts} × ${settings.burst.toLocaleString('en-US')} manual triggers, ${t.failed} refused): tick commit lateness p99 < 250 ms: ` +
          `${t.inBursts.p99 < 250 ? 'met' : 'NOT met'} in the burst windows (${t.inBursts.p99.toFixed(0)} ms), ${t.committed.p99 < 250 ? 'met' : 'NOT met'} over the window (${t.committed.p99.toFixed(0)} ms), ` +
          `beside ${rec.p99.toFixed(0)} ms without bursts; RSS per task ${Math.round(a.memory.rss / tasks)} B (${a.memory.rss / tasks < 1024 ? 'met' : 'NOT met'}), ` +
          `${Math.round(t.result.memoryAfterWindow.rss / tasks)} B after the bursts' window`,
      );
    }
    if (savesResult) console.log(savesSummary(savesResult, rec, seconds));
    if (m) {
      console.log(
        `policies: p99 fire lateness < 250 ms: ${m.result.fire.p99 < 250 ? 'met' : 'NOT met'}; committed p99 ${m.committed.p99.toFixed(0)} ms; ` +
          `< 1 KB per task: ${m.result.memoryAfterWindow.rss / tasks < 1024 ? 'met' : 'NOT met'} after the window (RSS ${Math.round(m.result.memoryAfterWindow.rss / tasks)} B); ` +
          `in the window ${m.result.created.toLocaleString('en-US')} executions created: ${m.result.decisions.skipped.toLocaleString('en-US')} SKIPPED, ` +
          `${m.result.decisions.queued.toLocaleString('en-US')} QUEUED, ${m.result.decisions.replaced.toLocaleString('en-US')} runs replaced`,
      );
    }
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
