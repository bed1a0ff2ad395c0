import { type DomainEventOf, eventTypeNames } from './event';

/** Vendors a project can send alerts to besides email and its signed webhook. */
export const ALERT_CHANNEL_TYPES = ['slack', 'teams', 'discord', 'pagerduty', 'ntfy'] as const;
export type AlertChannelType = (typeof ALERT_CHANNEL_TYPES)[number];

/**
 * One channel as stored. Secrets are kept as they are because the sender needs them (like the signing
 * secret); the API never answers them (http/shapes/alert-channel-shape.ts masks them).
 */
export interface AlertChannelConfig {
  type: AlertChannelType;
  name: string;
  /**
   * Slack, Teams, Discord: the incoming-webhook URL (itself the secret). PagerDuty: the Events API v2
   * enqueue URL (null: the installation's, PAGERDUTY_EVENTS_URL). ntfy: the server and topic URL.
   */
  channelUrl: string | null;
  /** PagerDuty's integration (routing) key; null for the others. */
  routingKey: string | null;
  /** ntfy access token (sent as a Bearer token); null: none. */
  token: string | null;
}

/**
 * A project's alert channel added or replaced (`project-<uuid>` stream). Not part of ProjectEvent: the
 * project decider and the read models built from it ignore it, so adding it changes nothing for them.
 */
export type AlertChannelSet = DomainEventOf<'AlertChannelSet', { projectId: string; channelId: string; channel: AlertChannelConfig; at: string }>;

export type AlertChannelRemoved = DomainEventOf<'AlertChannelRemoved', { projectId: string; channelId: string; at: string }>;

export type AlertChannelEvent = AlertChannelSet | AlertChannelRemoved;

export const ALERT_CHANNEL_EVENT_TYPES = eventTypeNames<AlertChannelEvent>({ AlertChannelSet: true, AlertChannelRemoved: true });
