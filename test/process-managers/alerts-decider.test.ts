import type { AlertCommand, AlertTarget, HandleExecutionFailed, HandleExecutionSucceeded } from '../../src/commands/alerts/alert-commands';
import { ALERT_RETRY, alertsDecider, retryDelayMs } from '../../src/commands/alerts/alert-decider';
import { alertId, alertMessageId, incidentId } from '../../src/commands/alerts/alert-ids';
import type { AlertEvent } from '../../src/events/alert-events';
import type { AlertPolicy } from '../../src/events/project-events';
import { decideInTurn, given } from '../support/given-when-then';

const taskId = '11111111-1111-4111-8111-111111111111';
const projectId = '22222222-2222-4222-8222-222222222222';
const exec = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const minutes = (m: number) => new Date(T0 + m * 60_000).toISOString();

const POLICY: AlertPolicy = { afterFailures: 1, notifyRecovery: true, realertMinutes: null };
const EMAIL: AlertTarget = { channel: 'email', recipients: ['ops@example.com'], notSentReason: null };
const WEBHOOK: AlertTarget = { channel: 'webhook', recipients: ['https://hooks.example.com/alerts'], notSentReason: null };

function failed(n: number, fields: Partial<HandleExecutionFailed> = {}): HandleExecutionFailed {
  return {
    type: 'HandleExecutionFailed',
    taskId,
    projectId,
    executionId: exec(n),
    sourcePosition: n * 10,
    endedAt: minutes(n),
    policy: POLICY,
    targets: [EMAIL],
    facts: { projectName: 'Billing', taskName: 'nightly', error: `boom ${n}`, link: `https://co.example.com/projects/${projectId}/tasks/${taskId}?execution=${exec(n)}` },
    at: minutes(n),
    status: 'FAILED',
    consecutiveFailures: n,
    ...fields,
  };
}

function succeeded(n: number, fields: Partial<HandleExecutionSucceeded> = {}): HandleExecutionSucceeded {
  const { status: _s, consecutiveFailures: _c, ...rest } = failed(n);
  return { ...rest, type: 'HandleExecutionSucceeded', facts: { ...rest.facts, error: null }, ...fields };
}

/** The events a command produces over a history (decided one after another). */
const decideAll = (history: AlertEvent[], ...commands: AlertCommand[]): AlertEvent[] => decideInTurn(alertsDecider, history, ...commands);

const types = (events: AlertEvent[]) => events.map((e) => e.type);

describe('alerts decider', () => {
  it('opens an incident on the first failure and intends one mail with a deterministic Message-ID', () => {
    const id = alertId(taskId, exec(1), 'failure');
    given(alertsDecider)
      .when(failed(1))
      .then([
        {
          type: 'AlertIncidentOpened',
          data: {
            taskId,
            projectId,
            executionId: exec(1),
            sourcePosition: '10',
            incidentId: incidentId(taskId, exec(1)),
            status: 'FAILED',
            consecutiveFailures: 1,
            openedAt: minutes(1),
          },
        },
        {
          type: 'AlertSendIntended',
          data: {
            taskId,
            projectId,
            executionId: exec(1),
            sourcePosition: '10',
            alertId: id,
            incidentId: incidentId(taskId, exec(1)),
            kind: 'failure',
            subject: '[Cron Observer] FAILED: nightly in Billing',
            triggeredAt: minutes(1),
            channel: 'email',
            recipients: ['ops@example.com'],
            messageId: `<alert-${id}@cron-observer>`,
            inReplyTo: null,
            content: {
              projectName: 'Billing',
              taskName: 'nightly',
              status: 'FAILED',
              error: 'boom 1',
              endedAt: minutes(1),
              consecutiveFailures: 1,
              link: `https://co.example.com/projects/${projectId}/tasks/${taskId}?execution=${exec(1)}`,
            },
            intendedAt: minutes(1),
          },
        },
      ]);
    expect(alertId(taskId, exec(1), 'failure')).toBe(id); // stable across calls and processes
    expect(alertId(taskId, exec(1), 'realert')).not.toBe(id);
  });

  it('never alerts twice for one execution, nor re-decides an event older than one already decided', () => {
    const history = decideAll([], failed(1));
    given(alertsDecider, history).when(failed(1)).thenNothing();
    given(alertsDecider, history).when(failed(1, { consecutiveFailures: 2, sourcePosition: 99 })).thenNothing();
    // A success that comes before the decided failure in $all (re-delivered after a crash) changes nothing.
    given(alertsDecider, history).when(succeeded(0, { sourcePosition: 5 })).thenNothing();
  });

  it('waits for afterFailures consecutive failures', () => {
    const policy = { ...POLICY, afterFailures: 3 };
    given(alertsDecider).when(failed(1, { policy })).thenNothing();
    given(alertsDecider).when(failed(2, { policy })).thenNothing();
    expect(types(decideAll([], failed(3, { policy })))).toEqual(['AlertIncidentOpened', 'AlertSendIntended']);
  });

  it('keeps one incident per task: later failures send nothing without a realert interval', () => {
    given(alertsDecider, decideAll([], failed(1))).when(failed(2)).thenNothing();
  });

  it('re-alerts on the first failure at least realertMinutes after the last alert, threaded to the first mail', () => {
    const policy = { ...POLICY, realertMinutes: 10 };
    const history = decideAll([], failed(1, { policy }));
    given(alertsDecider, history).when(failed(5, { policy })).thenNothing(); // 4 minutes later
    const events = decideAll(history, failed(5, { policy }), failed(11, { policy }), failed(15, { policy }), failed(21, { policy }));
    expect(events.map((e) => [e.type, (e.data as { kind?: string }).kind, (e.data as { executionId?: string }).executionId])).toEqual([
      ['AlertSendIntended', 'realert', exec(11)],
      ['AlertSendIntended', 'realert', exec(21)],
    ]);
    const first = events[0] as Extract<AlertEvent, { type: 'AlertSendIntended' }>;
    expect(first.data.inReplyTo).toBe(alertMessageId(alertId(taskId, exec(1), 'failure')));
    expect(first.data.subject).toBe('[Cron Observer] Still failing (11 in a row, last FAILED): nightly in Billing');
  });

  it('resolves the incident on the next success, with a recovery notice when enabled', () => {
    const history = decideAll([], failed(1));
    const recovery = decideAll(history, succeeded(2));
    expect(types(recovery)).toEqual(['AlertIncidentResolved', 'AlertSendIntended']);
    expect(recovery[1]!.data).toMatchObject({ kind: 'recovery', subject: '[Cron Observer] Recovered: nightly in Billing', content: { status: 'SUCCESS', error: null } });
    const quiet = decideAll(history, succeeded(2, { policy: { ...POLICY, notifyRecovery: false } }));
    expect(types(quiet)).toEqual(['AlertIncidentResolved']);
    // A success with no incident open does nothing; after a recovery the next failure opens a new incident.
    given(alertsDecider).when(succeeded(2)).thenNothing();
    expect(types(decideAll([...history, ...quiet], failed(3)))).toEqual(['AlertIncidentOpened', 'AlertSendIntended']);
  });

  it('records an alert that cannot be sent as AlertNotSent, and intends the webhook beside the mail', () => {
    const noServer: AlertTarget = { channel: 'email', recipients: ['ops@example.com'], notSentReason: 'no mail server' };
    const events = decideAll([], failed(1, { targets: [noServer, WEBHOOK] }));
    expect(types(events)).toEqual(['AlertIncidentOpened', 'AlertNotSent', 'AlertSendIntended']);
    expect(events[1]!.data).toMatchObject({ channel: 'email', reason: 'no mail server', kind: 'failure' });
    expect(events[2]!.data).toMatchObject({ channel: 'webhook', recipients: ['https://hooks.example.com/alerts'] });
  });

  describe('deliveries', () => {
    const id = alertId(taskId, exec(1), 'failure');
    const intended = decideAll([], failed(1, { targets: [EMAIL, WEBHOOK] }));
    const result = (attempt: number, ok: boolean, at = minutes(1), permanent = false): AlertCommand => ({
      type: 'RecordSendResult',
      alertId: id,
      channel: 'email',
      attempt,
      result: ok ? { ok: true, response: '250 OK' } : { ok: false, reason: 'ECONNREFUSED', permanent, outcome: 'network_error' },
      at,
    });

    it('records one outcome per attempt', () => {
      const sent = decideAll(intended, result(1, true));
      expect(sent).toEqual([{ type: 'AlertSent', data: { taskId, projectId, alertId: id, channel: 'email', attempt: 1, at: minutes(1), response: '250 OK' } }]);
      given(alertsDecider, [...intended, ...sent]).when(result(1, true)).thenNothing();
      given(alertsDecider, [...intended, ...sent]).when(result(1, false)).thenNothing();
      // The webhook delivery is independent.
      expect(types(decideAll([...intended, ...sent], { ...result(1, true), channel: 'webhook' } as AlertCommand))).toEqual(['AlertSent']);
    });

    it('backs off after a failure, claims each retry once, and gives up on a permanent refusal', () => {
      const failedOnce = decideAll(intended, result(1, false));
      expect(failedOnce[0]).toEqual({
        type: 'AlertSendFailed',
        data: { taskId, projectId, alertId: id, channel: 'email', attempt: 1, at: minutes(1), reason: 'ECONNREFUSED', retryAt: new Date(T0 + 60_000 + 5_000).toISOString(), outcome: 'network_error' },
      });
      const history = [...intended, ...failedOnce];
      const retry = (attempt: number, reason: 'backoff' | 'resumed' = 'backoff'): AlertCommand => ({ type: 'RetrySend', alertId: id, channel: 'email', attempt, reason, at: minutes(2) });
      given(alertsDecider, history).when(retry(3)).thenNothing(); // not the next attempt
      given(alertsDecider, history).when(retry(2, 'resumed')).thenNothing(); // nothing in flight to resume
      const claimed = decideAll(history, retry(2));
      expect(claimed).toEqual([{ type: 'AlertSendRetrying', data: { taskId, projectId, alertId: id, channel: 'email', attempt: 2, reason: 'backoff', at: minutes(2) } }]);
      given(alertsDecider, [...history, ...claimed]).when(retry(2)).thenNothing(); // the other instance loses
      given(alertsDecider, [...history, ...claimed]).when(result(1, true)).thenNothing(); // stale attempt
      const givenUp = decideAll([...history, ...claimed], result(2, false, minutes(2), true));
      expect(givenUp[0]!.data).toMatchObject({ attempt: 2, retryAt: null });
      given(alertsDecider, [...history, ...claimed, ...givenUp]).when(retry(3)).thenNothing();
    });

    it('resumes an attempt left in flight once, with the next attempt number', () => {
      const resume: AlertCommand = { type: 'RetrySend', alertId: id, channel: 'email', attempt: 2, reason: 'resumed', at: minutes(3) };
      const claimed = decideAll(intended, resume);
      expect(claimed[0]!.data).toMatchObject({ attempt: 2, reason: 'resumed' });
      given(alertsDecider, [...intended, ...claimed]).when(resume).thenNothing();
    });

    it('doubles the delay up to a cap and gives up after a day of retries', () => {
      expect([1, 2, 3, 4, 10].map(retryDelayMs)).toEqual([5_000, 10_000, 20_000, 40_000, ALERT_RETRY.maxDelayMs]);
      const late = decideAll(intended, result(1, false, new Date(T0 + 60_000 + ALERT_RETRY.giveUpAfterMs).toISOString()));
      expect(late[0]!.data).toMatchObject({ retryAt: null, reason: expect.stringMatching(/given up after retrying for 24 hours/) });
    });
  });
});
