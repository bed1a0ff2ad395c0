import { isEventOf } from '../events/event';
import { type CalendarDef, type MaintenanceWindow, SCHEDULE_RULE_EVENT_TYPES, type ScheduleRuleEvent } from '../events/schedule-rule-events';
import { type ProjectRules, projectRules } from '../schedules/tick-rules';
import type { RecordedEvent } from '../stores/events/event-store';

/**
 * Each project's calendars and maintenance windows as a process manager folds them from the project
 * streams (the scheduler to hold ticks back, the alerts manager to keep quiet), ready for
 * src/schedules/tick-rules.ts. Projects without any have no entry.
 */
export class ProjectRuleBook {
  private readonly calendars = new Map<string, Record<string, CalendarDef>>();
  private readonly windows = new Map<string, Record<string, MaintenanceWindow>>();
  private readonly rules = new Map<string, ProjectRules>();

  /** Folds a project-stream event; answers the project whose rules changed, or null. */
  apply(event: RecordedEvent): string | null {
    if (event.type === 'ProjectDeleted') {
      const { projectId } = event.data as { projectId: string };
      this.calendars.delete(projectId);
      this.windows.delete(projectId);
      return this.rules.delete(projectId) ? projectId : null;
    }
    if (!isEventOf<ScheduleRuleEvent>(SCHEDULE_RULE_EVENT_TYPES, event)) return null;
    const typed = event as ScheduleRuleEvent;
    const { projectId } = typed.data;
    const calendars = { ...this.calendars.get(projectId) };
    const windows = { ...this.windows.get(projectId) };
    switch (typed.type) {
      case 'CalendarSet':
        calendars[typed.data.calendarId] = typed.data.calendar;
        break;
      case 'CalendarRemoved':
        delete calendars[typed.data.calendarId];
        break;
      case 'MaintenanceWindowSet':
        windows[typed.data.windowId] = typed.data.window;
        break;
      case 'MaintenanceWindowRemoved':
        delete windows[typed.data.windowId];
        break;
    }
    this.calendars.set(projectId, calendars);
    this.windows.set(projectId, windows);
    this.rules.set(projectId, projectRules(calendars, windows));
    return projectId;
  }

  of(projectId: string): ProjectRules | undefined {
    return this.rules.get(projectId);
  }

  /** The calendars and windows as JSON (a manager's snapshot); the rules are compiled again from them. */
  snapshot(): Array<[string, { calendars: Record<string, CalendarDef>; windows: Record<string, MaintenanceWindow> }]> {
    return [...this.rules.keys()].map((projectId) => [projectId, { calendars: this.calendars.get(projectId)!, windows: this.windows.get(projectId)! }]);
  }

  restore(state: ReturnType<ProjectRuleBook['snapshot']>): void {
    for (const [projectId, { calendars, windows }] of state) {
      this.calendars.set(projectId, calendars);
      this.windows.set(projectId, windows);
      this.rules.set(projectId, projectRules(calendars, windows));
    }
  }
}
