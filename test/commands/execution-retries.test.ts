import type { ReportExecutionStatus } from '../../src/commands/execution/execution-commands';
import { executionDecider } from '../../src/commands/execution/execution-decider';
import { reportOutcome } from '../../src/commands/execution/report-outcome';
import { jitterFraction, retryDelayMs } from '../../src/commands/execution/retry-backoff';
import { ConflictError } from '../../src/errors/app-error';
import type { ExecutionEvent, ExecutionRef, ReportedStatus } from '../../src/events/execution-events';
import type { RetryPolicy } from '../../src/events/retry-policy';
import { given } from '../support/given-when-then';

const ref: ExecutionRef = { executionId: 'e1', taskId: 't1', projectId: 'p1' };
const t0 = '2025-03-01T02:00:00.000Z';
const t5 = '2025-03-01T02:00:05.000Z';
const t9 = '2025-03-01T02:00:09.000Z';
const t10 = '2025-03-01T02:00:10.000Z';
const t40 = '2025-03-01T02:00:40.000Z';
const t50 = '2025-03-01T02:00:50.000Z';

const policy: RetryPolicy = {
  maxAttempts: 3,
  backoff: 'exponential',
  delaySeconds: 30,
  maxDelaySeconds: null,
  jitter: false,
  on: ['FAILED', 'TIMED_OUT'],
  alert: 'exhausted',
};

function createdWith(retry: RetryPolicy | undefined): ExecutionEvent {
  return {
    type: 'ExecutionCreated',
    data: {
      ...ref,
      taskName: 'nightly-report',
      scheduledAt: t0,
      triggerType: 'SCHEDULED',
      attempt: 1,
      executionMode: 'push',
      timeoutSeconds: 300,
      startDeadlineSeconds: 60,
      createdAt: t0,
      ...(retry ? { retry } : {}),
    },
  };
}
const created = createdWith(policy);
const started: ExecutionEvent = { type: 'ExecutionStarted', data: { ...ref, at: t5, claimedBy: null } };
const attempt1Failed: ExecutionEvent = {
  type: 'ExecutionAttemptFailed',
  data: { ...ref, attempt: 1, outcome: 'FAILED', at: t10, error: 'disk full', exitCode: 2, durationMs: 5000, retryAt: t40, alert: 'exhausted' },
};
const carried = { taskName: 'nightly-report', scheduledAt: t0, executionMode: 'push', timeoutSeconds: 300, startDeadlineSeconds: 60 } as const;
const retry2: ExecutionEvent = { type: 'ExecutionRetryStarted', data: { ...ref, ...carried, attempt: 2, at: t40 } };
const started2: ExecutionEvent = { type: 'ExecutionStarted', data: { ...ref, at: t50, claimedBy: null } };

function report(status: ReportedStatus, extra: Partial<ReportExecutionStatus> = {}): ReportExecutionStatus {
  return { type: 'ReportExecutionStatus', projectId: 'p1', status, route: 'compat', at: t10, ...extra };
}

describe('A failed attempt with attempts left', () => {
  test('a FAILED report becomes ExecutionAttemptFailed with retryAt, and the execution is RETRYING', () => {
    const state = given(executionDecider, [created, started])
      .when(report('FAILED', { error: 'disk full', exitCode: 2 }))
      .then([attempt1Failed]);
    expect(state).toMatchObject({ status: 'RETRYING', attempt: 1, retryAt: t40 });
  });

  test('a timeout becomes ExecutionAttemptFailed with outcome TIMED_OUT', () => {
    given(executionDecider, [created, started])
      .when({ type: 'TimeOutExecution', timeoutSeconds: 300, attempt: 1, at: t10 })
      .then([
        {
          type: 'ExecutionAttemptFailed',
          data: { ...ref, attempt: 1, outcome: 'TIMED_OUT', at: t10, error: 'Timed out after 300 s', exitCode: null, durationMs: 5000, retryAt: t40, alert: 'exhausted' },
        },
      ]);
  });

  test('an outcome the policy does not name ends the execution as today', () => {
    given(executionDecider, [createdWith({ ...policy, on: ['FAILED'] }), started])
      .when({ type: 'TimeOutExecution', timeoutSeconds: 300, at: t10 })
      .then([{ type: 'ExecutionTimedOut', data: { ...ref, at: t10, timeoutSeconds: 300 } }]);
  });

  test('without a policy a FAILED report is final', () => {
    given(executionDecider, [createdWith(undefined), started])
      .when(report('FAILED', { error: 'x' }))
      .then([{ type: 'ExecutionFailed', data: { ...ref, at: t10, exitCode: null, durationMs: 5000, metrics: null, error: 'x' } }]);
  });

  test('a SUCCESS report ends it at once', () => {
    given(executionDecider, [created, started])
      .when(report('SUCCESS'))
      .then([{ type: 'ExecutionSucceeded', data: { ...ref, at: t10, exitCode: null, durationMs: 5000, metrics: null } }]);
  });

  test('a dispatch that failed for good fails the attempt when DISPATCH_FAILED is retried, and not otherwise', () => {
    const withDispatch = createdWith({ ...policy, on: ['DISPATCH_FAILED'] });
    given(executionDecider, [withDispatch])
      .when({ type: 'FailExecutionDispatch', attempt: 1, reason: 'connection refused', at: t10 })
      .then([
        {
          type: 'ExecutionAttemptFailed',
          data: { ...ref, attempt: 1, outcome: 'DISPATCH_FAILED', at: t10, error: 'connection refused', exitCode: null, durationMs: 10000, retryAt: t40, alert: 'exhausted' },
        },
      ]);
    given(executionDecider, [created]).when({ type: 'FailExecutionDispatch', attempt: 1, reason: 'refused', at: t10 }).thenNothing();
    given(executionDecider, [withDispatch, started]).when({ type: 'FailExecutionDispatch', attempt: 1, reason: 'refused', at: t10 }).thenNothing();
  });
});

describe('The next attempt', () => {
  test('StartExecutionRetry begins attempt 2 (PENDING, deadlines from its start), exactly once', () => {
    const state = given(executionDecider, [created, started, attempt1Failed])
      .when({ type: 'StartExecutionRetry', attempt: 2, at: t40 })
      .then([retry2]);
    expect(state).toMatchObject({ status: 'PENDING', attempt: 2, runStartedAt: null, createdAt: t40 });
    given(executionDecider, [created, started, attempt1Failed, retry2]).when({ type: 'StartExecutionRetry', attempt: 2, at: t50 }).thenNothing();
    given(executionDecider, [created, started, attempt1Failed]).when({ type: 'StartExecutionRetry', attempt: 3, at: t40 }).thenNothing();
  });

  test('a RETRYING execution can be cancelled; no attempt begins after that', () => {
    const cancelled: ExecutionEvent = { type: 'ExecutionCancelled', data: { ...ref, at: t40, by: 'u1' } };
    given(executionDecider, [created, started, attempt1Failed]).when({ type: 'CancelExecution', by: 'u1', at: t40 }).then([cancelled]);
    given(executionDecider, [created, started, attempt1Failed, cancelled]).when({ type: 'StartExecutionRetry', attempt: 2, at: t40 }).thenNothing();
  });

  test('a RETRYING execution cannot be claimed', () => {
    given(executionDecider, [createdWith(policy), attempt1Failed])
      .when({ type: 'ClaimExecution', projectId: 'p1', claimedBy: 'w', at: t10 })
      .thenThrows(ConflictError, /RETRYING/);
  });

  test('the last attempt failing is the final ExecutionFailed', () => {
    const failed2: ExecutionEvent = {
      type: 'ExecutionAttemptFailed',
      data: { ...ref, attempt: 2, outcome: 'FAILED', at: t50, error: 'again', exitCode: 1, durationMs: 0, retryAt: '2025-03-01T02:01:50.000Z', alert: 'exhausted' },
    };
    const retry3: ExecutionEvent = { type: 'ExecutionRetryStarted', data: { ...ref, ...carried, attempt: 3, at: '2025-03-01T02:01:50.000Z' } };
    const at = '2025-03-01T02:02:00.000Z';
    given(executionDecider, [created, attempt1Failed, retry2, failed2, retry3])
      .when(report('FAILED', { error: 'third time', at }))
      .then([{ type: 'ExecutionFailed', data: { ...ref, at, exitCode: null, durationMs: 10000, metrics: null, error: 'third time' } }]);
  });

  test("the previous attempt's timeout or start deadline does not touch the new attempt", () => {
    given(executionDecider, [created, attempt1Failed, retry2]).when({ type: 'TimeOutExecution', timeoutSeconds: 300, attempt: 1, at: t50 }).thenNothing();
    given(executionDecider, [created, attempt1Failed, retry2]).when({ type: 'MarkExecutionMissed', startDeadlineSeconds: 60, attempt: 1, at: t50 }).thenNothing();
    given(executionDecider, [created, attempt1Failed]).when({ type: 'TimeOutExecution', timeoutSeconds: 300, at: t50 }).thenNothing();
  });
});

describe('Reports of an attempt that is over', () => {
  test('attempt 1 reporting SUCCESS after attempt 2 began is recorded; attempt 2 stays as it was', () => {
    const history = [created, started, attempt1Failed, retry2, started2];
    given(executionDecider, history)
      .when(report('SUCCESS', { attempt: 1, at: t50 }))
      .then([{ type: 'ExecutionStaleReportReceived', data: { ...ref, at: t50, attempt: 1, currentAttempt: 2, reportedStatus: 'SUCCESS', error: null } }]);
    const after = given(executionDecider, [
      ...history,
      { type: 'ExecutionStaleReportReceived', data: { ...ref, at: t50, attempt: 1, currentAttempt: 2, reportedStatus: 'SUCCESS', error: null } },
    ]).state;
    expect(after).toMatchObject({ status: 'RUNNING', attempt: 2 });
    expect(
      reportOutcome({ state: after, events: [{ type: 'ExecutionStaleReportReceived' }] }),
    ).toEqual({ kind: 'late', status: 'RUNNING' });
  });

  test('on the v1 route the same report is refused with 409 naming the current attempt', () => {
    const error = given(executionDecider, [created, started, attempt1Failed, retry2])
      .when(report('SUCCESS', { attempt: 1, route: 'v1' }))
      .thenThrows(ConflictError, /attempt 1/);
    expect(error.details).toEqual(['attempt: 2', 'status: PENDING']);
  });

  test('a report without an attempt while RETRYING is recorded, except a repeat of the FAILED that ended the attempt', () => {
    given(executionDecider, [created, started, attempt1Failed])
      .when(report('SUCCESS'))
      .then([{ type: 'ExecutionStaleReportReceived', data: { ...ref, at: t10, attempt: null, currentAttempt: 1, reportedStatus: 'SUCCESS', error: null } }]);
    given(executionDecider, [created, started, attempt1Failed]).when(report('FAILED', { error: 'disk full' })).thenNothing();
  });

  test('a report naming an attempt that has not begun is 409', () => {
    given(executionDecider, [created, started]).when(report('SUCCESS', { attempt: 2 })).thenThrows(ConflictError, /has not begun/);
  });

  test('a report naming the current attempt applies as usual', () => {
    given(executionDecider, [created, attempt1Failed, retry2, started2])
      .when(report('SUCCESS', { attempt: 2, at: '2025-03-01T02:01:00.000Z' }))
      .then([{ type: 'ExecutionSucceeded', data: { ...ref, at: '2025-03-01T02:01:00.000Z', exitCode: null, durationMs: 10000, metrics: null } }]);
  });
});

describe('Backoff', () => {
  const fixed: RetryPolicy = { ...policy, backoff: 'fixed', delaySeconds: 10 };
  test('fixed backoff waits the same delay after every attempt', () => {
    expect([1, 2, 5].map((n) => retryDelayMs(fixed, n, 0))).toEqual([10_000, 10_000, 10_000]);
  });

  test('exponential backoff doubles from the first delay and stops at the max delay', () => {
    const exponential: RetryPolicy = { ...policy, delaySeconds: 10, maxDelaySeconds: 60 };
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(exponential, n, 0))).toEqual([10_000, 20_000, 40_000, 60_000, 60_000]);
    expect(retryDelayMs({ ...exponential, maxDelaySeconds: null }, 20, 0)).toBe(10_000 * 2 ** 19);
  });

  test('equal jitter keeps every delay between half the planned delay and all of it', () => {
    const jittered: RetryPolicy = { ...policy, delaySeconds: 10, maxDelaySeconds: 60, jitter: true };
    expect(retryDelayMs(jittered, 1, 0)).toBe(5_000);
    expect(retryDelayMs(jittered, 1, 0.999999)).toBe(10_000);
    for (let i = 0; i < 500; i++) {
      const attempt = 1 + (i % 6);
      const planned = retryDelayMs({ ...jittered, jitter: false }, attempt, 0);
      const delay = retryDelayMs(jittered, attempt, jitterFraction(`exec-${i}`, attempt));
      expect(delay).toBeGreaterThanOrEqual(planned / 2);
      expect(delay).toBeLessThanOrEqual(planned);
    }
  });

  test('the jitter comes from the execution id and the attempt: the same every time, different across executions', () => {
    expect(jitterFraction('e1', 1)).toBe(jitterFraction('e1', 1));
    expect(jitterFraction('e1', 1)).not.toBe(jitterFraction('e1', 2));
    expect(jitterFraction('e1', 1)).not.toBe(jitterFraction('e2', 1));
    const fractions = Array.from({ length: 200 }, (_, i) => jitterFraction(`x${i}`, 1));
    expect(Math.min(...fractions)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...fractions)).toBeLessThan(1);
  });

  test('the decider records the jittered retry time', () => {
    const jittered: RetryPolicy = { ...policy, jitter: true };
    const [event] = executionDecider.decide(report('FAILED'), given(executionDecider, [createdWith(jittered), started]).state);
    const expected = Date.parse(t10) + retryDelayMs(jittered, 1, jitterFraction('e1', 1));
    expect(event).toMatchObject({ type: 'ExecutionAttemptFailed', data: { retryAt: new Date(expected).toISOString() } });
  });
});
