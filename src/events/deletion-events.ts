import { streamOf } from './streams';
import { type DomainEventOf, eventTypeNames } from './event';

/**
 * The durable deletion saga of a task (DESIGN.md "Process managers", issue 4 "Durable deletion").
 * Its stream is `deletion-<taskUuid>`, owned by the deletion process manager
 * (src/process-managers/deletion/). The saga's state is this stream and nothing else, so a restarted
 * server continues every unfinished saga from its last acknowledged step.
 *
 * Steps, in order, each recorded by DeletionStepCompleted once acknowledged:
 * - `unschedule`: the scheduler has seen the TaskDeletionRequested (its checkpoint has passed the
 *   request's position; the scheduler never fires a PENDING_DELETE task), or no scheduler runs;
 * - `purge`: the task's executions and their log lines are gone from the read models (ExecutionsPurged
 *   chunks, then TaskPurgeRequested), acknowledged once every projection has passed the last of them;
 * - `tombstone`: the execution and log streams listed by the ExecutionsPurged chunks are tombstoned;
 * - `mark-deleted`: TaskDeleted on the task's stream, the audit record on the project's stream
 *   (ProjectTaskDeleted), the task's stream tombstoned, its name released; then TaskDeletionCompleted.
 */
export const DELETION_CATEGORY = 'deletion';
export const deletionStream = (taskId: string): string => streamOf(DELETION_CATEGORY, 'Task', taskId);

export type DeletionStep = 'unschedule' | 'purge' | 'tombstone' | 'mark-deleted';
export const DELETION_STEPS: readonly DeletionStep[] = ['unschedule', 'purge', 'tombstone', 'mark-deleted'];

interface DeletionRef {
  taskId: string;
  projectId: string;
}

/**
 * The saga starts (attempt 1) or is retried after DELETE_FAILED (attempt 2, 3, …, resuming from the
 * last acknowledged step). `requestPosition` is the `$all` position of the TaskDeletionRequested it
 * answers, as a decimal string (positions travel through JSON as strings).
 */
export type TaskDeletionStarted = DomainEventOf<
  'TaskDeletionStarted',
  DeletionRef & { taskName: string; requestedBy: string; requestedAt: string; requestPosition: string; attempt: number; at: string }
>;

/** A step is acknowledged; `detail` says what it did (counts), for the audit trail. */
export type DeletionStepCompleted = DomainEventOf<
  'DeletionStepCompleted',
  DeletionRef & { step: DeletionStep; at: string; detail: Record<string, number> }
>;

/**
 * A step failed. `failures` counts the consecutive failures of this step in this attempt;
 * `retryAt` is when the reconciler tries again, null when it gave up (see TaskDeletionAbandoned).
 */
export type DeletionStepFailed = DomainEventOf<
  'DeletionStepFailed',
  DeletionRef & { step: DeletionStep; reason: string; failures: number; retryAt: string | null; at: string }
>;

/** After repeated failures the saga stops; the task becomes DELETE_FAILED and a new DELETE retries. */
export type TaskDeletionAbandoned = DomainEventOf<'TaskDeletionAbandoned', DeletionRef & { step: DeletionStep; reason: string; at: string }>;

export type TaskDeletionCompleted = DomainEventOf<
  'TaskDeletionCompleted',
  DeletionRef & { taskName: string; deletedBy: string; executionsPurged: number; at: string }
>;

export type PurgeReason = 'task-deleted' | 'retention';

/**
 * Read models drop these executions and their log lines (the history projection deletes them; the
 * tasks projection forgets a purged "last execution"). Appended in chunks of at most a few hundred ids
 * by the deletion saga (on `deletion-<taskId>`) and by the retention manager (on
 * `retention-<projectId>`); the chunks double as the durable list of streams to tombstone and as the
 * record of what was removed. A future projection holding per-execution data (stats) reacts to it too.
 */
export type ExecutionsPurged = DomainEventOf<
  'ExecutionsPurged',
  {
    projectId: string;
    /** The deleted task; null for retention (the chunk may span tasks). */
    taskId: string | null;
    executionIds: string[];
    /** Distinct tasks of the chunk's executions. */
    taskIds: string[];
    reason: PurgeReason;
    at: string;
  }
>;

/** Read models drop whatever they still hold about the task's executions (a catch-all after the chunks). */
export type TaskPurgeRequested = DomainEventOf<'TaskPurgeRequested', DeletionRef & { at: string }>;

export type DeletionEvent =
  | TaskDeletionStarted
  | DeletionStepCompleted
  | DeletionStepFailed
  | TaskDeletionAbandoned
  | TaskDeletionCompleted
  | ExecutionsPurged
  | TaskPurgeRequested;

export const DELETION_EVENT_TYPES = eventTypeNames<DeletionEvent>({
  TaskDeletionStarted: true,
  DeletionStepCompleted: true,
  DeletionStepFailed: true,
  TaskDeletionAbandoned: true,
  TaskDeletionCompleted: true,
  ExecutionsPurged: true,
  TaskPurgeRequested: true,
});

/**
 * The audit record on the project's stream (`project-<uuid>`) of who deleted which task and when. It
 * is not part of ProjectEvent (the project decider and read models ignore it; they skip unknown types),
 * so adding it changes nothing for them; the project's audit trail shows it.
 */
export type ProjectTaskDeleted = DomainEventOf<
  'ProjectTaskDeleted',
  { projectId: string; taskId: string; name: string; deletedBy: string; requestedAt: string; deletedAt: string }
>;
