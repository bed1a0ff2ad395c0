/** How reports are retried when Cron Observer does not answer or answers 408/429/5xx. */
export interface RetryPolicy {
  /**
   * How long to keep retrying while Cron Observer is unreachable, in ms (default 60 s). The budget is
   * shared by the reports of one execution: once it is spent, later reports are tried once each.
   */
  maxElapsedMs: number;
  /** First wait between attempts (default 200 ms); doubles up to maxDelayMs, with jitter. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** One attempt's time limit (default 15 s). */
  requestTimeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxElapsedMs: 60_000, initialDelayMs: 200, maxDelayMs: 5_000, requestTimeoutMs: 15_000 };

export function retryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  return { ...DEFAULT_RETRY, ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) };
}

/** Statuses worth another try: the request may succeed later unchanged. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || (status >= 500 && status !== 501 && status !== 505);
}

/** Exponential backoff with jitter (between half and all of the doubled delay); Retry-After wins when given. */
export function backoffDelay(attempt: number, policy: RetryPolicy, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined && retryAfterMs >= 0) return Math.min(retryAfterMs, policy.maxDelayMs * 4);
  const exp = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, attempt - 1));
  return exp / 2 + Math.random() * (exp / 2);
}

export function retryAfterMs(response: Response | undefined): number | undefined {
  const value = response?.headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
