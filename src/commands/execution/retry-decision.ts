import { ConflictError } from '../../errors/app-error';
import type { ExecutionAttemptFailed } from '../../events/execution-events';
import type { RetryOutcome } from '../../events/retry-policy';
import type { FailExecutionDispatch, ReportExecutionStatus, StartExecutionRetry } from './execution-commands';
import { measuredDurationMs } from './duration';
import { retryDelayMs, jitterFraction } from './retry-backoff';
import type { Execution, ExecutionDeciderEvent } from './execution-state';

/** How an attempt failed, as the retry decision needs it. */
export interface AttemptFailure {
  at: string;
  error: string | null;
  exitCode: number | null;
  durationMs: number;
}

/**
 * The retry rules (README "Retries"), beside the status rules of execution-decider.ts:
 *   PENDING | RUNNING → RETRYING   an attempt failed with an outcome the policy retries, attempts left
 *   RETRYING → PENDING             `retryAt` came (ExecutionRetryStarted, attempt n+1)
 *   RETRYING → CANCELLED           API (no further attempt)
 * The last attempt's failure is the final ExecutionFailed / ExecutionTimedOut.
 */

/** The ExecutionAttemptFailed that replaces a final failure, or null when no retry applies. */
export function retryAfter(execution: Execution, outcome: RetryOutcome, failure: AttemptFailure): ExecutionAttemptFailed | null {
  const policy = execution.retry;
  if (policy === null || !policy.on.includes(outcome) || execution.attempt >= policy.maxAttempts) return null;
  const { attempt } = execution;
  const delay = retryDelayMs(policy, attempt, jitterFraction(execution.ref.executionId, attempt));
  const retryAt = new Date(Date.parse(failure.at) + delay).toISOString();
  return { type: 'ExecutionAttemptFailed', data: { ...execution.ref, attempt, outcome, ...failure, retryAt, alert: policy.alert } };
}

/** Exactly once: only the attempt after the current one, only while RETRYING. */
export function startRetry(command: StartExecutionRetry, execution: Execution): ExecutionDeciderEvent[] {
  if (execution.status !== 'RETRYING' || command.attempt !== execution.attempt + 1) return [];
  return [{ type: 'ExecutionRetryStarted', data: { ...execution.ref, ...execution.created, attempt: command.attempt, at: command.at } }];
}

/**
 * A push dispatch that failed for good leaves the execution PENDING (its deadlines end it). With
 * DISPATCH_FAILED in the policy and attempts left, the attempt fails and the next one is planned.
 */
export function failDispatch(command: FailExecutionDispatch, execution: Execution): ExecutionDeciderEvent[] {
  if (execution.status !== 'PENDING' || command.attempt !== execution.attempt) return [];
  const failure = { at: command.at, error: command.reason, exitCode: null, durationMs: measuredDurationMs(execution, command.at) };
  const failed = retryAfter(execution, 'DISPATCH_FAILED', failure);
  return failed ? [failed] : [];
}

/**
 * A report for an attempt that is over: one naming an earlier attempt, or any report while RETRYING
 * (the attempt it can be for has failed) except a repeat of the FAILED that ended it. Recorded on the
 * compat route (old executors get their 200), refused with 409 on v1; the current attempt is untouched.
 * null: the report is for the current attempt.
 */
export function staleAttemptReport(command: ReportExecutionStatus, execution: Execution): ExecutionDeciderEvent[] | null {
  const current = execution.attempt;
  const named = command.attempt ?? null;
  if (named !== null && named > current) {
    throw new ConflictError(`Attempt ${named} of this execution has not begun; the current attempt is ${current}`, [`attempt: ${current}`]);
  }
  const earlier = named !== null && named < current;
  if (!earlier && execution.status !== 'RETRYING') return null;
  if (!earlier && command.status === 'FAILED' && execution.lastAttemptOutcome === 'FAILED') return [];
  const which = earlier ? `attempt ${named}` : `attempt ${current}, which already failed (next attempt at ${execution.retryAt})`;
  if (command.route === 'v1') {
    throw new ConflictError(`This report is for ${which}; the ${command.status} report was not applied`, [`attempt: ${current}`, `status: ${execution.status}`]);
  }
  return [
    {
      type: 'ExecutionStaleReportReceived',
      data: { ...execution.ref, at: command.at, attempt: named, currentAttempt: current, reportedStatus: command.status, error: command.error ?? null },
    },
  ];
}
