import { alertChannelsDecider } from '../commands/alert-channels/alert-channels-decider';
import { loadAggregate } from '../commands/handle-command';
import { requireLive } from '../commands/shared/guards';
import type { AlertChannelConfig } from '../events/alert-channel-events';
import { projectStream } from '../events/streams';
import type { EventStore } from '../stores/events/event-store';

/**
 * A project's alert channels, folded from its stream (a handful of events; no read model lags behind
 * the channel just saved). 404 for an unknown project, 410 for a deleted one.
 */
export async function alertChannelsOf(events: EventStore, projectId: string): Promise<{ projectName: string; channels: Array<[string, AlertChannelConfig]> }> {
  const { state } = await loadAggregate(events, projectStream(projectId), alertChannelsDecider);
  const project = requireLive(state, 'This project');
  return { projectName: project.name, channels: Object.entries(project.channels) };
}
