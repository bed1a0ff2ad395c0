import type { AlertChannelInput } from '../../commands/alert-channels/alert-channels-decider';
import { ValidationError } from '../../errors/app-error';
import { quoted } from '../../errors/quoted';
import { ALERT_CHANNEL_TYPES, type AlertChannelType } from '../../events/alert-channel-events';
import type { OutboundRules } from '../../outbound/outbound-policy';
import { isHttpUrl, refuseOutbound } from './project-input';

/**
 * A project's alert channel. Secrets (`url` of Slack, Teams and Discord, `routing_key`, `token`) are
 * write-only: left out, the stored one is kept; the answer never shows them.
 */
export interface AlertChannelBody {
  type: 'slack' | 'teams' | 'discord' | 'pagerduty' | 'ntfy';
  /** Shown in the dashboard. */
  name: string;
  /**
   * Slack, Teams (workflow), Discord: the incoming-webhook URL. ntfy: `https://server/topic`.
   * PagerDuty: the Events API v2 URL, when not the installation's (PAGERDUTY_EVENTS_URL).
   */
  url?: string | null;
  /** PagerDuty: the integration (routing) key. */
  routing_key?: string | null;
  /** ntfy: an access token; null removes it. */
  token?: string | null;
}

/** Channel ids are chosen by the client (`ops-slack`), so a PUT is idempotent. */
const CHANNEL_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const MAX_NAME = 100;
const MAX_SECRET = 500;

export function requireChannelId(channelId: string): void {
  if (!CHANNEL_ID.test(channelId)) {
    throw new ValidationError('Invalid alert channel', [`channel_id: ${quoted(channelId.slice(0, 70))} must be 1 to 63 lowercase letters, digits, - or _, starting with a letter or digit`]);
  }
}

export function alertChannelFromBody(body: AlertChannelBody, outbound: OutboundRules): AlertChannelInput {
  const details: string[] = [];
  const type = body.type as AlertChannelType;
  if (!ALERT_CHANNEL_TYPES.includes(type)) details.push(`type: must be one of ${ALERT_CHANNEL_TYPES.join(', ')}`);
  const name = typeof body.name === 'string' ? body.name.trim() : '';
  if (name === '' || name.length > MAX_NAME) details.push(`name: required, at most ${MAX_NAME} characters`);
  const input: AlertChannelInput = { type, name };
  if (body.url !== undefined) {
    const url = body.url?.trim() || null;
    // The URL is a secret: a refusal never quotes it.
    if (url !== null && !isHttpUrl(url)) details.push('url: is not an http(s) URL');
    else if (url !== null) refuseOutbound('url', url, outbound, 'alert', details);
    if (url !== null && type === 'ntfy' && new URL(url).pathname.split('/').filter(Boolean).length === 0) details.push('url: must name the ntfy topic (https://server/topic)');
    input.channelUrl = url;
  }
  for (const [field, key] of [['routing_key', 'routingKey'], ['token', 'token']] as const) {
    const value = body[field];
    if (value === undefined) continue;
    const secret = value?.trim() || null;
    if (secret !== null && (secret.length > MAX_SECRET || /[\s\u0000-\u001f]/.test(secret))) details.push(`${field}: at most ${MAX_SECRET} characters, without spaces or control characters`);
    input[key] = secret;
  }
  if (details.length > 0) throw new ValidationError('Invalid alert channel', details);
  return input;
}
