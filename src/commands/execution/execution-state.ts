import type { ExecutionClaimEvent } from '../../events/dispatch-events';
import type { ExecutionCreated, ExecutionEvent, ExecutionRef, ExecutionStatus, SystemEndStatus } from '../../events/execution-events';
import type { RetryOutcome, RetryPolicy } from '../../events/retry-policy';
import { created } from '../shared/guards';

export interface Execution {
  ref: ExecutionRef;
  status: ExecutionStatus;
  /** When the current attempt began: the creation, or the attempt's ExecutionRetryStarted. */
  createdAt: string;
  /** When it went RUNNING (reported or claimed); null if it never did. */
  runStartedAt: string | null;
  claimedBy: string | null;
  /**
   * Pull mode: false while a claim (`claimedBy`) awaits the claimer's RUNNING report; such a claim lapses
   * after its lease (ClaimExecution with `leaseSeconds`). True once confirmed, or when nobody claimed.
   */
  claimConfirmed: boolean;
  endedAt: string | null;
  /** The first FAILED report's error (a repeated FAILED changes nothing). */
  error: string | null;
  /** The current attempt (1 for the first). */
  attempt: number;
  /** The retry policy from creation; null: one attempt only. */
  retry: RetryPolicy | null;
  /** From creation, carried to each new attempt (whose deadlines count from its own start). */
  created: Pick<ExecutionCreated['data'], 'taskName' | 'scheduledAt' | 'executionMode' | 'timeoutSeconds' | 'startDeadlineSeconds'>;
  /** While RETRYING: how the attempt ended and when the next one is due. */
  lastAttemptOutcome: RetryOutcome | null;
  retryAt: string | null;
}

/** null until ExecutionCreated. */
export type ExecutionState = Execution | null;

export const initialExecutionState: ExecutionState = null;

const SYSTEM_END_STATUSES: readonly ExecutionStatus[] = ['CANCELLED', 'TIMED_OUT', 'MISSED', 'SKIPPED'] satisfies SystemEndStatus[];

/** Ended for good: neither waiting (QUEUED), nor due (PENDING), nor running. */
export function isTerminal(status: ExecutionStatus): boolean {
  return status !== 'PENDING' && status !== 'RUNNING' && status !== 'QUEUED' && status !== 'RETRYING';
}

/** Ended by the system (API cancel, a deadline) rather than by the executor's own report. */
export function isEndedBySystem(status: ExecutionStatus): status is SystemEndStatus {
  return SYSTEM_END_STATUSES.includes(status);
}

/** The events the execution decider folds: the status events and the claim lease events. */
export type ExecutionDeciderEvent = ExecutionEvent | ExecutionClaimEvent;

export function evolveExecution(state: ExecutionState, event: ExecutionDeciderEvent): ExecutionState {
  if (event.type === 'ExecutionCreated') {
    const { executionId, taskId, projectId, createdAt, attempt, retry, taskName, scheduledAt, executionMode, timeoutSeconds, startDeadlineSeconds } = event.data;
    return {
      ref: { executionId, taskId, projectId },
      status: 'PENDING',
      createdAt,
      runStartedAt: null,
      claimedBy: null,
      claimConfirmed: true,
      endedAt: null,
      error: null,
      attempt,
      retry: retry ?? null,
      created: { taskName, scheduledAt, executionMode, timeoutSeconds, startDeadlineSeconds },
      lastAttemptOutcome: null,
      retryAt: null,
    };
  }
  const execution = created(state, event);
  switch (event.type) {
    case 'ExecutionStarted':
      return {
        ...execution,
        status: 'RUNNING',
        runStartedAt: event.data.at,
        claimedBy: event.data.claimedBy,
        claimConfirmed: event.data.claimedBy === null,
      };
    case 'ExecutionClaimConfirmed':
      return { ...execution, claimConfirmed: true };
    case 'ExecutionClaimLapsed':
      // The new claimer's ExecutionStarted follows in the same append.
      return execution;
    case 'ExecutionSucceeded':
      return { ...execution, status: 'SUCCESS', endedAt: event.data.at };
    case 'ExecutionFailed':
      return { ...execution, status: 'FAILED', endedAt: event.data.at, error: event.data.error };
    case 'ExecutionCancelled':
      return { ...execution, status: 'CANCELLED', endedAt: event.data.at };
    case 'ExecutionTimedOut':
      return { ...execution, status: 'TIMED_OUT', endedAt: event.data.at };
    case 'ExecutionMissed':
      return { ...execution, status: 'MISSED', endedAt: event.data.at };
    case 'ExecutionSkipped':
      return { ...execution, status: 'SKIPPED', endedAt: event.data.at };
    case 'ExecutionQueued':
      return { ...execution, status: 'QUEUED' };
    case 'ExecutionReleased':
      return { ...execution, status: 'PENDING' };
    case 'ExecutionLateReportReceived':
    case 'ExecutionStaleReportReceived':
      // Audit trail only: a late report never changes the outcome.
      return execution;
    case 'ExecutionAttemptFailed':
      return { ...execution, status: 'RETRYING', lastAttemptOutcome: event.data.outcome, retryAt: event.data.retryAt, error: event.data.error };
    case 'ExecutionRetryStarted':
      // A fresh attempt: PENDING, as at creation, counted from `at`.
      return {
        ...execution,
        status: 'PENDING',
        attempt: event.data.attempt,
        createdAt: event.data.at,
        runStartedAt: null,
        claimedBy: null,
        claimConfirmed: true,
        error: null,
        lastAttemptOutcome: null,
        retryAt: null,
      };
    default:
      return execution;
  }
}
