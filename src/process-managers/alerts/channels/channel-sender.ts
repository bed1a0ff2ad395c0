import type { SendResult } from '../../../commands/alerts/alert-commands';
import type { PendingDelivery } from '../../../commands/alerts/alert-state';
import type { AlertChannelConfig } from '../../../events/alert-channel-events';
import type { LogLine } from '../../../events/execution-log-events';
import type { OutboundRules } from '../../../outbound/outbound-policy';
import type { AlertSender } from '../alert-channels';
import { type ChannelMessage, channelMessage } from './channel-message';
import { channelRequest } from './channel-request';
import { postAlert } from './post-alert';

/**
 * Sends a delivery to one of the project's channels (Slack, Teams, Discord, PagerDuty, ntfy) as the
 * channel is configured at the time of the attempt: a URL fixed later serves the retries of an outage.
 */
export class ChannelSender implements AlertSender {
  constructor(
    private readonly channelOf: (projectId: string, channelId: string) => AlertChannelConfig | null,
    private readonly outbound: OutboundRules,
    private readonly pagerDutyUrl: string,
  ) {}

  async send(delivery: PendingDelivery, logTail: LogLine[]): Promise<SendResult> {
    const channel = delivery.channelId === null ? null : this.channelOf(delivery.projectId, delivery.channelId);
    if (channel === null || channel.type !== delivery.channel) {
      return { ok: false, reason: 'the alert channel was removed or changed type', permanent: true, outcome: 'not_configured' };
    }
    return this.sendMessage(channel, channelMessage(delivery, logTail));
  }

  /** One message to one channel: an alert, or the "send test alert" button's. */
  async sendMessage(channel: AlertChannelConfig, message: ChannelMessage): Promise<SendResult> {
    const request = channelRequest(channel, message, this.pagerDutyUrl);
    if (request === null) return { ok: false, reason: `the ${channel.type} channel is missing its URL or key`, permanent: true, outcome: 'not_configured' };
    return postAlert(channel.type, request.url, request.headers, request.body, this.outbound);
  }
}
