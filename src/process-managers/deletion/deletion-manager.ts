import type { AppServices } from '../../app-services';
import { type CommandContext, newCommandContext } from '../../commands/command-context';
import type { RetryPolicy } from '../../commands/deletion/deletion-commands';
import { deletionDecider } from '../../commands/deletion/deletion-decider';
import { type DeletionSaga, nextDeletionStep } from '../../commands/deletion/deletion-state';
import { handleCommand, loadAggregate } from '../../commands/handle-command';
import { taskDecider } from '../../commands/task/task-decider';
import { ConflictError, GoneError } from '../../errors/app-error';
import { DELETION_CATEGORY, type DeletionEvent, type DeletionStep, deletionStream } from '../../events/deletion-events';
import { STREAM_CATEGORIES, streamPrefix, taskStream } from '../../events/streams';
import type { TaskDeletionRequested } from '../../events/task-events';
import type { RecordedEvent, StreamFilter } from '../../stores/events/event-store';
import type { ProcessManager, StateSnapshots } from '../process-manager';
import {
  type AckSettings,
  acknowledgeUnscheduled,
  markDeleted,
  purgeReadModels,
  SCHEDULER_MANAGER,
  type StepServices,
  tombstoneExecutions,
} from './deletion-steps';

export const DELETION_MANAGER = 'deletion';
const ACTOR = `system:${DELETION_MANAGER}`;

export const DEFAULT_DELETION_POLICY: RetryPolicy = { maxFailures: 5, baseDelayMs: 1_000, maxDelayMs: 60_000 };

export interface DeletionOptions {
  /** Names of the process managers this server runs: whether a scheduler must acknowledge. */
  peers?: () => string[];
  policy?: RetryPolicy;
  ack?: Partial<AckSettings>;
  /** Sagas worked on at once. */
  concurrency?: number;
  /**
   * Test seam, called before each step: throwing fails the step (as a store error would); answering
   * 'halt' stops working on the saga as a crash would (nothing recorded).
   */
  beforeStep?: (step: DeletionStep, saga: DeletionSaga) => void | 'halt' | Promise<void | 'halt'>;
}

/** What the manager knows about one task's deletion, from the events (rebuilt by replay). */
interface Tracked {
  request: { position: number; requestedBy: string; requestedAt: string; eventId: string; correlationId: string } | null;
  saga: { status: DeletionSaga['status']; requestPosition: number } | null;
  /** TaskDeletionFailed recorded since the last request. */
  failureRecorded: boolean;
}

/**
 * The durable deletion saga (DESIGN.md "Process managers"; issue 4 "Durable deletion"): on each
 * TaskDeletionRequested it runs the steps of deletion-events.ts, each acknowledged and recorded on
 * `deletion-<taskId>` by the pure decider of src/commands/deletion/.
 *
 * Reconciler: the saga's state is its stream, so at goLive every saga not completed continues from its
 * last acknowledged step (a crash between steps loses nothing; a step interrupted half way is redone,
 * every step being idempotent). A failed step is retried with exponential back-off on the clock; after
 * `policy.maxFailures` consecutive failures the saga is abandoned and the task shows DELETE_FAILED with
 * the reason (TaskDeletionFailed); a new DELETE (TaskDeletionRequested again) restarts it from the
 * step that failed. Past TaskDeleted (step mark-deleted) it never gives up (see the decider).
 *
 * Waiting for an acknowledgement (the scheduler's checkpoint, the projections) is I/O, not schedule:
 * it is bounded in real time (`ack.timeoutMs`), after which the step counts as failed.
 */
export class DeletionManager implements ProcessManager {
  readonly name = DELETION_MANAGER;
  readonly filter: StreamFilter = { streamPrefixes: [streamPrefix(STREAM_CATEGORIES.task), `${DELETION_CATEGORY}-`] };

  private readonly tracked = new Map<string, Tracked>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly waiting: string[] = [];
  private readonly retryTimers = new Map<string, () => void>();
  private live = false;
  private stopped = false;
  private readonly policy: RetryPolicy;
  private readonly ack: AckSettings;
  private readonly concurrency: number;
  readonly snapshots: StateSnapshots = {
    version: 1,
    take: () => [...this.tracked],
    restore: (state) => {
      for (const [taskId, tracked] of state as Array<[string, Tracked]>) this.tracked.set(taskId, tracked);
    },
  };

  constructor(
    private readonly services: StepServices & Pick<AppServices, 'logger'>,
    private readonly options: DeletionOptions = {},
  ) {
    this.policy = options.policy ?? DEFAULT_DELETION_POLICY;
    this.ack = { timeoutMs: 30_000, pollMs: 50, ...options.ack };
    this.concurrency = options.concurrency ?? 4;
  }

  apply(event: RecordedEvent, replaying: boolean): void {
    const taskId = (event.data as { taskId?: unknown }).taskId;
    if (typeof taskId !== 'string') return;
    switch (event.type) {
      case 'TaskDeletionRequested': {
        const { requestedBy, requestedAt } = (event as RecordedEvent & TaskDeletionRequested).data;
        const tracked = this.track(taskId);
        tracked.request = {
          position: event.position,
          requestedBy,
          requestedAt,
          eventId: event.metadata.eventId,
          correlationId: event.metadata.correlationId,
        };
        tracked.failureRecorded = false;
        break;
      }
      case 'TaskDeletionFailed':
        this.track(taskId).failureRecorded = true;
        break;
      case 'TaskDeletionStarted':
        this.track(taskId).saga = { status: 'running', requestPosition: Number((event.data as { requestPosition: string }).requestPosition) };
        break;
      case 'TaskDeletionAbandoned': {
        const saga = this.track(taskId).saga;
        if (saga) saga.status = 'abandoned';
        break;
      }
      case 'TaskDeletionCompleted':
        // Done for good: nothing more to remember about this task.
        this.tracked.delete(taskId);
        return;
      default:
        return;
    }
    if (!replaying && this.live) this.kick(taskId);
  }

  goLive(): void {
    this.live = true;
    for (const taskId of this.tracked.keys()) this.kick(taskId);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const cancel of this.retryTimers.values()) cancel();
    this.retryTimers.clear();
    this.waiting.length = 0;
    await Promise.allSettled([...this.running.values()]);
  }

  /** For tests: resolves when no saga is being worked on right now. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
  }

  private track(taskId: string): Tracked {
    let tracked = this.tracked.get(taskId);
    if (!tracked) {
      tracked = { request: null, saga: null, failureRecorded: false };
      this.tracked.set(taskId, tracked);
    }
    return tracked;
  }

  private needsWork(tracked: Tracked | undefined): boolean {
    if (!tracked?.request) return false;
    const { saga, request } = tracked;
    if (saga === null || saga.status === 'running') return true;
    if (saga.status === 'abandoned') return request.position > saga.requestPosition || !tracked.failureRecorded;
    return false;
  }

  private kick(taskId: string): void {
    if (this.stopped || !this.needsWork(this.tracked.get(taskId))) return;
    if (this.running.has(taskId)) {
      this.again.add(taskId);
      return;
    }
    if (this.running.size >= this.concurrency) {
      if (!this.waiting.includes(taskId)) this.waiting.push(taskId);
      return;
    }
    this.retryTimers.get(taskId)?.();
    this.retryTimers.delete(taskId);
    const work = this.work(taskId)
      .catch((err: unknown) => this.services.logger.error({ err, taskId }, 'deletion saga failed unexpectedly'))
      .finally(() => {
        this.running.delete(taskId);
        if (this.again.delete(taskId)) this.kick(taskId);
        const next = this.waiting.shift();
        if (next !== undefined) this.kick(next);
      });
    this.running.set(taskId, work);
  }

  /** Runs the saga as far as it can go now: to completion, to a scheduled retry, or to DELETE_FAILED. */
  private async work(taskId: string): Promise<void> {
    const stream = deletionStream(taskId);
    while (!this.stopped) {
      const tracked = this.tracked.get(taskId);
      const { state: saga } = await loadAggregate(this.services.events, stream, deletionDecider);
      const context = this.context(tracked);
      const request = tracked?.request;
      const newer = request && (saga === null || (saga.status === 'abandoned' && request.position > Number(saga.requestPosition)));
      if (newer) {
        if (!(await this.start(taskId, request, context))) return;
        continue;
      }
      if (saga === null || saga.status === 'completed') return;
      if (saga.status === 'abandoned') {
        await this.recordTaskFailure(saga, context);
        return;
      }
      const retryAt = this.pendingRetry(saga);
      if (retryAt !== null) {
        this.scheduleRetry(taskId, retryAt);
        return;
      }
      const step = nextDeletionStep(saga);
      if (step === null) {
        await handleCommand(this.services.events, this.services.clock, stream, deletionDecider, { type: 'FinishTaskDeletion', at: this.now() }, context);
        continue;
      }
      if (!(await this.runStep(step, saga, context))) return;
    }
  }

  /** Opens the saga (or a new attempt); false when the request no longer stands (the task is gone or not being deleted). */
  private async start(taskId: string, request: NonNullable<Tracked['request']>, context: CommandContext): Promise<boolean> {
    let task;
    try {
      ({ state: task } = await loadAggregate(this.services.events, taskStream(taskId), taskDecider));
    } catch (err) {
      if (err instanceof GoneError) return false; // tombstoned: deleted already
      throw err;
    }
    if (task === null || task.deleted || task.status !== 'PENDING_DELETE') return false;
    await handleCommand(
      this.services.events,
      this.services.clock,
      deletionStream(taskId),
      deletionDecider,
      {
        type: 'StartTaskDeletion',
        taskId,
        projectId: task.projectId,
        taskName: task.definition.name,
        requestedBy: request.requestedBy,
        requestedAt: request.requestedAt,
        requestPosition: String(request.position),
        at: this.now(),
      },
      context,
    );
    return true;
  }

  /** Performs one step and records its acknowledgement; on failure records it and schedules the retry. False: stop for now. */
  private async runStep(step: DeletionStep, saga: DeletionSaga, context: CommandContext): Promise<boolean> {
    const stream = deletionStream(saga.taskId);
    const { events, clock } = this.services;
    let detail: Record<string, number>;
    try {
      if ((await this.options.beforeStep?.(step, saga)) === 'halt') return false;
      detail = await this.perform(step, saga, context);
    } catch (err) {
      if (this.stopped) return false;
      const reason = err instanceof Error ? err.message : String(err);
      this.services.logger.warn({ err, taskId: saga.taskId, step, failures: saga.failures + 1 }, 'deletion step failed');
      const outcome = await handleCommand(events, clock, stream, deletionDecider, { type: 'RecordDeletionStepFailure', step, reason, policy: this.policy, at: this.now() }, context);
      // Abandoned: the loop records DELETE_FAILED on the task. Otherwise the loop finds the retry time.
      return outcome.events.length > 0;
    }
    if (this.stopped) return false;
    await handleCommand(events, clock, stream, deletionDecider, { type: 'CompleteDeletionStep', step, detail, at: this.now() }, context);
    return true;
  }

  private perform(step: DeletionStep, saga: DeletionSaga, context: CommandContext): Promise<Record<string, number>> {
    switch (step) {
      case 'unschedule':
        return acknowledgeUnscheduled(this.services, saga, this.schedulerRuns(), this.ack);
      case 'purge':
        return purgeReadModels(this.services, saga, context, this.ack);
      case 'tombstone':
        return tombstoneExecutions(this.services, saga);
      case 'mark-deleted':
        return markDeleted(this.services, saga, context);
    }
  }

  private schedulerRuns(): boolean {
    return this.options.peers?.().includes(SCHEDULER_MANAGER) ?? false;
  }

  /** The task shows DELETE_FAILED with the reason (idempotent; skipped when a newer request is already under way). */
  private async recordTaskFailure(saga: DeletionSaga, context: CommandContext): Promise<void> {
    const reason = `Deletion failed at step ${saga.completed.length + 1} (${nextDeletionStep(saga)}): ${saga.lastFailure ?? 'unknown error'}`;
    try {
      await handleCommand(this.services.events, this.services.clock, taskStream(saga.taskId), taskDecider, { type: 'FailTaskDeletion', reason, at: this.now() }, context);
    } catch (err) {
      if (err instanceof GoneError || err instanceof ConflictError) return;
      throw err;
    }
  }

  /** When the last failure asked to retry, if that time has not come yet. */
  private pendingRetry(saga: DeletionSaga): number | null {
    if (saga.retryAt === null) return null;
    const at = Date.parse(saga.retryAt);
    return at > this.services.clock.now().getTime() ? at : null;
  }

  private scheduleRetry(taskId: string, at: number): void {
    if (this.stopped) return;
    this.retryTimers.get(taskId)?.();
    const cancel = this.services.clock.setTimer(new Date(at), () => {
      this.retryTimers.delete(taskId);
      this.kick(taskId);
    });
    this.retryTimers.set(taskId, cancel);
  }

  /** Every command of a saga correlates with the DELETE request that started it. */
  private context(tracked: Tracked | undefined): CommandContext {
    const request = tracked?.request;
    return request ? newCommandContext(ACTOR, request.eventId, request.correlationId) : newCommandContext(ACTOR);
  }

  private now(): string {
    return this.services.clock.now().toISOString();
  }
}

export type { DeletionEvent };
