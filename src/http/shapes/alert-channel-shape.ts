import { maskKey, maskSecretUrl } from '../../config/mask-secret';
import type { AlertChannelConfig } from '../../events/alert-channel-events';

export interface AlertChannelResponse {
  id: string;
  type: 'slack' | 'teams' | 'discord' | 'pagerduty' | 'ntfy';
  name: string;
  /** Scheme and host, then a masked tail: the whole URL is a secret of Slack, Teams and Discord. null: PagerDuty's default. */
  url: string | null;
  /** PagerDuty: the routing key's last characters only. */
  routing_key?: string;
  /** ntfy: whether an access token is set (never the token). */
  token_set?: boolean;
}

/** A channel as the API shows it: never a secret, only enough to recognise which one is set. */
export function alertChannelShape(id: string, channel: AlertChannelConfig): AlertChannelResponse {
  const shape: AlertChannelResponse = { id, type: channel.type, name: channel.name, url: channel.channelUrl === null ? null : maskSecretUrl(channel.channelUrl) };
  if (channel.type === 'pagerduty' && channel.routingKey !== null) shape.routing_key = maskKey(channel.routingKey);
  if (channel.type === 'ntfy') shape.token_set = channel.token !== null;
  return shape;
}
