import type { AlertCommand, AlertTarget, HandleDurationBreach, HandleExecutionFailed, HandleExecutionSucceeded } from '../../src/commands/alerts/alert-commands';
import { alertsDecider } from '../../src/commands/alerts/alert-decider';
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
const facts = (n: number) => ({ projectName: 'Billing', taskName: 'nightly', error: null, link: `https://co.example.com/x?execution=${exec(n)}` });

function breach(n: number, fields: Partial<HandleDurationBreach> = {}): HandleDurationBreach {
  return {
    type: 'HandleDurationBreach',
    kind: 'long_running',
    taskId,
    projectId,
    executionId: exec(n),
    sourcePosition: n * 10,
    status: 'RUNNING',
    measuredAt: minutes(n),
    detail: 'still running after 11 min; the limit is 10 min',
    targets: [EMAIL],
    facts: facts(n),
    at: minutes(n),
    ...fields,
  };
}

const ended = (n: number) => ({ taskId, projectId, executionId: exec(n), sourcePosition: n * 10, endedAt: minutes(n), policy: POLICY, targets: [EMAIL], at: minutes(n) });
const failed = (n: number, consecutiveFailures = 1): HandleExecutionFailed => ({
  ...ended(n),
  type: 'HandleExecutionFailed',
  status: 'FAILED',
  consecutiveFailures,
  facts: { ...facts(n), error: 'boom' },
});
const succeeded = (n: number): HandleExecutionSucceeded => ({ ...ended(n), type: 'HandleExecutionSucceeded', facts: facts(n) });

const decideAll = (...commands: AlertCommand[]): AlertEvent[] => decideInTurn(alertsDecider, [], ...commands);

describe('duration alerts in the alerts decider', () => {
  it('intends one alert of its kind, standing alone: its own id, thread and "incident", saying the threshold', () => {
    const id = alertId(taskId, exec(1), 'long_running');
    given(alertsDecider)
      .when(breach(1))
      .then([
        {
          type: 'AlertSendIntended',
          data: {
            taskId,
            projectId,
            executionId: exec(1),
            sourcePosition: '10',
            alertId: id,
            incidentId: id,
            kind: 'long_running',
            subject: '[Cron Observer] Running too long: nightly in Billing',
            triggeredAt: minutes(1),
            channel: 'email',
            recipients: ['ops@example.com'],
            messageId: alertMessageId(id),
            inReplyTo: null,
            content: {
              projectName: 'Billing',
              taskName: 'nightly',
              link: facts(1).link,
              status: 'RUNNING',
              error: null,
              endedAt: minutes(1),
              consecutiveFailures: 0,
              detail: 'still running after 11 min; the limit is 10 min',
            },
            intendedAt: minutes(1),
          },
        },
      ]);
  });

  it('alerts each kind once per execution, whatever repeats it (a timer and the end, two instances, a replay)', () => {
    const events = decideAll(breach(1), breach(1, { status: 'SUCCESS', measuredAt: minutes(2) }), breach(1, { kind: 'slow' }), breach(1, { kind: 'slow' }));
    expect(events.map((e) => (e.type === 'AlertSendIntended' ? e.data.kind : e.type))).toEqual(['long_running', 'slow']);
  });

  it('a late or long run that then fails still opens the incident, and its success still resolves one', () => {
    const lateThenFails = decideAll(breach(1, { kind: 'late_start' }), failed(1));
    expect(lateThenFails.map((e) => e.type)).toEqual(['AlertSendIntended', 'AlertIncidentOpened', 'AlertSendIntended']);
    expect(lateThenFails[1]!.data).toMatchObject({ incidentId: incidentId(taskId, exec(1)) });

    // Decided from the same event as the success that resolves the incident: neither hides the other.
    const slowRecovery = decideAll(failed(1), breach(2, { kind: 'slow', status: 'SUCCESS' }), succeeded(2));
    expect(slowRecovery.map((e) => (e.type === 'AlertSendIntended' ? `${e.type}:${e.data.kind}` : e.type))).toEqual([
      'AlertIncidentOpened',
      'AlertSendIntended:failure',
      'AlertSendIntended:slow',
      'AlertIncidentResolved',
      'AlertSendIntended:recovery',
    ]);
  });

  it('neither opens nor re-alerts an incident: a slow success during an incident leaves it open', () => {
    const events = decideAll(failed(1), breach(2, { kind: 'slow', status: 'SUCCESS' }), failed(3, 2));
    expect(events.filter((e) => e.type === 'AlertIncidentOpened')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'AlertIncidentResolved')).toHaveLength(0);
  });

  it('records why a target cannot send, like any alert', () => {
    const events = decideAll(breach(1, { targets: [{ channel: 'email', recipients: [], notSentReason: 'no recipients' }] }), breach(1));
    expect(events.map((e) => e.type)).toEqual(['AlertNotSent']);
  });
});
