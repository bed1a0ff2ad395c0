import type { HandleExecutionFailed } from '../../src/commands/alerts/alert-commands';
import { alertsDecider } from '../../src/commands/alerts/alert-decider';
import { alertId } from '../../src/commands/alerts/alert-ids';
import { deliveryKey } from '../../src/commands/alerts/alert-state';
import type { AlertEvent } from '../../src/events/alert-events';
import { foldEvents } from '../../src/commands/decider';

const taskId = '11111111-1111-4111-8111-111111111111';
const projectId = '22222222-2222-4222-8222-222222222222';
const executionId = '00000000-0000-4000-8000-000000000001';
const at = '2026-03-01T10:00:00.000Z';

const failed: HandleExecutionFailed = {
  type: 'HandleExecutionFailed',
  taskId,
  projectId,
  executionId,
  sourcePosition: 10,
  endedAt: at,
  policy: { afterFailures: 1, notifyRecovery: true, realertMinutes: null },
  targets: [
    { channel: 'email', recipients: ['ops@example.com'], notSentReason: null },
    { channel: 'slack', channelId: 'ops', recipients: ['ops: https://hooks.slack.com/…abcd'], notSentReason: null },
    { channel: 'slack', channelId: 'dev', recipients: ['dev: https://hooks.slack.com/…wxyz'], notSentReason: null },
  ],
  facts: { projectName: 'Billing', taskName: 'nightly', error: 'boom', link: 'https://co.example.com/x' },
  at,
  status: 'FAILED',
  consecutiveFailures: 1,
};

/** Two channels of one vendor are two deliveries: each has its own outcome and retries, keyed by the channel's id. */
describe('alert deliveries to the project\'s channels', () => {
  it('intends one delivery per channel and retries only the one that failed', () => {
    const intended = alertsDecider.decide(failed, alertsDecider.initialState);
    expect(intended.filter((e) => e.type === 'AlertSendIntended').map((e) => [e.data.channel, (e.data as { channelId?: string }).channelId])).toEqual([
      ['email', undefined],
      ['slack', 'ops'],
      ['slack', 'dev'],
    ]);
    let state = foldEvents(alertsDecider, intended);
    const id = alertId(taskId, executionId, 'failure');
    expect(Object.keys(state.pending).sort()).toEqual([deliveryKey(id, 'email'), deliveryKey(id, 'slack', 'dev'), deliveryKey(id, 'slack', 'ops')].sort());

    const outage = { ok: false as const, reason: 'slack answered HTTP 503', permanent: false, outcome: 'http_error' as const };
    const results: AlertEvent[] = [
      ...alertsDecider.decide({ type: 'RecordSendResult', alertId: id, channel: 'slack', channelId: 'ops', attempt: 1, result: outage, at }, state),
      ...alertsDecider.decide({ type: 'RecordSendResult', alertId: id, channel: 'slack', channelId: 'dev', attempt: 1, result: { ok: true, response: 'HTTP 200' }, at }, state),
    ];
    expect(results.map((e) => [e.type, e.data.channelId])).toEqual([
      ['AlertSendFailed', 'ops'],
      ['AlertSent', 'dev'],
    ]);
    state = results.reduce(alertsDecider.evolve, state);
    expect(state.pending[deliveryKey(id, 'slack', 'ops')]).toMatchObject({ status: 'waiting', retryAt: '2026-03-01T10:00:05.000Z', channelId: 'ops' });
    expect(state.pending[deliveryKey(id, 'slack', 'dev')]).toBeUndefined();

    // The retry claims the failed channel's next attempt; the other channel has nothing to retry.
    const retry = { type: 'RetrySend' as const, alertId: id, channel: 'slack' as const, attempt: 2, reason: 'backoff' as const, at: '2026-03-01T10:00:05.000Z' };
    expect(alertsDecider.decide({ ...retry, channelId: 'ops' }, state).map((e) => [e.type, e.data.channelId])).toEqual([['AlertSendRetrying', 'ops']]);
    expect(alertsDecider.decide({ ...retry, channelId: 'dev' }, state)).toEqual([]);
  });
});
