import { randomUUID } from 'node:crypto';
import { asErrorBody, describeNetworkError } from './api/client';
import type { Logger } from './logger';
import { backoffDelay, isRetryableStatus, retryAfterMs, type RetryPolicy, sleep } from './retry';

export type SendOutcome<T> =
  | { ok: true; data: T; status: number }
  /** `status` is absent when no answer came (unreachable, timed out). */
  | { ok: false; status?: number; error: string };

export interface RequestInitParts {
  headers: Record<string, string>;
  signal: AbortSignal;
}

type Result<T> = { data?: T; error?: unknown; response: Response };

/**
 * Sends reports fail-open: each report carries one `Idempotency-Key` for all its attempts (the server
 * answers a repeat with the first answer, so a retried report never counts twice); unanswered
 * requests and 408/429/5xx are retried with backoff while Cron Observer has been unreachable for less
 * than `maxElapsedMs` (one outage clock for everything this sender sends, so a long outage does not
 * delay each report by the whole budget); nothing is ever thrown.
 */
export class ReportSender {
  private unreachableSince: number | null = null;

  constructor(
    private readonly policy: RetryPolicy,
    private readonly logger: Logger,
  ) {}

  async send<T>(label: string, request: (init: RequestInitParts) => Promise<Result<T>>, signal?: AbortSignal): Promise<SendOutcome<T>> {
    const headers = { 'Idempotency-Key': `co-sdk-${randomUUID()}` };
    for (let attempt = 1; ; attempt++) {
      let failure: string;
      let retryAfter: number | undefined;
      let status: number | undefined;
      try {
        const timeout = AbortSignal.timeout(this.policy.requestTimeoutMs);
        const result = await request({ headers, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
        status = result.response.status;
        if (result.response.ok) {
          this.unreachableSince = null;
          return { ok: true, data: result.data as T, status };
        }
        failure = `${status} ${asErrorBody(result.error)?.error ?? result.response.statusText}`;
        const details = asErrorBody(result.error)?.details;
        if (details?.length) failure += ` (${details.join('; ')})`;
        if (!isRetryableStatus(status)) {
          this.unreachableSince = null;
          return { ok: false, status, error: failure };
        }
        retryAfter = retryAfterMs(result.response);
      } catch (error) {
        failure = describeNetworkError(error);
      }
      if (signal?.aborted) return { ok: false, status, error: failure };
      const now = Date.now();
      this.unreachableSince ??= now;
      const waited = now - this.unreachableSince;
      if (waited >= this.policy.maxElapsedMs) {
        return { ok: false, status, error: `${failure}; gave up after ${attempt} attempt${attempt === 1 ? '' : 's'}` };
      }
      const delay = Math.min(backoffDelay(attempt, this.policy, retryAfter), this.policy.maxElapsedMs - waited);
      this.logger.debug?.(`${label} failed (${failure}); retrying in ${Math.round(delay)} ms`);
      await sleep(delay, signal);
    }
  }
}
