import type { AlertChannelConfig } from '../../../events/alert-channel-events';
import type { ChannelMessage } from './channel-message';
import { discordPayload } from './discord';
import { ntfyRequest } from './ntfy';
import { PAGERDUTY_EVENTS_URL, pagerDutyPayload } from './pagerduty';
import { slackPayload } from './slack';
import { teamsPayload } from './teams';

export interface ChannelRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** The vendor's request for one message; null when the channel lacks what its type needs. */
export function channelRequest(channel: AlertChannelConfig, message: ChannelMessage, pagerDutyUrl: string = PAGERDUTY_EVENTS_URL): ChannelRequest | null {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', 'User-Agent': 'Cron-Observer-Alerts' };
  const json = (url: string | null, payload: Record<string, unknown>): ChannelRequest | null => (url ? { url, headers, body: JSON.stringify(payload) } : null);
  switch (channel.type) {
    case 'slack':
      return json(channel.channelUrl, slackPayload(message));
    case 'discord':
      return json(channel.channelUrl, discordPayload(message));
    case 'teams':
      return json(channel.channelUrl, teamsPayload(message));
    case 'pagerduty':
      return channel.routingKey ? json(channel.channelUrl ?? pagerDutyUrl, pagerDutyPayload(message, channel.routingKey)) : null;
    case 'ntfy': {
      if (!channel.channelUrl) return null;
      const { url, body } = ntfyRequest(message, channel.channelUrl);
      if (channel.token) headers.Authorization = `Bearer ${channel.token}`;
      return json(url, body);
    }
  }
}
