import { deliveryOutcome } from '../../src/process-managers/dispatcher/delivery-outcome';
import type { DispatchSettings } from '../../src/process-managers/dispatcher/dispatch-settings';
import type { SendResult } from '../../src/process-managers/dispatcher/webhook-sender';

const settings: DispatchSettings = { timeoutMs: 30_000, maxAttempts: 3, backoffBaseMs: 5_000, backoffMaxMs: 60_000, maxConcurrent: 10, maxDelayMs: 3_600_000 };
const now = Date.parse('2026-12-05T10:00:00.000Z');
const at = (ms: number) => new Date(now + ms).toISOString();

describe('deliveryOutcome: what one webhook attempt comes to', () => {
  it('counts any 2xx as dispatched', () => {
    expect(deliveryOutcome({ kind: 'answered', status: 204, retryAfterMs: null, durationMs: 12 }, 1, settings, now)).toEqual({ kind: 'dispatched', status: 204, durationMs: 12 });
  });

  it('sends again after a 5xx or 429, with doubling backoff, at least the executor’s Retry-After', () => {
    const first = deliveryOutcome({ kind: 'answered', status: 503, retryAfterMs: null, durationMs: 5 }, 1, settings, now);
    expect(first).toMatchObject({ kind: 'failed', outcome: 'http_error', status: 503, retryable: true, nextAttemptAt: at(5_000) });
    expect(deliveryOutcome({ kind: 'answered', status: 500, retryAfterMs: null, durationMs: 5 }, 2, settings, now)).toMatchObject({ nextAttemptAt: at(10_000) });
    expect(deliveryOutcome({ kind: 'answered', status: 429, retryAfterMs: 40_000, durationMs: 5 }, 1, settings, now)).toMatchObject({ retryable: true, nextAttemptAt: at(40_000) });
    // Retry-After is honoured up to the backoff cap only.
    expect(deliveryOutcome({ kind: 'answered', status: 429, retryAfterMs: 3_600_000, durationMs: 5 }, 1, settings, now)).toMatchObject({ nextAttemptAt: at(60_000) });
  });

  it('gives up after the last attempt, still saying the failure was retryable', () => {
    const last = deliveryOutcome({ kind: 'answered', status: 502, retryAfterMs: null, durationMs: 5 }, 3, settings, now);
    expect(last).toMatchObject({ kind: 'failed', retryable: true, nextAttemptAt: null });
    expect(last.kind === 'failed' && last.reason).toMatch(/giving up after 3 attempts/);
  });

  it('never sends again what the executor refused (4xx) or may be running (timeout, error after sending)', () => {
    const cases: SendResult[] = [
      { kind: 'answered', status: 404, retryAfterMs: null, durationMs: 3 },
      { kind: 'timeout', durationMs: 30_000 },
      { kind: 'error', code: 'ECONNRESET', message: 'socket hang up', durationMs: 40 },
      { kind: 'not-sent', code: 'EPROTO', message: 'odd', durationMs: 2 },
    ];
    for (const result of cases) expect(deliveryOutcome(result, 1, settings, now)).toMatchObject({ kind: 'failed', retryable: false, nextAttemptAt: null });
    expect(deliveryOutcome({ kind: 'timeout', durationMs: 30_000 }, 1, settings, now)).toMatchObject({ outcome: 'timeout', reason: expect.stringMatching(/no answer within 30 s/) });
  });

  it('sends again what surely never arrived (no connection), as a timeout when the connection itself timed out', () => {
    expect(deliveryOutcome({ kind: 'not-sent', code: 'ECONNREFUSED', message: 'refused', durationMs: 1 }, 1, settings, now)).toMatchObject({
      outcome: 'network_error',
      retryable: true,
      nextAttemptAt: at(5_000),
    });
    expect(deliveryOutcome({ kind: 'not-sent', code: 'ECONNTIMEOUT', message: 'no connection', durationMs: 30_000 }, 1, settings, now)).toMatchObject({ outcome: 'timeout', retryable: true });
  });

  it('does not send what the outbound policy refused, and records an aborted wait as unknown', () => {
    expect(deliveryOutcome({ kind: 'refused', rule: 'private address 10.0.0.1', durationMs: 0 }, 1, settings, now)).toMatchObject({
      outcome: 'refused_by_policy',
      retryable: false,
      reason: expect.stringMatching(/private address 10\.0\.0\.1/),
    });
    expect(deliveryOutcome({ kind: 'aborted', durationMs: 5 }, 1, settings, now)).toMatchObject({ kind: 'unknown' });
  });
});
