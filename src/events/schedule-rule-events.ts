import { type DomainEventOf, eventTypeNames } from './event';

/**
 * A task's (or group's) use of a project calendar: `skip` its dates, or run `only` on them, judged on
 * the tick's local date in the task's zone.
 */
export interface CalendarUse {
  calendarId: string;
  mode: 'skip' | 'only';
}

/** A project calendar: a named set of dates (YYYY-MM-DD, sorted, no duplicates). */
export interface CalendarDef {
  name: string;
  dates: string[];
}

/** What a maintenance window covers: the whole project, one group's tasks, or one task. */
export type WindowScope = { kind: 'project' } | { kind: 'group'; groupId: string } | { kind: 'task'; taskId: string };

/** When a window is open: once between two instants, or from each cron start for a duration. */
export type WindowTiming =
  | { kind: 'once'; start: string; end: string }
  | { kind: 'recurring'; cronExpression: string; timezone: string; durationMinutes: number };

/**
 * A maintenance window. `pause`: no ticks fire inside it, they are not owed after a restart, and its
 * alerts are silenced; `silence`: ticks fire, alerts are not sent. A snooze is a one-off pause window
 * from now, kept under the id `snooze-task-<id>` / `snooze-group-<id>` with `snooze: true`.
 */
export interface MaintenanceWindow {
  name: string;
  scope: WindowScope;
  effect: 'pause' | 'silence';
  timing: WindowTiming;
  snooze?: true;
}

/**
 * Calendars and maintenance windows live on the `project-<uuid>` stream beside the project, like
 * AlertChannelSet: not part of ProjectEvent, so the project decider and its read models ignore them,
 * while the project's creation and deletion (same stream) bound them without a second aggregate.
 */
export type CalendarSet = DomainEventOf<'CalendarSet', { projectId: string; calendarId: string; calendar: CalendarDef; at: string }>;
export type CalendarRemoved = DomainEventOf<'CalendarRemoved', { projectId: string; calendarId: string; at: string }>;
export type MaintenanceWindowSet = DomainEventOf<'MaintenanceWindowSet', { projectId: string; windowId: string; window: MaintenanceWindow; at: string }>;
export type MaintenanceWindowRemoved = DomainEventOf<'MaintenanceWindowRemoved', { projectId: string; windowId: string; at: string }>;

export type ScheduleRuleEvent = CalendarSet | CalendarRemoved | MaintenanceWindowSet | MaintenanceWindowRemoved;

export const SCHEDULE_RULE_EVENT_TYPES = eventTypeNames<ScheduleRuleEvent>({
  CalendarSet: true,
  CalendarRemoved: true,
  MaintenanceWindowSet: true,
  MaintenanceWindowRemoved: true,
});

/** The window id a snooze of a task or group is kept under (one snooze each; a new one replaces it). */
export function snoozeWindowId(kind: 'task' | 'group', id: string): string {
  return `snooze-${kind}-${id}`;
}
