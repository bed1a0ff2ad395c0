import { ValidationError } from '../../errors/app-error';
import { quoted } from '../../errors/quoted';
import type { CalendarUse } from '../../events/schedule-rule-events';
import { projectStream } from '../../events/streams';
import type { EventStore } from '../../stores/events/event-store';
import { loadAggregate } from '../handle-command';
import { scheduleRulesDecider } from '../schedule-rules/schedule-rules-decider';

/**
 * A task or group may only name a calendar its project has (a typo would otherwise skip nothing, or,
 * with `only`, never run). Checked on the project's stream. A calendar removed later is not followed
 * up: the tasks that name it see no dates, and their next save is refused until it is changed.
 */
export async function requireCalendarOfProject(events: EventStore, projectId: string, calendar: CalendarUse | null | undefined, what: 'task' | 'task group'): Promise<void> {
  if (!calendar) return;
  const { state } = await loadAggregate(events, projectStream(projectId), scheduleRulesDecider);
  if (state && !state.deleted && calendar.calendarId in state.calendars) return;
  throw new ValidationError(`Invalid ${what}`, [`calendar.calendar_id: no calendar ${quoted(calendar.calendarId)} in this project`]);
}
