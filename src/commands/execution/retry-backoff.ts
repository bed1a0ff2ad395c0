import { createHash } from 'node:crypto';
import type { RetryPolicy } from '../../events/retry-policy';

/**
 * A number in [0, 1) derived from the execution id and the attempt: the jitter is random across
 * executions yet the same every time it is computed for one attempt, so the decider stays a pure
 * function and a replay or a restart computes the same retry time.
 */
export function jitterFraction(executionId: string, attempt: number): number {
  const digest = createHash('sha256').update(`${executionId}#${attempt}`).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

/**
 * The delay after attempt `attempt` (1 for the first) failed, in milliseconds. Exponential backoff
 * doubles `delaySeconds` for each attempt after the first, capped at `maxDelaySeconds`. With jitter the
 * delay becomes `delay/2 + fraction × delay/2` (equal jitter): spread out so that many executions
 * failing together do not all come back at once, yet never sooner than half the planned delay.
 */
export function retryDelayMs(policy: RetryPolicy, attempt: number, fraction: number): number {
  const base = policy.delaySeconds * 1000;
  let delay = policy.backoff === 'fixed' ? base : base * 2 ** Math.min(attempt - 1, 40);
  if (policy.maxDelaySeconds !== null) delay = Math.min(delay, policy.maxDelaySeconds * 1000);
  if (!policy.jitter) return delay;
  return Math.round(delay / 2 + fraction * (delay / 2));
}
