import { channelMessage } from '../../src/process-managers/alerts/channels/channel-message';
import { channelRequest } from '../../src/process-managers/alerts/channels/channel-request';
import type { PendingDelivery } from '../../src/commands/alerts/alert-state';
import type { AlertChannelConfig } from '../../src/events/alert-channel-events';
import { type VendorFormat, vendorProblems } from '../support/vendors/vendor-formats';

/** The receivers' checkers refuse what the vendors refuse, and every payload the project builds passes them, at the vendors' size limits too. */
describe('vendor formats', () => {
  it('accepts the vendors’ own documented examples and names what is wrong in broken ones', () => {
    expect(vendorProblems('slack', { text: 'Hello, world.' })).toEqual([]);
    expect(vendorProblems('slack', { text: 'x', blocks: [{ type: 'header', text: { type: 'mrkdwn', text: 'x' } }] })).toEqual([
      'blocks[0]: a header holds plain_text of at most 150 characters',
    ]);
    expect(vendorProblems('discord', { content: 'Hello' })).toEqual([]);
    expect(vendorProblems('discord', { embeds: [{ title: 'x'.repeat(257), color: -1 }] })).toEqual(['embeds[0].title: at most 256 characters', 'embeds[0].color: an integer RGB value']);
    const card = { type: 'AdaptiveCard', version: '1.4', body: [{ type: 'TextBlock', text: 'Hi' }] };
    expect(vendorProblems('teams', { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: card }] })).toEqual([]);
    expect(vendorProblems('teams', { type: 'message', attachments: [{ contentType: 'application/json', content: { ...card, version: '2' } }] })).toHaveLength(2);
    const trigger = { routing_key: 'R0', event_action: 'trigger', payload: { summary: 'Example alert', source: 'monitoringtool:cloudvendor:central-region-dc-01:852559987:cluster/api-stats-prod-003', severity: 'info' } };
    expect(vendorProblems('pagerduty', trigger)).toEqual([]);
    expect(vendorProblems('pagerduty', { ...trigger, payload: { ...trigger.payload, severity: 'fatal' } })).toEqual(['payload.severity: critical, error, warning or info']);
    expect(vendorProblems('pagerduty', { routing_key: 'R0', event_action: 'resolve' })).toEqual(['dedup_key: required to acknowledge or resolve']);
    expect(vendorProblems('ntfy', { topic: 'mytopic', message: 'Disk space is low at 5.1 GB', title: 'Low disk space alert', tags: ['warning', 'cd'], priority: 4 })).toEqual([]);
    expect(vendorProblems('ntfy', { topic: 'my topic', priority: 6 })).toEqual(['topic: 1 to 64 of A-Z a-z 0-9 _ -', 'priority: 1 to 5']);
  });

  it('every vendor payload stays within its limits for a long error, long names and many long log lines', () => {
    const long = 'é'.repeat(5000);
    const delivery = {
      taskId: 't',
      projectId: 'p',
      alertId: 'a',
      channel: 'slack',
      channelId: 'c',
      kind: 'failure',
      incidentId: 'i',
      executionId: 'e',
      recipients: [],
      messageId: 'm',
      inReplyTo: null,
      subject: `[Cron Observer] FAILED: ${'n'.repeat(200)} in ${'p'.repeat(200)}`,
      content: { projectName: 'p'.repeat(200), taskName: 'n'.repeat(200), status: 'FAILED', error: long, endedAt: '2026-05-01T10:00:00.000Z', consecutiveFailures: 3, link: 'https://cron.example.com/x' },
      intendedAt: '2026-05-01T10:00:00.000Z',
      attempt: 1,
      status: 'in_flight',
      retryAt: null,
      lastError: null,
    } as PendingDelivery;
    const lines = Array.from({ length: 20 }, (_, i) => ({ message: `${i} ${long}`, level: 'error' as const, timestamp: null, receivedAt: '2026-05-01T10:00:00.000Z' }));
    const channels: Record<VendorFormat, AlertChannelConfig> = {
      slack: { type: 'slack', name: 's', channelUrl: 'https://hooks.slack.com/services/x', routingKey: null, token: null },
      teams: { type: 'teams', name: 't', channelUrl: 'https://example.com/workflows/x', routingKey: null, token: null },
      discord: { type: 'discord', name: 'd', channelUrl: 'https://discord.com/api/webhooks/1/x', routingKey: null, token: null },
      pagerduty: { type: 'pagerduty', name: 'p', channelUrl: null, routingKey: 'R0123', token: null },
      ntfy: { type: 'ntfy', name: 'n', channelUrl: 'https://ntfy.sh/alerts', routingKey: null, token: 'tk' },
    };
    for (const kind of ['failure', 'realert', 'recovery'] as const) {
      for (const [format, channel] of Object.entries(channels) as Array<[VendorFormat, AlertChannelConfig]>) {
        const request = channelRequest(channel, channelMessage({ ...delivery, kind }, lines))!;
        expect({ format, kind, problems: vendorProblems(format, JSON.parse(request.body)) }).toEqual({ format, kind, problems: [] });
      }
    }
    expect(channelRequest(channels.pagerduty, channelMessage(delivery, []))!.url).toBe('https://events.pagerduty.com/v2/enqueue');
    expect(channelRequest(channels.ntfy, channelMessage(delivery, []))!.url).toBe('https://ntfy.sh/');
  });
});
