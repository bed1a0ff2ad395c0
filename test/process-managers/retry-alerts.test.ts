import type { AlertTarget, HandleExecutionFailed, HandleExecutionSucceeded } from '../../src/commands/alerts/alert-commands';
import { alertsDecider } from '../../src/commands/alerts/alert-decider';
import { AlertDirectory } from '../../src/process-managers/alerts/alert-directory';
import { decideInTurn } from '../support/given-when-then';
import { testEvent } from '../support/test-events';

const projectId = 'p1';
const taskId = 't1';
const at = '2026-03-01T10:00:00.000Z';
const ref = { executionId: 'e1', taskId, projectId };

function directoryOf(events: Array<[type: string, data: Record<string, unknown>]>): { directory: AlertDirectory; ends: unknown[] } {
  const directory = new AlertDirectory();
  const ends = events.map(([type, data], i) => directory.apply({ ...testEvent(type, data), streamId: `x-${i}`, revision: 0, position: i }));
  return { directory, ends };
}

const setup: Array<[string, Record<string, unknown>]> = [
  ['ProjectCreated', { projectId, name: 'Billing', description: null, executionEndpoint: null, timezone: 'UTC', createdBy: 'u1', createdAt: at }],
  ['TaskCreated', { taskId, projectId, name: 'nightly', alertPolicy: null, status: 'ACTIVE', createdAt: at }],
];
const attemptFailed = (attempt: number, alert: 'exhausted' | 'every_attempt'): [string, Record<string, unknown>] => [
  'ExecutionAttemptFailed',
  { ...ref, attempt, outcome: 'FAILED', at, error: 'disk full', exitCode: 1, durationMs: 5, retryAt: '2026-03-01T10:00:30.000Z', alert },
];
const finalFailure: [string, Record<string, unknown>] = ['ExecutionFailed', { ...ref, at, exitCode: 1, durationMs: 5, metrics: null, error: 'disk full' }];

describe('alerts with retries', () => {
  test('by default a failed attempt alerts nobody; the exhausted execution does, counted as one failure', () => {
    const { ends } = directoryOf([...setup, attemptFailed(1, 'exhausted'), attemptFailed(2, 'exhausted'), finalFailure]);
    expect(ends.slice(2, 4)).toEqual([null, null]);
    expect(ends[4]).toMatchObject({ outcome: 'failure', status: 'FAILED', executionId: 'e1', consecutiveFailures: 1 });
  });

  test('with every_attempt each failed attempt is a failure (once each, also when delivered twice)', () => {
    const { ends } = directoryOf([...setup, attemptFailed(1, 'every_attempt'), attemptFailed(1, 'every_attempt'), attemptFailed(2, 'every_attempt'), finalFailure]);
    expect(ends[2]).toMatchObject({ outcome: 'failure', status: 'FAILED', executionId: 'e1', consecutiveFailures: 1, error: expect.stringMatching(/^Attempt 1 failed \(FAILED: disk full\); next attempt at/) });
    expect(ends[3]).toBeNull();
    expect(ends[4]).toMatchObject({ consecutiveFailures: 2 });
    expect(ends[5]).toMatchObject({ outcome: 'failure', consecutiveFailures: 3 });
  });

  test("an incident opened by a failed attempt is resolved by the same execution's success", () => {
    const base = {
      taskId: '11111111-1111-4111-8111-111111111111',
      projectId: '22222222-2222-4222-8222-222222222222',
      executionId: '00000000-0000-4000-8000-000000000001',
      policy: { afterFailures: 1, notifyRecovery: true, realertMinutes: null },
      targets: [{ channel: 'email', recipients: ['ops@example.com'], notSentReason: null } as AlertTarget],
      facts: { projectName: 'Billing', taskName: 'nightly', error: null, link: 'https://co.example.com/x' },
      at,
      endedAt: at,
    };
    const failed: HandleExecutionFailed = { ...base, type: 'HandleExecutionFailed', sourcePosition: 10, status: 'FAILED', consecutiveFailures: 1 };
    const again: HandleExecutionFailed = { ...failed, sourcePosition: 20, consecutiveFailures: 2 };
    const succeeded: HandleExecutionSucceeded = { ...base, type: 'HandleExecutionSucceeded', sourcePosition: 30 };
    const events = decideInTurn(alertsDecider, [], failed, again, succeeded);
    expect(events.map((e) => e.type)).toEqual(['AlertIncidentOpened', 'AlertSendIntended', 'AlertIncidentResolved', 'AlertSendIntended']);
    expect(events[3]).toMatchObject({ data: { kind: 'recovery' } });
  });
});
