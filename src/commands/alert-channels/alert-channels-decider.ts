import { NotFoundError, ValidationError } from '../../errors/app-error';
import { type AlertChannelConfig, type AlertChannelEvent, ALERT_CHANNEL_EVENT_TYPES } from '../../events/alert-channel-events';
import { isEventOf } from '../../events/event';
import type { Decider } from '../decider';
import { requireLive } from '../shared/guards';

/** A channel as a request wants it: a secret left undefined keeps the stored one (secrets are write-only). */
export interface AlertChannelInput {
  type: AlertChannelConfig['type'];
  name: string;
  channelUrl?: string | null;
  routingKey?: string | null;
  token?: string | null;
}

export type AlertChannelCommand =
  | { type: 'SetAlertChannel'; channelId: string; input: AlertChannelInput; at: string }
  | { type: 'RemoveAlertChannel'; channelId: string; at: string };

/** The project's channels as its stream says; null until ProjectCreated. */
export type AlertChannelsState = { projectId: string; name: string; deleted: boolean; channels: Readonly<Record<string, AlertChannelConfig>> } | null;

/** A project holds at most this many channels (each alert is one delivery per channel). */
export const MAX_ALERT_CHANNELS = 20;

/**
 * The project's alert channels, decided over the project stream beside the project decider (which
 * ignores these events, as this one ignores the project's others but its creation and deletion).
 */
export function decideAlertChannels(command: AlertChannelCommand, state: AlertChannelsState): AlertChannelEvent[] {
  const project = requireLive(state, 'This project');
  const { channelId, at } = command;
  const { projectId } = project;
  if (command.type === 'RemoveAlertChannel') {
    // Like members and keys: removing one that is not there is 404.
    if (!(channelId in project.channels)) throw new NotFoundError(`Alert channel ${channelId} does not exist in this project`);
    return [{ type: 'AlertChannelRemoved', data: { projectId, channelId, at } }];
  }
  const current = project.channels[channelId];
  if (!current && Object.keys(project.channels).length >= MAX_ALERT_CHANNELS) {
    throw new ValidationError('Too many alert channels', [`channel_id: a project has at most ${MAX_ALERT_CHANNELS} alert channels`]);
  }
  const channel = merged(command.input, current?.type === command.input.type ? current : null);
  if (current && JSON.stringify(current) === JSON.stringify(channel)) return [];
  return [{ type: 'AlertChannelSet', data: { projectId, channelId, channel, at } }];
}

/** The input over the stored channel of the same type; every type's required fields present. */
function merged(input: AlertChannelInput, stored: AlertChannelConfig | null): AlertChannelConfig {
  const pick = <K extends 'channelUrl' | 'routingKey' | 'token'>(key: K): string | null => (input[key] === undefined ? (stored?.[key] ?? null) : (input[key] ?? null));
  const channel: AlertChannelConfig = { type: input.type, name: input.name, channelUrl: pick('channelUrl'), routingKey: pick('routingKey'), token: pick('token') };
  const details: string[] = [];
  if (channel.type !== 'pagerduty' && channel.channelUrl === null) details.push(`url: required for a ${channel.type} channel`);
  if (channel.type === 'pagerduty' && channel.routingKey === null) details.push('routing_key: required for a pagerduty channel');
  if (channel.type !== 'pagerduty' && channel.routingKey !== null) details.push(`routing_key: only a pagerduty channel has one`);
  if (channel.type !== 'ntfy' && channel.token !== null) details.push('token: only an ntfy channel has one');
  if (details.length > 0) throw new ValidationError('Invalid alert channel', details);
  return channel;
}

export function evolveAlertChannels(state: AlertChannelsState, event: { type: string; data: unknown }): AlertChannelsState {
  if (event.type === 'ProjectCreated') {
    const { projectId, name } = event.data as { projectId: string; name: string };
    return { projectId, name, deleted: false, channels: {} };
  }
  if (state === null) return state;
  if (event.type === 'ProjectUpdated') {
    const { name } = (event.data as { changes: { name?: string } }).changes;
    return name === undefined ? state : { ...state, name };
  }
  if (event.type === 'ProjectDeleted') return { ...state, deleted: true };
  if (!isEventOf<AlertChannelEvent>(ALERT_CHANNEL_EVENT_TYPES, event)) return state;
  if (event.type === 'AlertChannelSet') return { ...state, channels: { ...state.channels, [event.data.channelId]: event.data.channel } };
  const { [event.data.channelId]: _removed, ...channels } = state.channels;
  return { ...state, channels };
}

export const alertChannelsDecider: Decider<AlertChannelsState, AlertChannelCommand, AlertChannelEvent> = {
  initialState: null,
  evolve: evolveAlertChannels as Decider<AlertChannelsState, AlertChannelCommand, AlertChannelEvent>['evolve'],
  decide: decideAlertChannels,
};
