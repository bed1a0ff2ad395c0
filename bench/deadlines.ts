/**
 * Deadlines bench (issue 4, "Speed and size"): detection lateness for 100,000 open executions whose
 * timeouts fall over ~20 s of real time, against the baseline of one setTimeout per execution,
 * measured in the same run. Target: p99 under 1 s.
 *
 *   npm run bench -- deadlines [--executions 100000] [--spread 20] [--lead 3] [--store 100000]
 *
 * - ours: the real DeadlinesManager fed the ExecutionCreated events (its apply, its one heap and one
 *   clock timer on the system clock); lateness = when the manager hands an expired deadline to its
 *   action minus the deadline;
 * - baseline: one setTimeout per execution (what the original did, in memory only);
 * - `--store N` (0 to skip): the same manager end to end on an embedded event store in a temp dir:
 *   N executions created through the execution decider, lateness measured until each
 *   ExecutionTimedOut is durably appended (detection + command).
 * Heap per open deadline is reported for both (after a forced GC).
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { newCommandContext } from '../src/commands/command-context';
import { executionDecider } from '../src/commands/execution/execution-decider';
import { toNewEvent } from '../src/commands/handle-command';
import type { ExecutionCreated } from '../src/events/execution-events';
import { executionStream } from '../src/events/streams';
import { createLogger } from '../src/logging/logger';
import { type Deadline, DeadlinesManager } from '../src/process-managers/deadlines/deadlines-manager';
import type { EventStore, RecordedEvent } from '../src/stores/events/event-store';
import { SqliteEventStore } from '../src/stores/events/sqlite-event-store';
import { systemClock } from '../src/time/clock';
import { makeTempDir } from '../test/support/temp-dir';
import { type BenchRow, formatTable } from './report';
import { collectGarbage } from './gc';

const logger = createLogger('silent');

interface Settings {
  executions: number;
  spread: number;
  lead: number;
  store: number;
}

function parseArgs(args: string[]): Settings {
  const settings: Settings = { executions: 100_000, spread: 20, lead: 3, store: 100_000 };
  for (let i = 0; i < args.length; i += 2) {
    const name = args[i].replace(/^--/, '');
    const value = Number(args[i + 1]);
    if (!(name in settings) || !Number.isInteger(value) || value < 0) {
      throw new Error(`Unknown or invalid option ${args[i]} ${args[i + 1]}; expected --executions N --spread S --lead S --store N`);
    }
    settings[name as keyof Settings] = value;
  }
  return settings;
}

/** Wall-clock milliseconds with sub-millisecond precision. */
const nowMs = (): number => performance.timeOrigin + performance.now();

function heapUsed(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

interface Lateness {
  p50: number;
  p99: number;
  max: number;
  count: number;
}

function summarize(values: Float64Array): Lateness {
  const sorted = Float64Array.from(values).sort();
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? Number.NaN, count: sorted.length };
}

/**
 * Deadlines spread evenly over [start + lead, start + lead + spread]. Timeouts are whole seconds (as
 * configured), so each execution's creation instant is set back from its deadline accordingly.
 */
function deadlinesFrom(start: number, settings: Settings, count: number): number[] {
  const first = start + settings.lead * 1000;
  return Array.from({ length: count }, (_, i) => first + Math.floor((i * settings.spread * 1000) / count));
}

function createdEvent(executionId: string, deadline: number, position: number): RecordedEvent {
  const timeoutSeconds = 60;
  const createdAt = new Date(deadline - timeoutSeconds * 1000).toISOString();
  const data: ExecutionCreated['data'] = {
    executionId,
    taskId: 'task',
    projectId: 'project',
    taskName: 'bench',
    scheduledAt: createdAt,
    triggerType: 'SCHEDULED',
    attempt: 1,
    executionMode: 'push',
    timeoutSeconds,
    startDeadlineSeconds: null,
    createdAt,
  };
  const metadata = { eventId: randomUUID(), occurredAt: createdAt, actor: 'bench', correlationId: executionId, causationId: executionId, schemaVersion: 1 };
  // Through JSON, as events come out of a store: flat strings (a fresh randomUUID() is a cons string
  // several times its length, which would inflate the heap figure).
  return JSON.parse(JSON.stringify({ type: 'ExecutionCreated', data, metadata, streamId: executionStream(executionId), revision: 0, position }));
}

/** Ours: the manager's own path (apply, heap, one timer), with an action that only records the lateness. */
async function measureManager(settings: Settings): Promise<{ lateness: Lateness; heapPerDeadline: number; setupMs: number; timers: number }> {
  const start = Date.now();
  const deadlines = deadlinesFrom(start, settings, settings.executions);
  const lateness = new Float64Array(settings.executions);
  let fired = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  let timers = 0;
  const countingClock = {
    now: systemClock.now,
    setTimer(at: Date, callback: () => void) {
      timers++;
      const cancel = systemClock.setTimer(at, callback);
      return () => {
        timers--;
        cancel();
      };
    },
  };
  const manager = new DeadlinesManager(
    { events: null as unknown as EventStore, clock: countingClock, logger },
    {
      act: async (deadline: Deadline) => {
        lateness[fired++] = nowMs() - deadline.at;
        if (fired === settings.executions) done();
      },
    },
  );
  const before = heapUsed();
  const created = deadlines.map((deadline, i) => createdEvent(randomUUID(), deadline, i + 1));
  const setupStarted = performance.now();
  for (const event of created) manager.apply(event, false);
  manager.goLive();
  const setupMs = performance.now() - setupStarted;
  created.length = 0;
  const heapPerDeadline = (heapUsed() - before) / settings.executions;
  const armed = timers;
  await finished;
  await manager.stop();
  return { lateness: summarize(lateness), heapPerDeadline, setupMs, timers: armed };
}

/** Baseline: one setTimeout per execution. */
async function measureTimeouts(settings: Settings): Promise<{ lateness: Lateness; heapPerDeadline: number; setupMs: number }> {
  const start = Date.now();
  const deadlines = deadlinesFrom(start, settings, settings.executions);
  const lateness = new Float64Array(settings.executions);
  let fired = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const handles: NodeJS.Timeout[] = [];
  const before = heapUsed();
  const setupStarted = performance.now();
  for (let i = 0; i < settings.executions; i++) {
    const at = deadlines[i];
    handles.push(
      setTimeout(() => {
        lateness[fired++] = nowMs() - at;
        if (fired === settings.executions) done();
      }, at - Date.now()),
    );
  }
  const setupMs = performance.now() - setupStarted;
  const heapPerDeadline = (heapUsed() - before) / settings.executions;
  await finished;
  return { lateness: summarize(lateness), heapPerDeadline, setupMs };
}

/** End to end on an embedded store: until each ExecutionTimedOut is durably appended. */
async function measureWithStore(settings: Settings): Promise<Lateness> {
  const temp = makeTempDir('cron-observer-bench-deadlines-');
  const store = SqliteEventStore.open({ file: join(temp.dir, 'events.db') });
  try {
    const count = settings.store;
    const context = newCommandContext('bench');
    // Created first (their deadlines still ahead), then replayed into a fresh manager as at a start.
    // Time to create them first (about 10,000 appends/s here), then the usual lead.
    const setupLead = settings.lead + Math.ceil(count / 5_000) + 2;
    const start = Date.now() + (setupLead - settings.lead) * 1000;
    const deadlines = deadlinesFrom(start, settings, count);
    const deadlineOf = new Map<string, number>();
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < count; i++) {
      const id = randomUUID();
      deadlineOf.set(id, deadlines[i]);
      const createdAt = new Date(deadlines[i] - 60_000).toISOString();
      const events = executionDecider.decide(
        {
          type: 'CreateExecution', executionId: id, taskId: 'task', projectId: 'project', taskName: 'bench', scheduledAt: createdAt,
          triggerType: 'SCHEDULED', attempt: 1, executionMode: 'push', timeoutSeconds: 60, startDeadlineSeconds: null, at: createdAt,
        },
        null,
      );
      writes.push(store.append(executionStream(id), events.map((e) => toNewEvent(e, context, systemClock)), 'no_stream'));
      if (writes.length >= 1000) await Promise.all(writes.splice(0));
    }
    await Promise.all(writes);
    if (Date.now() > deadlines[0]) throw new Error(`Creating ${count} executions took longer than the lead; use a smaller --store`);

    const lateness = new Float64Array(count);
    let appended = 0;
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const measuring = new Proxy(store, {
      get(target, property, receiver) {
        if (property !== 'append') return Reflect.get(target, property, receiver);
        return async (...args: Parameters<EventStore['append']>) => {
          const result = await target.append(...args);
          if (args[1][0]?.type === 'ExecutionTimedOut') {
            const at = deadlineOf.get(args[0].slice('execution-'.length))!;
            lateness[appended++] = nowMs() - at;
            if (appended === count) done();
          }
          return result;
        };
      },
    });
    const manager = new DeadlinesManager({ events: measuring, clock: systemClock, logger });
    for (const event of await store.readAll()) manager.apply(event, false);
    manager.goLive();
    await finished;
    await manager.stop();
    return summarize(lateness);
  } finally {
    await store.close();
    temp.cleanup();
  }
}

export async function deadlinesBench(args: string[]): Promise<void> {
  const settings = parseArgs(args);
  // The system clock's timers are unref'd (they never keep a server alive); this run must stay up.
  const keepAlive = setInterval(() => undefined, 1000);
  try {
    await run(settings);
  } finally {
    clearInterval(keepAlive);
  }
}

async function run(settings: Settings): Promise<void> {
  console.log(
    `deadlines: ${settings.executions.toLocaleString('en-US')} open executions expiring over ${settings.spread} s ` +
      `(${Math.round(settings.executions / settings.spread).toLocaleString('en-US')}/s), first after ${settings.lead} s`,
  );
  const ours = await measureManager(settings);
  const base = await measureTimeouts(settings);
  const baseline = 'detection lateness p99, one setTimeout per execution';
  const rows: BenchRow[] = [
    { figure: 'detection lateness p50, deadlines manager (one heap, one timer)', value: ours.lateness.p50, unit: 'ms', baseline: 'detection lateness p50, one setTimeout per execution' },
    { figure: 'detection lateness p99, deadlines manager (one heap, one timer)', value: ours.lateness.p99, unit: 'ms', baseline },
    { figure: 'detection lateness max, deadlines manager (one heap, one timer)', value: ours.lateness.max, unit: 'ms', baseline: 'detection lateness max, one setTimeout per execution' },
    { figure: 'detection lateness p50, one setTimeout per execution', value: base.lateness.p50, unit: 'ms' },
    { figure: baseline, value: base.lateness.p99, unit: 'ms' },
    { figure: 'detection lateness max, one setTimeout per execution', value: base.lateness.max, unit: 'ms' },
    { figure: 'heap per open deadline, deadlines manager', value: ours.heapPerDeadline, unit: 'bytes', baseline: 'heap per open deadline, one setTimeout each' },
    { figure: 'heap per open deadline, one setTimeout each', value: base.heapPerDeadline, unit: 'bytes' },
    { figure: 'setup (apply events / arm), deadlines manager', value: ours.setupMs, unit: 'ms', baseline: 'setup, one setTimeout each' },
    { figure: 'setup, one setTimeout each', value: base.setupMs, unit: 'ms' },
  ];
  if (settings.store > 0) {
    const stored = await measureWithStore(settings);
    rows.push(
      { figure: `TIMED_OUT appended lateness p50, embedded store (${settings.store.toLocaleString('en-US')} executions)`, value: stored.p50, unit: 'ms', baseline: 'detection lateness p50, one setTimeout per execution' },
      { figure: `TIMED_OUT appended lateness p99, embedded store (${settings.store.toLocaleString('en-US')} executions)`, value: stored.p99, unit: 'ms', baseline },
    );
  }
  console.log(formatTable(`clock timers armed by the manager at once: ${ours.timers}; target: p99 < 1000 ms`, rows));
  const verdict = ours.lateness.p99 < 1000 ? 'meets' : 'MISSES';
  console.log(`\ndeadlines manager p99 ${ours.lateness.p99.toFixed(0)} ms ${verdict} the 1 s target (${ours.lateness.count.toLocaleString('en-US')} deadlines).`);
}
