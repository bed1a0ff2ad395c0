/**
 * A task's retry policy (API `retry`), copied onto each execution at its creation so that a later task
 * edit does not change a run under way. Absent (or null in the API): an execution has one attempt.
 */
export type RetryOutcome = 'FAILED' | 'TIMED_OUT' | 'DISPATCH_FAILED';

export const RETRY_OUTCOMES: readonly RetryOutcome[] = ['FAILED', 'TIMED_OUT', 'DISPATCH_FAILED'];

export type RetryBackoff = 'fixed' | 'exponential';

/** `exhausted`: alert only when the last attempt failed; `every_attempt`: on every failed attempt too. */
export type RetryAlert = 'exhausted' | 'every_attempt';

export interface RetryPolicy {
  /** Attempts in all, the first included (2..20). */
  maxAttempts: number;
  backoff: RetryBackoff;
  /** The delay before the second attempt; exponential backoff doubles it for each further attempt. */
  delaySeconds: number;
  /** The longest delay (exponential backoff); null: no cap. */
  maxDelaySeconds: number | null;
  /** Equal jitter: the delay becomes a value between half of it and all of it. */
  jitter: boolean;
  /** Which outcomes of an attempt are retried. */
  on: RetryOutcome[];
  alert: RetryAlert;
}

export const MIN_RETRY_ATTEMPTS = 2;
export const MAX_RETRY_ATTEMPTS = 20;
