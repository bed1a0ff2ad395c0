import { DELETION_STEPS, type DeletionEvent, type DeletionStep } from '../../events/deletion-events';

/**
 * The deletion saga of one task, folded from `deletion-<taskId>`. `completed` keeps the steps
 * acknowledged in any attempt: a retry after DELETE_FAILED resumes from the first step not yet done.
 */
export interface DeletionSaga {
  taskId: string;
  projectId: string;
  taskName: string;
  requestedBy: string;
  requestedAt: string;
  /** `$all` position of the TaskDeletionRequested the current attempt answers (decimal string). */
  requestPosition: string;
  attempt: number;
  status: 'running' | 'abandoned' | 'completed';
  completed: DeletionStep[];
  /** Consecutive failures of the current step in this attempt. */
  failures: number;
  lastFailure: string | null;
  /** When the reconciler retries the failed step; null when no retry is pending. */
  retryAt: string | null;
  /** Executions listed (and purged from the read models) by ExecutionsPurged chunks, all attempts. */
  executionsPurged: number;
  purgeChunks: number;
}

/** null until TaskDeletionStarted. */
export type DeletionSagaState = DeletionSaga | null;

export const initialDeletionSagaState: DeletionSagaState = null;

/** The first step not acknowledged yet; null when every step is. */
export function nextDeletionStep(saga: DeletionSaga): DeletionStep | null {
  return DELETION_STEPS.find((step) => !saga.completed.includes(step)) ?? null;
}

export function evolveDeletionSaga(state: DeletionSagaState, event: DeletionEvent): DeletionSagaState {
  if (event.type === 'TaskDeletionStarted') {
    const { taskId, projectId, taskName, requestedBy, requestedAt, requestPosition, attempt } = event.data;
    return {
      taskId,
      projectId,
      taskName,
      requestedBy,
      requestedAt,
      requestPosition,
      attempt,
      status: 'running',
      completed: state?.completed ?? [],
      failures: 0,
      lastFailure: null,
      retryAt: null,
      executionsPurged: state?.executionsPurged ?? 0,
      purgeChunks: state?.purgeChunks ?? 0,
    };
  }
  if (state === null) return state; // a chunk of another writer on an empty stream: not ours to interpret
  switch (event.type) {
    case 'DeletionStepCompleted':
      return state.completed.includes(event.data.step)
        ? state
        : { ...state, completed: [...state.completed, event.data.step], failures: 0, lastFailure: null, retryAt: null };
    case 'DeletionStepFailed':
      return { ...state, failures: event.data.failures, lastFailure: event.data.reason, retryAt: event.data.retryAt };
    case 'TaskDeletionAbandoned':
      return { ...state, status: 'abandoned', lastFailure: event.data.reason, retryAt: null };
    case 'TaskDeletionCompleted':
      return { ...state, status: 'completed' };
    case 'ExecutionsPurged':
      return { ...state, executionsPurged: state.executionsPurged + event.data.executionIds.length, purgeChunks: state.purgeChunks + 1 };
    case 'TaskPurgeRequested':
      return state;
    default:
      return state;
  }
}
