import type { DeletionStep } from '../../events/deletion-events';

/** The deletion manager saw a TaskDeletionRequested (first request, or a retry after DELETE_FAILED). */
export interface StartTaskDeletion {
  type: 'StartTaskDeletion';
  taskId: string;
  projectId: string;
  taskName: string;
  requestedBy: string;
  requestedAt: string;
  /** `$all` position of the request, as a decimal string. */
  requestPosition: string;
  at: string;
}

/** One chunk of the task's executions to drop from the read models (and, later, to tombstone). */
export interface RecordExecutionsPurged {
  type: 'RecordExecutionsPurged';
  executionIds: string[];
  taskIds: string[];
  at: string;
}

/** After the chunks: read models drop whatever is left of the task's executions. */
export interface RequestTaskPurge {
  type: 'RequestTaskPurge';
  at: string;
}

/** A step was acknowledged (scheduler checkpoint, projections, tombstones, final records). */
export interface CompleteDeletionStep {
  type: 'CompleteDeletionStep';
  step: DeletionStep;
  detail?: Record<string, number>;
  at: string;
}

/** How the reconciler retries a failing step. */
export interface RetryPolicy {
  /** Consecutive failures of one step after which the saga gives up (DELETE_FAILED). */
  maxFailures: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface RecordDeletionStepFailure {
  type: 'RecordDeletionStepFailure';
  step: DeletionStep;
  reason: string;
  policy: RetryPolicy;
  at: string;
}

/** Every step is acknowledged: the saga is done. */
export interface FinishTaskDeletion {
  type: 'FinishTaskDeletion';
  at: string;
}

export type DeletionCommand =
  | StartTaskDeletion
  | RecordExecutionsPurged
  | RequestTaskPurge
  | CompleteDeletionStep
  | RecordDeletionStepFailure
  | FinishTaskDeletion;
