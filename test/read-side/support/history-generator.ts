/**
 * A generated execution history, written straight to the event store with the real event shapes, and
 * a deliberately simple reference implementation of every read-side answer, computed from the
 * generated events alone (not from the read models, and not with the production helpers).
 */
import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { type ExecutionStatus, missedByStartDeadline, type TriggerType } from '../../../src/events/execution-events';
import { executionLogStream, executionStream } from '../../../src/events/streams';
import type { EventStore, NewEvent, Position } from '../../../src/stores/events/event-store';
import { testEvent } from '../../support/test-events';

/** One execution as the reference knows it. */
export interface RefExecution {
  id: string;
  projectId: string;
  taskId: string;
  triggerType: TriggerType;
  scheduledAt: string;
  createdAt: string;
  status: ExecutionStatus;
  /** As the history shows it (null while not ended, and for MISSED). */
  durationMs: number | null;
  /** The project's zone when the execution was created. */
  zoneAtCreation: string;
  logLines: number;
}

export interface GeneratedExecution {
  ref: RefExecution;
  events: NewEvent[];
  logBatches: NewEvent[];
}

export interface TaskRef {
  projectId: string;
  taskId: string;
  taskName: string;
}

const MINUTE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * `count` executions of the given tasks with scheduled instants on whole minutes in [fromMs, toMs) (so
 * many share an instant), all trigger types, every outcome, repeated starts, late reports, log batches.
 */
export function generateExecutions(
  random: () => number,
  tasks: TaskRef[],
  count: number,
  range: { fromMs: number; toMs: number },
  zoneOf: (projectId: string) => string,
): GeneratedExecution[] {
  const minutes = Math.floor((range.toMs - range.fromMs) / MINUTE);
  const out: GeneratedExecution[] = [];
  for (let i = 0; i < count; i++) {
    const task = tasks[Math.floor(random() * tasks.length)]!;
    const scheduled = range.fromMs + Math.floor(random() * minutes) * MINUTE;
    out.push(generateOne(random, task, scheduled, zoneOf(task.projectId)));
  }
  return out;
}

export function generateOne(random: () => number, task: TaskRef, scheduledMs: number, zone: string, forcedStatus?: ExecutionStatus): GeneratedExecution {
  const id = randomUUID();
  const ref = { executionId: id, taskId: task.taskId, projectId: task.projectId };
  const roll = random();
  const triggerType: TriggerType = roll < 0.8 ? 'SCHEDULED' : roll < 0.9 ? 'MANUAL' : roll < 0.95 ? 'EXTERNAL' : 'CATCH_UP';
  // A manual run is scheduled at its creation (with milliseconds); others on the tick.
  const scheduledAtMs = triggerType === 'MANUAL' ? scheduledMs + Math.floor(random() * MINUTE) : scheduledMs;
  const createdMs = triggerType === 'MANUAL' ? scheduledAtMs : scheduledAtMs + Math.floor(random() * 2000) + (triggerType === 'CATCH_UP' ? 3_600_000 : 0);
  const events: NewEvent[] = [
    testEvent('ExecutionCreated', {
      ...ref,
      taskName: task.taskName,
      scheduledAt: iso(scheduledAtMs),
      triggerType,
      attempt: 1,
      executionMode: 'pull',
      timeoutSeconds: null,
      startDeadlineSeconds: null,
      createdAt: iso(createdMs),
    }),
  ];
  const outcome = forcedStatus ?? pickOutcome(random());
  let status: ExecutionStatus = 'PENDING';
  let durationMs: number | null = null;
  let t = createdMs + 100 + Math.floor(random() * 5000);
  let runStartedMs: number | null = null;
  const start = () => {
    events.push(testEvent('ExecutionStarted', { ...ref, at: iso(t), claimedBy: null }));
    runStartedMs = t;
    status = 'RUNNING';
    t += Math.floor(random() * 1000);
  };
  const run = () => Math.floor(Math.exp(random() * 14)); // 1 ms … ~20 min, log-uniform
  if (outcome !== 'PENDING' && outcome !== 'MISSED' && random() < 0.6) start();
  if (outcome === 'RUNNING') start();
  if (outcome === 'RUNNING' && random() < 0.3) start(); // a second claim
  switch (outcome) {
    case 'SUCCESS':
    case 'FAILED': {
      durationMs = run();
      t += durationMs;
      const end = { ...ref, at: iso(t), exitCode: outcome === 'SUCCESS' ? 0 : 1, durationMs, metrics: null };
      events.push(outcome === 'SUCCESS' ? testEvent('ExecutionSucceeded', end) : testEvent('ExecutionFailed', { ...end, error: 'boom' }));
      status = outcome;
      break;
    }
    case 'CANCELLED':
    case 'TIMED_OUT': {
      t += run();
      durationMs = Math.max(0, t - (runStartedMs ?? createdMs));
      events.push(
        outcome === 'CANCELLED'
          ? testEvent('ExecutionCancelled', { ...ref, at: iso(t), by: 'someone' })
          : testEvent('ExecutionTimedOut', { ...ref, at: iso(t), timeoutSeconds: 60 }),
      );
      status = outcome;
      break;
    }
    case 'MISSED':
      events.push(testEvent('ExecutionMissed', { ...ref, at: iso(t), ...missedByStartDeadline(60) }));
      status = 'MISSED';
      break;
    default:
      break;
  }
  if ((status === 'CANCELLED' || status === 'TIMED_OUT' || status === 'MISSED') && random() < 0.5) {
    // The executor reports after the system ended it: kept for the audit trail, counts nowhere.
    events.push(testEvent('ExecutionLateReportReceived', { ...ref, at: iso(t + 1000), reportedStatus: 'SUCCESS', error: null, currentStatus: status }));
  }
  const logBatches: NewEvent[] = [];
  let logLines = 0;
  if (random() < 0.2) {
    for (let b = 0; b < 1 + Math.floor(random() * 3); b++) {
      const n = 1 + Math.floor(random() * 5);
      const lines = Array.from({ length: n }, (_, k) => ({ message: `line ${logLines + k}`, level: 'info', timestamp: null, receivedAt: iso(createdMs + 10) }));
      logBatches.push(testEvent('ExecutionLogsAppended', { ...ref, lines }));
      logLines += n;
    }
  }
  return {
    ref: { id, projectId: task.projectId, taskId: task.taskId, triggerType, scheduledAt: iso(scheduledAtMs), createdAt: iso(createdMs), status, durationMs, zoneAtCreation: zone, logLines },
    events,
    logBatches,
  };
}

function pickOutcome(r: number): ExecutionStatus {
  if (r < 0.08) return 'PENDING';
  if (r < 0.13) return 'RUNNING';
  if (r < 0.6) return 'SUCCESS';
  if (r < 0.78) return 'FAILED';
  if (r < 0.85) return 'TIMED_OUT';
  if (r < 0.92) return 'MISSED';
  return 'CANCELLED';
}

/** Appends every execution (one append of its status events, with no_stream) and its log batches, many at a time. */
export async function appendExecutions(events: EventStore, executions: GeneratedExecution[], concurrency = 256): Promise<Position> {
  let last: Position = 0;
  for (let i = 0; i < executions.length; i += concurrency) {
    const chunk = executions.slice(i, i + concurrency);
    const results = await Promise.all(
      chunk.flatMap((e) => [
        events.append(executionStream(e.ref.id), e.events, 'no_stream'),
        ...(e.logBatches.length > 0 ? [events.append(executionLogStream(e.ref.id), e.logBatches, 'any')] : []),
      ]),
    );
    for (const r of results) last = Math.max(last, r.position);
  }
  return last;
}

// ---- the reference ------------------------------------------------------------------------------

/** Scheduled instant, creation for a manual run. */
export const bucketInstant = (e: RefExecution): string => (e.triggerType === 'MANUAL' ? e.createdAt : e.scheduledAt);

/** Newest first by scheduled instant, then id descending. */
export function refOrder(a: RefExecution, b: RefExecution): number {
  if (a.scheduledAt !== b.scheduledAt) return a.scheduledAt < b.scheduledAt ? 1 : -1;
  return a.id < b.id ? 1 : -1;
}

const dayFormats = new Map<string, Intl.DateTimeFormat>();
/** `YYYY-MM-DD` of an instant in a zone, by Intl (independent of the server's zone tables). */
export function refLocalDay(instant: string | number, zone: string): string {
  let format = dayFormats.get(zone);
  if (!format) dayFormats.set(zone, (format = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' })));
  return format.format(new Date(instant));
}

/** Local midnight of a day in a zone, by luxon. */
export function refDayStart(day: string, zone: string): string {
  return DateTime.fromISO(`${day}T00:00:00`, { zone }).toUTC().toISO()!;
}

export interface RefCounts {
  total: number;
  success: number;
  failed: number;
  timed_out: number;
  missed: number;
  cancelled: number;
  in_progress: number;
  failures: number;
  duration_count: number;
  duration_sum: number;
  duration_min: number | null;
  duration_max: number | null;
  histogram: Record<string, number>;
}

export function emptyRef(): RefCounts {
  return { total: 0, success: 0, failed: 0, timed_out: 0, missed: 0, cancelled: 0, in_progress: 0, failures: 0, duration_count: 0, duration_sum: 0, duration_min: null, duration_max: null, histogram: {} };
}

/** The histogram bucket of a duration, written out again here: 0 below 1 ms, else 1 + ⌊8·log2(ms)⌋. */
export function refHistogramIndex(ms: number): number {
  return ms < 1 ? 0 : Math.min(256, 1 + Math.floor(Math.log2(ms) * 8));
}

export function refCount(into: RefCounts, e: RefExecution): void {
  into.total++;
  switch (e.status) {
    case 'SUCCESS':
      into.success++;
      break;
    case 'FAILED':
      into.failed++;
      into.failures++;
      break;
    case 'TIMED_OUT':
      into.timed_out++;
      into.failures++;
      break;
    case 'MISSED':
      into.missed++;
      into.failures++;
      break;
    case 'CANCELLED':
      into.cancelled++;
      break;
    default:
      into.in_progress++;
  }
  if (e.durationMs !== null) {
    into.duration_count++;
    into.duration_sum += e.durationMs;
    into.duration_min = into.duration_min === null ? e.durationMs : Math.min(into.duration_min, e.durationMs);
    into.duration_max = into.duration_max === null ? e.durationMs : Math.max(into.duration_max, e.durationMs);
    const k = String(refHistogramIndex(e.durationMs));
    into.histogram[k] = (into.histogram[k] ?? 0) + 1;
  }
}

/** Groups executions by a key and counts each group. */
export function refGroup(executions: Iterable<RefExecution>, keyOf: (e: RefExecution) => string | null): Map<string, RefCounts> {
  const groups = new Map<string, RefCounts>();
  for (const e of executions) {
    const key = keyOf(e);
    if (key === null) continue;
    let counts = groups.get(key);
    if (!counts) groups.set(key, (counts = emptyRef()));
    refCount(counts, e);
  }
  return groups;
}
