import { maskSecretUrl } from '../../../config/mask-secret';
import type { AlertChannelConfig } from '../../../events/alert-channel-events';

/** How an alert's trail names a vendor channel it goes to: its id and masked URL (the URL itself is the secret). */
export function channelRecipient(channelId: string, channel: AlertChannelConfig): string {
  return `${channelId}: ${channel.channelUrl === null ? channel.type : maskSecretUrl(channel.channelUrl)}`;
}
