import { NotFoundError, ValidationError } from '../../errors/app-error';
import { isEventOf } from '../../events/event';
import { type CalendarDef, type MaintenanceWindow, SCHEDULE_RULE_EVENT_TYPES, type ScheduleRuleEvent } from '../../events/schedule-rule-events';
import type { Decider } from '../decider';
import { requireLive } from '../shared/guards';

export type ScheduleRuleCommand =
  | { type: 'SetCalendar'; calendarId: string; calendar: CalendarDef; at: string }
  | { type: 'RemoveCalendar'; calendarId: string; at: string }
  | { type: 'SetMaintenanceWindow'; windowId: string; window: MaintenanceWindow; at: string }
  | { type: 'RemoveMaintenanceWindow'; windowId: string; at: string };

/** The project's calendars and maintenance windows as its stream says; null until ProjectCreated. */
export type ScheduleRulesState = {
  projectId: string;
  deleted: boolean;
  calendars: Readonly<Record<string, CalendarDef>>;
  windows: Readonly<Record<string, MaintenanceWindow>>;
} | null;

/** A project holds at most this many calendars and this many windows (every tick consults its windows). */
export const MAX_CALENDARS = 50;
export const MAX_WINDOWS = 100;

/**
 * A project's calendars and maintenance windows, decided over the project stream beside the project
 * decider (which ignores these events, as this one ignores the project's others but its creation and
 * deletion). Inputs arrive validated (http/shapes/calendar-body.ts, maintenance-window-body.ts).
 */
export function decideScheduleRules(command: ScheduleRuleCommand, state: ScheduleRulesState): ScheduleRuleEvent[] {
  const project = requireLive(state, 'This project');
  const { projectId } = project;
  const { at } = command;
  switch (command.type) {
    case 'SetCalendar': {
      const { calendarId, calendar } = command;
      const current = project.calendars[calendarId];
      if (!current && Object.keys(project.calendars).length >= MAX_CALENDARS) {
        throw new ValidationError('Too many calendars', [`calendar_id: a project has at most ${MAX_CALENDARS} calendars`]);
      }
      if (current && JSON.stringify(current) === JSON.stringify(calendar)) return [];
      return [{ type: 'CalendarSet', data: { projectId, calendarId, calendar, at } }];
    }
    case 'RemoveCalendar':
      if (!(command.calendarId in project.calendars)) throw new NotFoundError(`Calendar ${command.calendarId} does not exist in this project`);
      return [{ type: 'CalendarRemoved', data: { projectId, calendarId: command.calendarId, at } }];
    case 'SetMaintenanceWindow': {
      const { windowId, window } = command;
      const current = project.windows[windowId];
      // Snoozes (one per task or group at most) do not count: snoozing must not fail on a full project.
      const windows = Object.values(project.windows).filter((kept) => !kept.snooze).length;
      if (!current && !window.snooze && windows >= MAX_WINDOWS) {
        throw new ValidationError('Too many maintenance windows', [`window_id: a project has at most ${MAX_WINDOWS} maintenance windows`]);
      }
      if (current && JSON.stringify(current) === JSON.stringify(window)) return [];
      return [{ type: 'MaintenanceWindowSet', data: { projectId, windowId, window, at } }];
    }
    case 'RemoveMaintenanceWindow':
      if (!(command.windowId in project.windows)) throw new NotFoundError(`Maintenance window ${command.windowId} does not exist in this project`);
      return [{ type: 'MaintenanceWindowRemoved', data: { projectId, windowId: command.windowId, at } }];
  }
}

export function evolveScheduleRules(state: ScheduleRulesState, event: { type: string; data: unknown }): ScheduleRulesState {
  if (event.type === 'ProjectCreated') return { projectId: (event.data as { projectId: string }).projectId, deleted: false, calendars: {}, windows: {} };
  if (state === null) return state;
  if (event.type === 'ProjectDeleted') return { ...state, deleted: true };
  if (!isEventOf<ScheduleRuleEvent>(SCHEDULE_RULE_EVENT_TYPES, event)) return state;
  switch (event.type) {
    case 'CalendarSet':
      return { ...state, calendars: { ...state.calendars, [event.data.calendarId]: event.data.calendar } };
    case 'CalendarRemoved': {
      const { [event.data.calendarId]: _removed, ...calendars } = state.calendars;
      return { ...state, calendars };
    }
    case 'MaintenanceWindowSet':
      return { ...state, windows: { ...state.windows, [event.data.windowId]: event.data.window } };
    case 'MaintenanceWindowRemoved': {
      const { [event.data.windowId]: _removed, ...windows } = state.windows;
      return { ...state, windows };
    }
  }
}

export const scheduleRulesDecider: Decider<ScheduleRulesState, ScheduleRuleCommand, ScheduleRuleEvent> = {
  initialState: null,
  evolve: evolveScheduleRules as Decider<ScheduleRulesState, ScheduleRuleCommand, ScheduleRuleEvent>['evolve'],
  decide: decideScheduleRules,
};
