import { loadAggregate } from '../commands/handle-command';
import { scheduleRulesDecider } from '../commands/schedule-rules/schedule-rules-decider';
import { requireLive } from '../commands/shared/guards';
import type { CalendarDef, MaintenanceWindow } from '../events/schedule-rule-events';
import { projectStream } from '../events/streams';
import type { EventStore } from '../stores/events/event-store';

/**
 * A project's calendars and maintenance windows, folded from its stream (a handful of events; no read
 * model lags behind the calendar just saved). 404 for an unknown project, 410 for a deleted one.
 */
export async function scheduleRulesOf(
  events: EventStore,
  projectId: string,
): Promise<{ calendars: Readonly<Record<string, CalendarDef>>; windows: Readonly<Record<string, MaintenanceWindow>> }> {
  const { state } = await loadAggregate(events, projectStream(projectId), scheduleRulesDecider);
  return requireLive(state, 'This project');
}
