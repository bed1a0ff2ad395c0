import type { DispatchOutcome } from '../../commands/dispatch/dispatch-decider';
import { backoffMs, type DispatchSettings } from './dispatch-settings';
import type { SendResult } from './webhook-sender';

/**
 * Failures that happen before any connection exists: the request surely did not reach the executor,
 * so sending it again cannot run the job twice. (ECONNTIMEOUT: no connection within the timeout.)
 */
const NOT_ARRIVED_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNTIMEOUT']);

/**
 * What came of delivery attempt `attempt`, as the dispatch stream records it: dispatched on a 2xx;
 * sent again later (with backoff, at least the executor's Retry-After) only when the executor asked for
 * it (429, 5xx) or the request surely never reached it; never again when it may be running the job (a
 * timeout or an error after sending), when the outbound policy refused the address, or after
 * `maxAttempts`. Pure: `nowMs` is the instant the next attempt is counted from.
 */
export function deliveryOutcome(result: SendResult, attempt: number, settings: DispatchSettings, nowMs: number): DispatchOutcome {
  const { timeoutMs, maxAttempts } = settings;
  type Failure = Pick<Extract<DispatchOutcome, { kind: 'failed' }>, 'outcome' | 'reason' | 'status' | 'durationMs'>;
  const retry = (failure: Failure, retryAfterMs: number | null): DispatchOutcome => {
    if (attempt >= maxAttempts) {
      return { kind: 'failed', ...failure, reason: `${failure.reason}; giving up after ${maxAttempts} attempts`, retryable: true, nextAttemptAt: null };
    }
    const at = new Date(nowMs + backoffMs(settings, attempt, retryAfterMs)).toISOString();
    return { kind: 'failed', ...failure, retryable: true, nextAttemptAt: at };
  };
  const final = (failure: Failure): DispatchOutcome => ({ kind: 'failed', ...failure, retryable: false, nextAttemptAt: null });
  switch (result.kind) {
    case 'answered': {
      const { status, durationMs } = result;
      if (status >= 200 && status < 300) return { kind: 'dispatched', status, durationMs };
      const answered = { outcome: 'http_error' as const, status, durationMs };
      if (status === 429 || status >= 500) return retry({ ...answered, reason: `the executor answered HTTP ${status}` }, result.retryAfterMs);
      return final({ ...answered, reason: `the executor answered HTTP ${status}; not sent again` });
    }
    case 'refused':
      // The same address would be refused again: the policy changes only with the configuration.
      return final({ outcome: 'refused_by_policy', reason: `refused by outbound policy: ${result.rule}; not sent`, status: null, durationMs: result.durationMs });
    case 'not-sent': {
      const failure = { outcome: result.code === 'ECONNTIMEOUT' ? ('timeout' as const) : ('network_error' as const), status: null, durationMs: result.durationMs };
      if (NOT_ARRIVED_CODES.has(result.code)) return retry({ ...failure, reason: `${result.code}: ${result.message}; the request was not sent` }, null);
      return final({ ...failure, reason: `could not send (${result.code}: ${result.message}); not sent again` });
    }
    case 'timeout':
      return final({
        outcome: 'timeout',
        reason: `no answer within ${timeoutMs / 1000} s; not sent again: the executor may be running the job`,
        status: null,
        durationMs: result.durationMs,
      });
    case 'error':
      return final({
        outcome: 'network_error',
        reason: `${result.code} after the request was sent (${result.message}); not sent again: the executor may have it`,
        status: null,
        durationMs: result.durationMs,
      });
    case 'aborted':
      return { kind: 'unknown', reason: 'the server stopped while waiting for the answer; whether the executor got the request is unknown, so it is not sent again' };
  }
}
