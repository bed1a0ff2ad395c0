/** How the dispatcher sends webhooks (push mode). Tests shorten the timeout and the backoff. */
export interface DispatchSettings {
  /**
   * How long to wait for the executor's answer. The original's executors run the job inside the request
   * and answer when it is done, so this is tens of seconds; a request that times out is never re-sent.
   */
  timeoutMs: number;
  /** Attempts per execution, the first included, when every failure is retryable. */
  maxAttempts: number;
  /** The wait before attempt 2; it doubles for each further attempt (at least the executor's Retry-After). */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Requests in flight at once, all executions together (an executor may hold one for the whole timeout). */
  maxConcurrent: number;
  /**
   * An execution found never dispatched when it is already this old (the server was down when it was
   * created) is not sent any more; its deadlines decide what becomes of it.
   */
  maxDelayMs: number;
}

export const DEFAULT_DISPATCH_SETTINGS: DispatchSettings = {
  timeoutMs: 30_000,
  maxAttempts: 5,
  backoffBaseMs: 5_000,
  backoffMaxMs: 5 * 60_000,
  maxConcurrent: 1_000,
  maxDelayMs: 60 * 60_000,
};

/** The wait after failed attempt `attempt` (1-based): base·2^(attempt−1), capped, and never shorter than Retry-After (also capped). */
export function backoffMs(settings: DispatchSettings, attempt: number, retryAfterMs: number | null): number {
  const exponential = Math.min(settings.backoffMaxMs, settings.backoffBaseMs * 2 ** (attempt - 1));
  return retryAfterMs === null ? exponential : Math.max(exponential, Math.min(retryAfterMs, settings.backoffMaxMs));
}
