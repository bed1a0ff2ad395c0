import { quoted } from '../../errors/quoted';
import { MAX_RETRY_ATTEMPTS, MIN_RETRY_ATTEMPTS, RETRY_OUTCOMES, type RetryOutcome, type RetryPolicy } from '../../events/retry-policy';
import type { ExecutionMode } from '../../events/task-events';

/** A task's retry policy (README "Retries"); `retry: null` or left out: one attempt. */
export interface RetryBody {
  /**
   * Attempts in all, the first included.
   * @isInt
   * @minimum 2
   * @maximum 20
   */
  max_attempts: number;
  /** `fixed`: every retry waits `delay_seconds`; `exponential` (default): doubles it each time, up to `max_delay_seconds`. */
  backoff?: 'fixed' | 'exponential';
  /**
   * The wait before the second attempt.
   * @isInt
   * @minimum 1
   * @maximum 86400
   */
  delay_seconds: number;
  /**
   * The longest wait (exponential only; default: no cap).
   * @isInt
   * @minimum 1
   * @maximum 604800
   */
  max_delay_seconds?: number | null;
  /** Equal jitter: each wait becomes a value between half of it and all of it. Default false. */
  jitter?: boolean;
  /**
   * Which outcomes of an attempt are retried. Default: FAILED and TIMED_OUT.
   * @minItems 1
   * @maxItems 3
   */
  on?: RetryOutcome[];
  /** `exhausted` (default): alert only when the last attempt failed; `every_attempt`: on every failed attempt. */
  alert?: 'exhausted' | 'every_attempt';
}

export const DEFAULT_RETRY_ON: RetryOutcome[] = ['FAILED', 'TIMED_OUT'];

/**
 * The policy a body states, with the combinations the schema cannot check as `details` (each naming
 * the field and the rule). The OpenAPI schema has already checked types and ranges.
 */
export function retryPolicyFromBody(
  body: RetryBody | null | undefined,
  executionMode: ExecutionMode | null | undefined,
  details: string[],
): RetryPolicy | undefined {
  if (!body) return undefined;
  const backoff = body.backoff ?? 'exponential';
  const on = body.on ?? DEFAULT_RETRY_ON;
  const maxDelaySeconds = body.max_delay_seconds ?? null;
  if (body.max_attempts < MIN_RETRY_ATTEMPTS || body.max_attempts > MAX_RETRY_ATTEMPTS) {
    details.push(`retry.max_attempts: must be from ${MIN_RETRY_ATTEMPTS} to ${MAX_RETRY_ATTEMPTS}`);
  }
  if (maxDelaySeconds !== null && backoff === 'fixed') details.push('retry.max_delay_seconds: applies to exponential backoff only; leave it out with fixed');
  if (maxDelaySeconds !== null && maxDelaySeconds < body.delay_seconds) details.push('retry.max_delay_seconds: must be at least retry.delay_seconds');
  const unknown = on.filter((outcome) => !RETRY_OUTCOMES.includes(outcome));
  if (unknown.length > 0) details.push(`retry.on: ${unknown.map(quoted).join(', ')} is not one of ${RETRY_OUTCOMES.join(', ')}`);
  if (new Set(on).size !== on.length) details.push('retry.on: lists an outcome twice');
  if (executionMode === 'external') details.push('retry: external runs are started and ended by their caller; retries apply to push and pull tasks only');
  if (executionMode === 'pull' && on.includes('DISPATCH_FAILED')) details.push('retry.on: DISPATCH_FAILED applies to push tasks only (pull tasks are claimed, not dispatched)');
  const sortedOn = RETRY_OUTCOMES.filter((outcome) => on.includes(outcome));
  return { maxAttempts: body.max_attempts, backoff, delaySeconds: body.delay_seconds, maxDelaySeconds, jitter: body.jitter ?? false, on: sortedOn, alert: body.alert ?? 'exhausted' };
}

export function retryBody(policy: RetryPolicy): Required<RetryBody> {
  return {
    max_attempts: policy.maxAttempts,
    backoff: policy.backoff,
    delay_seconds: policy.delaySeconds,
    max_delay_seconds: policy.maxDelaySeconds,
    jitter: policy.jitter,
    on: policy.on,
    alert: policy.alert,
  };
}
