import { dispatchDecider, type DispatchDeciderEvent, dispatchRefusal, type RecordDispatchOutcome } from '../../src/commands/dispatch/dispatch-decider';
import { executionDecider } from '../../src/commands/execution/execution-decider';
import type { ExecutionDeciderEvent } from '../../src/commands/execution/execution-state';
import { foldEvents } from '../../src/commands/decider';
import { ConflictError } from '../../src/errors/app-error';
import type { ExecutionRef } from '../../src/events/execution-events';
import { backoffMs, DEFAULT_DISPATCH_SETTINGS } from '../../src/process-managers/dispatcher/dispatch-settings';
import { displayUrl } from '../../src/process-managers/dispatcher/dispatch-request';
import { computeSignature, signatureHeader, verifySignature } from '../../src/process-managers/dispatcher/webhook-signature';
import { given } from '../support/given-when-then';

const ref: ExecutionRef = { executionId: 'e1', taskId: 't1', projectId: 'p1' };
const t0 = '2026-03-01T02:00:00.000Z';
const t1 = '2026-03-01T02:00:01.000Z';
const t2 = '2026-03-01T02:00:02.000Z';

const created: DispatchDeciderEvent = {
  type: 'ExecutionCreated',
  data: {
    ...ref,
    taskName: 'nightly',
    scheduledAt: t0,
    triggerType: 'SCHEDULED',
    attempt: 1,
    executionMode: 'push',
    timeoutSeconds: null,
    startDeadlineSeconds: null,
    createdAt: t0,
  },
};
const attempted = (attempt: number, at = t1): DispatchDeciderEvent => ({ type: 'ExecutionDispatchAttempted', data: { ...ref, attempt, url: 'http://x/run', at } });
const failed = (attempt: number, nextAttemptAt: string | null, retryable = true): DispatchDeciderEvent => ({
  type: 'ExecutionDispatchFailed',
  data: { ...ref, attempt, reason: 'HTTP 503', retryable, status: 503, durationMs: 5, nextAttemptAt, at: t1 },
});
const succeeded: DispatchDeciderEvent = { type: 'ExecutionSucceeded', data: { ...ref, at: t2, exitCode: null, durationMs: 1, metrics: null } };
const attempt = (n: number) => ({ type: 'RecordDispatchAttempt' as const, attempt: n, url: 'http://x/run', at: t1 });
const outcome = (n: number, kind: 'dispatched' | 'unknown' = 'dispatched'): RecordDispatchOutcome => ({
  type: 'RecordDispatchOutcome',
  attempt: n,
  outcome: kind === 'dispatched' ? { kind, status: 200, durationMs: 3 } : { kind, reason: 'crashed' },
  at: t2,
});

describe('dispatch decider', () => {
  test('records attempt 1 of a PENDING execution, and only once', () => {
    given(dispatchDecider, [created]).when(attempt(1)).then([attempted(1)]);
    given(dispatchDecider, [created, attempted(1)]).when(attempt(1)).thenNothing();
  });

  test('no attempt once a report arrived or the execution ended', () => {
    given(dispatchDecider, [created, succeeded]).when(attempt(1)).thenNothing();
    const started: DispatchDeciderEvent = { type: 'ExecutionStarted', data: { ...ref, at: t1, claimedBy: null } };
    given(dispatchDecider, [created, started]).when(attempt(1)).thenNothing();
    expect(dispatchRefusal(foldEvents(dispatchDecider, [created, succeeded]), 1)).toMatch(/SUCCESS/);
  });

  test('attempt N+1 only after attempt N failed retryably with a next attempt planned', () => {
    given(dispatchDecider, [created, attempted(1)]).when(attempt(2)).thenNothing(); // still in flight
    given(dispatchDecider, [created, attempted(1), failed(1, t2)]).when(attempt(2)).then([attempted(2)]);
    given(dispatchDecider, [created, attempted(1), failed(1, t2)]).when(attempt(3)).thenNothing();
    given(dispatchDecider, [created, attempted(1), failed(1, null, false)]).when(attempt(2)).thenNothing();
    given(dispatchDecider, [created, attempted(1), failed(1, t2), succeeded]).when(attempt(2)).thenNothing();
  });

  test('an outcome only for the attempt in flight, once', () => {
    given(dispatchDecider, [created, attempted(1)]).when(outcome(1)).then([{ type: 'ExecutionDispatched', data: { ...ref, attempt: 1, status: 200, durationMs: 3, at: t2 } }]);
    given(dispatchDecider, [created, attempted(1), failed(1, t2)]).when(outcome(1)).thenNothing();
    given(dispatchDecider, [created]).when(outcome(1)).thenNothing();
    // Also after the executor reported inside the request (the original's executors do).
    given(dispatchDecider, [created, attempted(1), succeeded])
      .when(outcome(1, 'unknown'))
      .then([{ type: 'ExecutionDispatchOutcomeUnknown', data: { ...ref, attempt: 1, reason: 'crashed', at: t2 } }]);
  });

  test('abandons a planned retry; nothing to abandon when never sent and the execution moved on, or when over', () => {
    const abandon = { type: 'AbandonDispatch' as const, reason: 'report arrived', at: t2 };
    given(dispatchDecider, [created, attempted(1), failed(1, t2), succeeded])
      .when(abandon)
      .then([{ type: 'ExecutionDispatchAbandoned', data: { ...ref, attempts: 1, reason: 'report arrived', at: t2 } }]);
    given(dispatchDecider, [created]).when(abandon).then([{ type: 'ExecutionDispatchAbandoned', data: { ...ref, attempts: 0, reason: 'report arrived', at: t2 } }]);
    given(dispatchDecider, [created, succeeded]).when(abandon).thenNothing();
    given(dispatchDecider, [created, attempted(1)]).when(abandon).thenNothing();
    given(dispatchDecider, [created, attempted(1), failed(1, null)]).when(abandon).thenNothing();
  });

  test('the execution decider folds dispatch events without changing the status', () => {
    const state = foldEvents(executionDecider, [created, attempted(1), failed(1, t2)] as ExecutionDeciderEvent[]);
    expect(state).toMatchObject({ status: 'PENDING' });
  });
});

describe('claim leases (execution decider)', () => {
  const pullCreated = { ...created, data: { ...created.data, executionMode: 'pull' } } as ExecutionDeciderEvent;
  const claim = (claimedBy: string, at: string) => ({ type: 'ClaimExecution' as const, projectId: 'p1', claimedBy, leaseSeconds: 300, at });
  const claimedBy = (worker: string, at: string): ExecutionDeciderEvent => ({ type: 'ExecutionStarted', data: { ...ref, at, claimedBy: worker } });
  const t5m = '2026-03-01T02:05:01.000Z';

  test('another claimer takes over an unconfirmed claim once its lease has passed, not before', () => {
    given(executionDecider, [pullCreated, claimedBy('a', t1)]).when(claim('b', '2026-03-01T02:05:00.999Z')).thenThrows(ConflictError, /only a PENDING/);
    given(executionDecider, [pullCreated, claimedBy('a', t1)])
      .when(claim('b', t5m))
      .then([
        { type: 'ExecutionClaimLapsed', data: { ...ref, claimedBy: 'a', claimedAt: t1, leaseSeconds: 300, at: t5m } },
        { type: 'ExecutionStarted', data: { ...ref, at: t5m, claimedBy: 'b' } },
      ]);
  });

  test("the claimer's RUNNING report confirms the claim, which then never lapses", () => {
    const report = { type: 'ReportExecutionStatus' as const, projectId: 'p1', status: 'RUNNING' as const, route: 'compat' as const, at: t2 };
    const confirmed: ExecutionDeciderEvent = { type: 'ExecutionClaimConfirmed', data: { ...ref, claimedBy: 'a', at: t2 } };
    given(executionDecider, [pullCreated, claimedBy('a', t1)]).when(report).then([confirmed]);
    given(executionDecider, [pullCreated, claimedBy('a', t1), confirmed]).when(report).thenNothing();
    given(executionDecider, [pullCreated, claimedBy('a', t1), confirmed]).when(claim('b', t5m)).thenThrows(ConflictError);
  });

  test('without a lease in the command, claims behave as before (no lapse)', () => {
    given(executionDecider, [pullCreated, claimedBy('a', t1)])
      .when({ type: 'ClaimExecution', projectId: 'p1', claimedBy: 'b', at: t5m })
      .thenThrows(ConflictError);
  });
});

describe('webhook signatures', () => {
  test('match the example in README.md', () => {
    expect(computeSignature('whsec_example', 1767225600, '{}')).toBe('6bbc2e217ae6cc30ea42c1a53abb4f941db79f555ead79ec4c6a5023a4688659');
  });

  test('verify with any of the secrets, within the tolerance, over the exact body', () => {
    const body = '{"task_name":"nightly"}';
    const header = signatureHeader(['new', 'old'], 1000, body);
    expect(header.split(',')).toHaveLength(2);
    const check = (overrides: Partial<Parameters<typeof verifySignature>[0]>) =>
      verifySignature({ secrets: ['old'], timestampHeader: '1000', signatureHeader: header, body, nowSeconds: 1010, ...overrides });
    expect(check({})).toBe(true);
    expect(check({ secrets: ['new'] })).toBe(true);
    expect(check({ secrets: ['other'] })).toBe(false);
    expect(check({ body: `${body} ` })).toBe(false);
    expect(check({ nowSeconds: 1000 + 301 })).toBe(false);
    expect(check({ timestampHeader: '999' })).toBe(false);
  });
});

test('backoff doubles from the base, is capped, and respects Retry-After', () => {
  const settings = DEFAULT_DISPATCH_SETTINGS;
  expect([1, 2, 3, 4].map((n) => backoffMs(settings, n, null))).toEqual([5_000, 10_000, 20_000, 40_000]);
  expect(backoffMs(settings, 20, null)).toBe(settings.backoffMaxMs);
  expect(backoffMs(settings, 1, 60_000)).toBe(60_000);
  expect(backoffMs(settings, 1, 1e9)).toBe(settings.backoffMaxMs);
});

test('events show the endpoint without credentials or query values', () => {
  expect(displayUrl('https://user:pw@jobs.example.com:8443/run?token=s3cret')).toBe('https://jobs.example.com:8443/run?…');
  expect(displayUrl('http://127.0.0.1:9/run')).toBe('http://127.0.0.1:9/run');
});
