import { type ExecutionEvent, type ExecutionStatus, missedReason, overlapReason, type SystemEndStatus, type TriggerType } from '../events/execution-events';
import type { JsonObject } from '../events/json';
import type { RetryOutcome } from '../events/retry-policy';
import type { ExecutionMode } from '../events/task-events';
import { measuredDurationMs } from '../commands/execution/duration';
import type { Doc } from '../stores/read/read-store';

/** An execution in the `history` read model. */
export interface ExecutionDoc extends Doc {
  taskId: string;
  projectId: string;
  /** The task's name when the execution was created (what the executor routed by). */
  taskName: string;
  status: ExecutionStatus;
  scheduledAt: string;
  triggerType: TriggerType;
  attempt: number;
  executionMode: ExecutionMode;
  /** Creation time: the original API's `started_at`. */
  createdAt: string;
  runStartedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  exitCode: number | null;
  /**
   * The executor's error for FAILED; for an execution the system ended, why (so a list of failures
   * explains every row without opening the audit trail).
   */
  error: string | null;
  metrics: JsonObject | null;
  /** Log lines received so far; the next line gets this number as its `seq`. */
  logsCount: number;
  /** UTF-8 bytes of the messages received so far (for the per-execution limit). */
  logsBytes: number;
  updatedAt: string;
  /** Retries: attempts allowed (absent in documents from before retries: 1). */
  maxAttempts?: number;
  /** When the current attempt began, when it is not the first (absent: `createdAt`). */
  attemptStartedAt?: string;
  /** While RETRYING: when the next attempt begins. */
  nextAttemptAt?: string | null;
  /** The attempts before the current one, oldest first (absent: none). */
  previousAttempts?: PreviousAttempt[];
}

/** A failed attempt of an execution that was retried. `startedAt` is when the attempt began (creation or retry). */
export interface PreviousAttempt {
  attempt: number;
  outcome: RetryOutcome;
  startedAt: string;
  runStartedAt: string | null;
  endedAt: string;
  exitCode: number | null;
  durationMs: number;
  error: string | null;
}

/**
 * Folds one execution event into the execution's document. A status event for an execution this model
 * has never seen (its creation was purged) is ignored: null in, null out.
 */
export function evolveExecutionDoc(doc: ExecutionDoc | null, event: ExecutionEvent): ExecutionDoc | null {
  if (event.type === 'ExecutionCreated') {
    const { executionId, taskId, projectId, taskName, scheduledAt, triggerType, attempt, executionMode, createdAt, retry } = event.data;
    return {
      id: executionId,
      taskId,
      projectId,
      taskName,
      status: 'PENDING',
      scheduledAt,
      triggerType,
      attempt,
      executionMode,
      createdAt,
      runStartedAt: null,
      endedAt: null,
      durationMs: null,
      exitCode: null,
      error: null,
      metrics: null,
      logsCount: 0,
      logsBytes: 0,
      updatedAt: createdAt,
      ...(retry ? { maxAttempts: retry.maxAttempts, nextAttemptAt: null, previousAttempts: [] } : {}),
    };
  }
  if (!doc) return null;
  const { at } = event.data;
  switch (event.type) {
    case 'ExecutionStarted':
      return { ...doc, status: 'RUNNING', runStartedAt: at, updatedAt: at };
    case 'ExecutionSucceeded':
    case 'ExecutionFailed': {
      const { exitCode, durationMs, metrics } = event.data;
      const status: ExecutionStatus = event.type === 'ExecutionSucceeded' ? 'SUCCESS' : 'FAILED';
      const error = event.type === 'ExecutionFailed' ? event.data.error : null;
      return { ...doc, status, endedAt: at, exitCode, durationMs, metrics, error, updatedAt: at };
    }
    case 'ExecutionCancelled': {
      const { by, reason } = event.data;
      return endedBySystem(doc, 'CANCELLED', at, reason === undefined ? `Cancelled by ${by}` : `Cancelled by ${by}: ${reason}`);
    }
    case 'ExecutionSkipped':
      return endedBySystem(doc, 'SKIPPED', at, overlapReason(event.data));
    case 'ExecutionQueued':
      return { ...doc, status: 'QUEUED', updatedAt: at };
    case 'ExecutionReleased':
      return { ...doc, status: 'PENDING', updatedAt: at };
    case 'ExecutionTimedOut':
      return endedBySystem(doc, 'TIMED_OUT', at, `Timed out after ${event.data.timeoutSeconds} s`);
    case 'ExecutionMissed':
      return endedBySystem(doc, 'MISSED', at, missedReason(event.data));
    case 'ExecutionLateReportReceived':
    case 'ExecutionStaleReportReceived':
      // Kept in the audit trail only: the outcome stands.
      return doc;
    case 'ExecutionAttemptFailed': {
      const { attempt, outcome, error, exitCode, durationMs, retryAt } = event.data;
      const previous: PreviousAttempt = { attempt, outcome, startedAt: doc.attemptStartedAt ?? doc.createdAt, runStartedAt: doc.runStartedAt, endedAt: at, exitCode, durationMs, error };
      const previousAttempts = [...(doc.previousAttempts ?? []), previous];
      return { ...doc, status: 'RETRYING', error, exitCode, durationMs, nextAttemptAt: retryAt, previousAttempts, updatedAt: at };
    }
    case 'ExecutionRetryStarted': {
      // The current attempt's fields describe the new attempt; the failed one is in previousAttempts.
      const fresh = { runStartedAt: null, endedAt: null, durationMs: null, exitCode: null, error: null, metrics: null };
      return { ...doc, ...fresh, status: 'PENDING', attempt: event.data.attempt, attemptStartedAt: at, nextAttemptAt: null, updatedAt: at };
    }
  }
}

/** The duration is measured as for executor reports (duration.ts); a MISSED or SKIPPED run never ran and has none. */
function endedBySystem(doc: ExecutionDoc, status: SystemEndStatus, at: string, error: string): ExecutionDoc {
  const durationMs = status === 'MISSED' || status === 'SKIPPED' ? null : measuredDurationMs({ runStartedAt: doc.runStartedAt, createdAt: doc.attemptStartedAt ?? doc.createdAt }, at);
  return { ...doc, status, endedAt: at, durationMs, error, updatedAt: at };
}

/** The status an event leaves an execution in; null for an event that does not change it. */
export function statusAfter(event: ExecutionEvent): ExecutionStatus | null {
  switch (event.type) {
    case 'ExecutionCreated':
      return 'PENDING';
    case 'ExecutionStarted':
      return 'RUNNING';
    case 'ExecutionSucceeded':
      return 'SUCCESS';
    case 'ExecutionFailed':
      return 'FAILED';
    case 'ExecutionCancelled':
      return 'CANCELLED';
    case 'ExecutionTimedOut':
      return 'TIMED_OUT';
    case 'ExecutionMissed':
      return 'MISSED';
    case 'ExecutionSkipped':
      return 'SKIPPED';
    case 'ExecutionQueued':
      return 'QUEUED';
    case 'ExecutionAttemptFailed':
      return 'RETRYING';
    case 'ExecutionReleased':
    case 'ExecutionRetryStarted':
      return 'PENDING';
    case 'ExecutionLateReportReceived':
    case 'ExecutionStaleReportReceived':
      return null;
  }
}
