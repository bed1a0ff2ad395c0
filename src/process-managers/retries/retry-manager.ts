import type { AppServices } from '../../app-services';
import { newCommandContext } from '../../commands/command-context';
import type { ExecutionCommand } from '../../commands/execution/execution-commands';
import { executionDecider } from '../../commands/execution/execution-decider';
import { handleCommand } from '../../commands/handle-command';
import { GoneError, NotFoundError } from '../../errors/app-error';
import { DELETION_CATEGORY, type ExecutionsPurged } from '../../events/deletion-events';
import { DISPATCH_EVENT_TYPES, type DispatchEvent } from '../../events/dispatch-events';
import { isEventOf } from '../../events/event';
import { EXECUTION_EVENT_TYPES, type ExecutionEvent } from '../../events/execution-events';
import { RETENTION_CATEGORY } from '../../events/retention-events';
import { executionStream, STREAM_CATEGORIES, streamPrefix } from '../../events/streams';
import type { RecordedEvent, StreamFilter } from '../../stores/events/event-store';
import { DeadlineTracker, type HeapItem } from '../deadlines/deadline-tracker';
import { lostLease, type ProcessManager, type StateSnapshots } from '../process-manager';

export const RETRIES_MANAGER = 'retries';
const ACTOR = `system:${RETRIES_MANAGER}`;

/** A command this manager owes one execution: the next attempt at `at`, or failing a dispatch. */
interface Due extends HeapItem {
  executionId: string;
  command: ExecutionCommand;
  causationId: string;
  correlationId: string;
}

export interface RetryManagerOptions {
  /** After a failed command (store unavailable), try again this much later. */
  retryAfterMs?: number;
}

/**
 * Retries (README "Retries"). Derived from events only, rebuilt by replay at every start:
 * - ExecutionAttemptFailed plans StartExecutionRetry for the next attempt at its `retryAt`, on the
 *   injected clock (one DeadlineTracker: a heap and one timer); what fell due while the server was down
 *   fires at goLive. The decider begins the attempt only while the execution is RETRYING and the
 *   attempt is the next one, so the retry happens exactly once, also after a restart or with a command
 *   repeated after a crash.
 * - For a push execution whose policy retries DISPATCH_FAILED, a dispatch that failed for good
 *   (ExecutionDispatchFailed without a next delivery) issues FailExecutionDispatch at once.
 * Any end of the execution (or a purge) drops what was planned.
 */
export class RetryManager implements ProcessManager {
  readonly name = RETRIES_MANAGER;
  readonly filter: StreamFilter = {
    streamPrefixes: [streamPrefix(STREAM_CATEGORIES.execution), `${DELETION_CATEGORY}-`, `${RETENTION_CATEGORY}-`],
  };

  private readonly planned = new Map<string, Due>();
  /** Open push executions whose policy retries DISPATCH_FAILED → their current attempt. */
  private readonly dispatchRetried = new Map<string, number>();
  private readonly tracker: DeadlineTracker<Due>;
  private readonly running = new Set<Promise<void>>();
  /** Commands being issued, by execution: still owed as far as the events tell, until theirs is stored. */
  private readonly acting = new Map<string, Due>();
  private stopped = false;
  private live = false;
  private readonly retryAfterMs: number;

  constructor(
    private readonly services: Pick<AppServices, 'events' | 'clock' | 'logger'>,
    options: RetryManagerOptions = {},
  ) {
    this.retryAfterMs = options.retryAfterMs ?? 5_000;
    this.tracker = new DeadlineTracker<Due>(services.clock, (due, now) => {
      for (const item of due) this.act(item, now);
    });
  }

  /**
   * What is planned, with each item's place in the heap (inserted in that order again, they take the
   * same places), and the commands being issued: the events up to the snapshot still owe them.
   */
  readonly snapshots: StateSnapshots = {
    version: 1,
    take: () => {
      const owed = [...this.planned.values()];
      for (const due of this.acting.values()) if (this.planned.get(due.executionId) !== due) owed.push(due);
      return { owed, dispatchRetried: [...this.dispatchRetried] };
    },
    restore: (state) => {
      const { owed, dispatchRetried } = state as { owed: Due[]; dispatchRetried: Array<[string, number]> };
      for (const due of owed) this.planned.set(due.executionId, due);
      const inHeapOrder = owed.map((due, i) => ({ due, place: due.heapIndex < 0 ? owed.length + i : due.heapIndex })).sort((a, b) => a.place - b.place);
      for (const { due } of inHeapOrder) this.tracker.set(Object.assign(due, { heapIndex: -1 }));
      for (const [executionId, attempt] of dispatchRetried) this.dispatchRetried.set(executionId, attempt);
    },
  };

  /** Planned commands (for tests). */
  get size(): number {
    return this.tracker.size;
  }

  apply(event: RecordedEvent): void {
    if (isEventOf<ExecutionEvent>(EXECUTION_EVENT_TYPES, event)) return this.executionEvent(event);
    if (isEventOf<DispatchEvent>(DISPATCH_EVENT_TYPES, event)) {
      if (event.type !== 'ExecutionDispatchFailed' || event.data.nextAttemptAt !== null) return;
      const { executionId, reason, at } = event.data;
      const attempt = this.dispatchRetried.get(executionId);
      if (attempt === undefined) return;
      const command: ExecutionCommand = { type: 'FailExecutionDispatch', attempt, reason, at };
      // Due at once: live, it is issued now; during the replay it waits in the tracker for goLive.
      this.plan(event, executionId, command, Date.parse(at));
      if (this.live) this.dueNow(executionId);
      return;
    }
    if (event.type === 'ExecutionsPurged') for (const id of (event.data as ExecutionsPurged['data']).executionIds) this.forget(id);
  }

  goLive(): void {
    this.live = true;
    this.tracker.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.tracker.stop();
    await this.idle();
  }

  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private executionEvent(event: RecordedEvent & ExecutionEvent): void {
    const { executionId } = event.data;
    switch (event.type) {
      case 'ExecutionCreated': {
        const { retry, executionMode, triggerType, attempt } = event.data;
        if (retry?.on.includes('DISPATCH_FAILED') && executionMode === 'push' && triggerType !== 'EXTERNAL') this.dispatchRetried.set(executionId, attempt);
        return;
      }
      case 'ExecutionAttemptFailed': {
        const attempt = event.data.attempt + 1;
        this.plan(event, executionId, { type: 'StartExecutionRetry', attempt, at: event.data.retryAt }, Date.parse(event.data.retryAt));
        return;
      }
      case 'ExecutionRetryStarted':
        this.forgetPlanned(executionId);
        if (this.dispatchRetried.has(executionId)) this.dispatchRetried.set(executionId, event.data.attempt);
        return;
      case 'ExecutionSucceeded':
      case 'ExecutionFailed':
      case 'ExecutionCancelled':
      case 'ExecutionTimedOut':
      case 'ExecutionMissed':
        this.forget(executionId);
        return;
      default:
        return;
    }
  }

  private plan(event: RecordedEvent, executionId: string, command: ExecutionCommand, at: number): void {
    this.forgetPlanned(executionId);
    const due: Due = { executionId, command, at, heapIndex: -1, causationId: event.metadata.eventId, correlationId: event.metadata.correlationId };
    this.planned.set(executionId, due);
    this.tracker.set(due);
  }

  private forgetPlanned(executionId: string): void {
    const due = this.planned.get(executionId);
    if (!due) return;
    if (this.tracker.has(due)) this.tracker.remove(due);
    this.planned.delete(executionId);
  }

  private dueNow(executionId: string): void {
    const due = this.planned.get(executionId);
    if (!due) return;
    this.tracker.remove(due);
    this.act(due, this.services.clock.now());
  }

  private forget(executionId: string): void {
    this.forgetPlanned(executionId);
    this.dispatchRetried.delete(executionId);
  }

  private act(due: Due, now: Date): void {
    if (this.stopped) return;
    if (this.planned.get(due.executionId) === due) this.planned.delete(due.executionId);
    this.acting.set(due.executionId, due);
    // The retry begins when it is due (`now`), not at the planned instant, so its deadlines count from then.
    const command = due.command.type === 'StartExecutionRetry' ? { ...due.command, at: now.toISOString() } : due.command;
    const context = newCommandContext(ACTOR, due.causationId, due.correlationId);
    const work = handleCommand(this.services.events, this.services.clock, executionStream(due.executionId), executionDecider, command, context)
      .then(() => undefined)
      .catch((err: unknown) => {
        if (err instanceof GoneError || err instanceof NotFoundError || lostLease(err) || this.stopped) return;
        this.services.logger.warn({ err, executionId: due.executionId, command: command.type }, 'retry command failed; trying again');
        if (this.planned.has(due.executionId)) return; // something newer was planned meanwhile
        due.at = this.services.clock.now().getTime() + this.retryAfterMs;
        this.planned.set(due.executionId, due);
        this.tracker.set(due);
      })
      .finally(() => {
        this.running.delete(work);
        if (this.acting.get(due.executionId) === due) this.acting.delete(due.executionId);
      });
    this.running.add(work);
  }
}
