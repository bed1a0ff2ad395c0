import type { AppServices } from '../../app-services';
import { type CommandContext, newCommandContext } from '../../commands/command-context';
import { executionDecider } from '../../commands/execution/execution-decider';
import { executionLogsAppended } from '../../commands/execution/log-batch';
import { handleCommand, toNewEvent } from '../../commands/handle-command';
import { GoneError, NotFoundError } from '../../errors/app-error';
import { DELETION_CATEGORY, type ExecutionsPurged } from '../../events/deletion-events';
import { isEventOf } from '../../events/event';
import { EXECUTION_EVENT_TYPES, type ExecutionEvent, type ExecutionRef } from '../../events/execution-events';
import { RETENTION_CATEGORY } from '../../events/retention-events';
import { executionLogStream, executionStream, STREAM_CATEGORIES, streamPrefix } from '../../events/streams';
import type { RecordedEvent, StreamFilter } from '../../stores/events/event-store';
import type { ProcessManager, StateSnapshots } from '../process-manager';
import type { HeapItem } from './deadline-tracker';
import { DeadlineTracker } from './deadline-tracker';

export const DEADLINES_MANAGER = 'deadlines';
const ACTOR = `system:${DEADLINES_MANAGER}`;

/** A timeout (TIMED_OUT) or a start deadline (MISSED) of one open execution. */
export interface Deadline extends HeapItem {
  kind: 'timeout' | 'start';
  executionId: string;
  /** The attempt it belongs to (retries): another attempt's deadline changes nothing. */
  attempt: number;
  /** The configured seconds, for the event and the log line. */
  seconds: number;
  /** The ExecutionCreated event: the command's causation and correlation. */
  causationId: string;
  correlationId: string;
}

export interface DeadlinesOptions {
  /** Commands in flight at once (each is a stream read and an append). */
  concurrency?: number;
  /** After a failed command (store unavailable), try again this much later. */
  retryAfterMs?: number;
  /** Replaces the commands (benchmarks measure detection alone). */
  act?: (deadline: Deadline, now: Date) => Promise<void>;
}

/** The log line a timed-out execution gets in `executionlog-<id>`. */
export function timedOutLogMessage(timeoutSeconds: number): string {
  return `Timed out after ${timeoutSeconds} s without a final status`;
}

/**
 * Timeouts and start deadlines (DESIGN.md "Process managers"; issue 4 "Deadlines").
 *
 * Derived from events only: ExecutionCreated carries `timeoutSeconds` and `startDeadlineSeconds`, both
 * counted from the execution's creation (`createdAt`, as in the original); ExecutionStarted ends the
 * start deadline; any terminal event (or a purge) ends both, and so does a failed attempt (retries), whose
 * ExecutionRetryStarted opens the next attempt's pair counted from its start. A QUEUED execution (overlap
 * policy) has neither while it waits: ExecutionQueued puts its deadlines aside and ExecutionReleased counts
 * both again from the release, so a run is never missed or timed out for the time it spent waiting its turn. Every open deadline sits in one
 * DeadlineTracker (a heap and one clock timer), rebuilt by replay at every start; at goLive whatever
 * fell due while the server was down fires at once.
 *
 * When a deadline passes the manager issues TimeOutExecution or MarkExecutionMissed through the
 * execution decider, which answers nothing when the execution has meanwhile ended (or, for MISSED,
 * started): with the exact expected revision, a report racing the deadline resolves to exactly one
 * outcome. Once an ExecutionTimedOut of its own is stored, the manager adds the log line "Timed out
 * after N s without a final status" to `executionlog-<id>`; doing it on the event (not after the
 * command) means a crash in between still gets the line after the restart.
 */
export class DeadlinesManager implements ProcessManager {
  readonly name = DEADLINES_MANAGER;
  readonly filter: StreamFilter = {
    streamPrefixes: [streamPrefix(STREAM_CATEGORIES.execution), `${DELETION_CATEGORY}-`, `${RETENTION_CATEGORY}-`],
  };

  private readonly open = new Map<string, { timeout?: Deadline; start?: Deadline }>();
  /** Deadlines of QUEUED executions, not armed until the release. */
  private readonly waiting = new Map<string, { timeout?: Deadline; start?: Deadline }>();
  private readonly tracker: DeadlineTracker<Deadline>;
  /** Deadlines that fell due and whose command is not done: still open as far as the events tell. */
  private readonly acting = new Set<Deadline>();
  /** Pending actions from `queueHead` on (a burst of expiries may queue thousands: no shift()). */
  private queue: Array<() => Promise<void>> = [];
  private queueHead = 0;
  private inFlight = 0;
  private readonly idleWaiters = new Set<() => void>();
  private stopped = false;
  private readonly concurrency: number;
  private readonly retryAfterMs: number;

  constructor(
    private readonly services: Pick<AppServices, 'events' | 'clock' | 'logger'>,
    private readonly options: DeadlinesOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 32;
    this.retryAfterMs = options.retryAfterMs ?? 5_000;
    this.tracker = new DeadlineTracker<Deadline>(services.clock, (due, now) => this.expired(due, now));
  }

  /**
   * The open and the waiting deadlines, each with its place in the heap (inserted in that order again,
   * they take the same places), and those that fell due and are being acted on: the events up to the
   * snapshot still leave them open.
   */
  readonly snapshots: StateSnapshots = {
    version: 1,
    take: () => {
      const open = [...this.open].map(([executionId, entry]) => [executionId, { ...entry }] as const);
      const owed = new Map(open);
      for (const deadline of this.acting) {
        const entry = owed.get(deadline.executionId) ?? {};
        if (!entry[deadline.kind]) owed.set(deadline.executionId, { ...entry, [deadline.kind]: deadline });
      }
      return { open: [...owed], waiting: [...this.waiting] };
    },
    restore: (state) => {
      const { open, waiting } = state as Record<'open' | 'waiting', Array<[string, { timeout?: Deadline; start?: Deadline }]>>;
      for (const [executionId, entry] of waiting) this.waiting.set(executionId, entry);
      const armed: Deadline[] = [];
      for (const [executionId, entry] of open) {
        this.open.set(executionId, entry);
        for (const deadline of [entry.timeout, entry.start]) if (deadline) armed.push(deadline);
      }
      const place = (deadline: Deadline) => (deadline.heapIndex < 0 ? Number.MAX_SAFE_INTEGER : deadline.heapIndex);
      for (const deadline of armed.sort((a, b) => place(a) - place(b))) this.tracker.set(Object.assign(deadline, { heapIndex: -1 }));
    },
  };

  /** Open deadlines (for tests and the bench). */
  get size(): number {
    return this.tracker.size;
  }

  apply(event: RecordedEvent, replaying: boolean): void {
    if (isEventOf<ExecutionEvent>(EXECUTION_EVENT_TYPES, event)) {
      this.executionEvent(event, replaying);
    } else if (event.type === 'ExecutionsPurged') {
      for (const id of (event.data as ExecutionsPurged['data']).executionIds) {
        this.forget(id);
        this.waiting.delete(id);
      }
    }
  }

  goLive(): void {
    this.tracker.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.tracker.stop();
    this.queue = [];
    this.queueHead = 0;
    while (this.inFlight > 0) await new Promise<void>((resolve) => this.idleWaiters.add(resolve));
  }

  private executionEvent(event: RecordedEvent & ExecutionEvent, replaying: boolean): void {
    const { executionId } = event.data;
    switch (event.type) {
      case 'ExecutionCreated':
        return this.openDeadlines(event, event.data.createdAt, event.data);
      case 'ExecutionRetryStarted':
        // A new attempt: its own start deadline and timeout, counted from its start.
        this.forget(executionId);
        return this.openDeadlines(event, event.data.at, event.data);
      case 'ExecutionStarted': {
        const entry = this.open.get(executionId);
        if (entry?.start) {
          this.tracker.remove(entry.start);
          delete entry.start;
          if (!entry.timeout) this.open.delete(executionId);
        }
        return;
      }
      case 'ExecutionTimedOut':
        this.forget(executionId);
        if (!replaying && event.metadata.actor === ACTOR && !this.options.act) {
          this.enqueue(() => this.logTimedOut(event, timedOutLogMessage(event.data.timeoutSeconds)));
        }
        return;
      case 'ExecutionAttemptFailed':
        // A timed-out attempt that will be retried gets the line too, saying when the next attempt begins.
        this.forget(executionId);
        if (!replaying && event.metadata.actor === ACTOR && event.data.outcome === 'TIMED_OUT' && !this.options.act) {
          const message = `${event.data.error ?? 'Timed out'} without a final status (attempt ${event.data.attempt}; the next begins at ${event.data.retryAt})`;
          this.enqueue(() => this.logTimedOut(event, message));
        }
        return;
      case 'ExecutionLateReportReceived':
      case 'ExecutionStaleReportReceived':
        return;
      case 'ExecutionQueued': {
        const entry = this.open.get(executionId);
        if (!entry) return;
        this.forget(executionId);
        this.waiting.set(executionId, entry);
        return;
      }
      case 'ExecutionReleased': {
        const entry = this.waiting.get(executionId);
        if (!entry) return;
        this.waiting.delete(executionId);
        const released = Date.parse(event.data.at);
        for (const deadline of [entry.timeout, entry.start]) if (deadline) deadline.at = released + deadline.seconds * 1000;
        this.open.set(executionId, entry);
        if (entry.timeout) this.tracker.set(entry.timeout);
        if (entry.start) this.tracker.set(entry.start);
        return;
      }
      default:
        // SUCCESS, FAILED, CANCELLED, MISSED, SKIPPED: the execution has ended.
        this.forget(executionId);
        this.waiting.delete(executionId);
    }
  }

  private openDeadlines(
    event: RecordedEvent,
    from: string,
    data: { executionId: string; attempt: number; timeoutSeconds: number | null; startDeadlineSeconds: number | null },
  ): void {
    const { executionId, attempt, timeoutSeconds, startDeadlineSeconds } = data;
    const base = Date.parse(from);
    const entry: { timeout?: Deadline; start?: Deadline } = {};
    const deadline = (kind: Deadline['kind'], seconds: number): Deadline => ({
      kind,
      executionId,
      attempt,
      seconds,
      at: base + seconds * 1000,
      heapIndex: -1,
      causationId: event.metadata.eventId,
      correlationId: event.metadata.correlationId,
    });
    if (timeoutSeconds !== null && timeoutSeconds > 0) entry.timeout = deadline('timeout', timeoutSeconds);
    if (startDeadlineSeconds !== null && startDeadlineSeconds > 0) entry.start = deadline('start', startDeadlineSeconds);
    if (!entry.timeout && !entry.start) return;
    this.open.set(executionId, entry);
    if (entry.timeout) this.tracker.set(entry.timeout);
    if (entry.start) this.tracker.set(entry.start);
  }

  private forget(executionId: string): void {
    const entry = this.open.get(executionId);
    if (!entry) return;
    if (entry.timeout) this.tracker.remove(entry.timeout);
    if (entry.start) this.tracker.remove(entry.start);
    this.open.delete(executionId);
  }

  private expired(due: Deadline[], now: Date): void {
    for (const deadline of due) {
      const entry = this.open.get(deadline.executionId);
      if (entry) {
        delete entry[deadline.kind];
        if (!entry.timeout && !entry.start) this.open.delete(deadline.executionId);
      }
      this.acting.add(deadline);
      this.enqueue(() => this.act(deadline, now).finally(() => this.acting.delete(deadline)));
    }
  }

  private async act(deadline: Deadline, now: Date): Promise<void> {
    if (this.options.act) return this.options.act(deadline, now);
    const context: CommandContext = newCommandContext(ACTOR, deadline.causationId, deadline.correlationId);
    const at = now.toISOString();
    const command =
      deadline.kind === 'timeout'
        ? ({ type: 'TimeOutExecution', timeoutSeconds: deadline.seconds, attempt: deadline.attempt, at } as const)
        : ({ type: 'MarkExecutionMissed', startDeadlineSeconds: deadline.seconds, attempt: deadline.attempt, at } as const);
    try {
      await handleCommand(this.services.events, this.services.clock, executionStream(deadline.executionId), executionDecider, command, context);
    } catch (err) {
      // Tombstoned (deleted task, retention) or never stored: nothing to end.
      if (err instanceof GoneError || err instanceof NotFoundError) return;
      if (this.stopped) return;
      this.services.logger.warn({ err, executionId: deadline.executionId, kind: deadline.kind }, 'deadline command failed; retrying');
      this.rearm(deadline, this.services.clock.now().getTime() + this.retryAfterMs);
    }
  }

  /** Puts a deadline whose command failed back, unless its execution ended meanwhile. */
  private rearm(deadline: Deadline, at: number): void {
    const entry = this.open.get(deadline.executionId) ?? {};
    if (entry[deadline.kind]) return;
    entry[deadline.kind] = deadline;
    this.open.set(deadline.executionId, entry);
    deadline.at = at;
    this.tracker.set(deadline);
  }

  /**
   * The line that says why the execution ended. Skipped when the log's newest batch already is this
   * line (a redelivery after a crash between the append and the checkpoint).
   */
  private async logTimedOut(event: RecordedEvent & ExecutionEvent & { type: 'ExecutionTimedOut' | 'ExecutionAttemptFailed' }, message: string): Promise<void> {
    const { executionId, taskId, projectId, at } = event.data;
    const stream = executionLogStream(executionId);
    try {
      const [last] = await this.services.events.readStream(stream, { direction: 'backwards', maxCount: 1 }).catch((err: unknown) => {
        if (err instanceof NotFoundError) return [];
        throw err;
      });
      const lines = (last?.data as { lines?: Array<{ message: string }> } | undefined)?.lines;
      if (last?.metadata.actor === ACTOR && lines?.length === 1 && lines[0].message === message) return;
      const ref: ExecutionRef = { executionId, taskId, projectId };
      const logEvent = executionLogsAppended(ref, [{ message, level: 'error', timestamp: at, receivedAt: at }]);
      const context = newCommandContext(ACTOR, event.metadata.eventId, event.metadata.correlationId);
      await this.services.events.append(stream, [toNewEvent(logEvent, context, this.services.clock)], 'any');
    } catch (err) {
      if (err instanceof GoneError) return; // purged meanwhile
      this.services.logger.error({ err, executionId }, 'could not append the timed-out log line');
    }
  }

  private enqueue(work: () => Promise<void>): void {
    if (this.stopped) return;
    this.queue.push(work);
    this.pump();
  }

  private pump(): void {
    while (this.inFlight < this.concurrency && this.queueHead < this.queue.length) {
      const work = this.queue[this.queueHead]!;
      this.queue[this.queueHead++] = undefined as never;
      if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.queueHead);
        this.queueHead = 0;
      }
      this.inFlight++;
      void work()
        .catch((err: unknown) => this.services.logger.error({ err }, 'deadline action failed'))
        .finally(() => {
          this.inFlight--;
          if (this.inFlight === 0) for (const wake of [...this.idleWaiters]) (this.idleWaiters.delete(wake), wake());
          this.pump();
        });
    }
  }
}
