import { isEventOf } from '../../events/event';
import type { CalendarDef, MaintenanceWindow } from '../../events/schedule-rule-events';
import { SCHEDULE_RULE_EVENT_TYPES, type ScheduleRuleEvent } from '../../events/schedule-rule-events';
import type { RecordedEvent } from '../../stores/events/event-store';
import { type ProjectRules, type RuleSubject, type TickVerdict, nextRuleChange, projectRules, tickVerdict } from '../../schedules/tick-rules';
import type { GroupGate } from './group-gate';
import { rangesWhere } from './running-ranges';
import type { ScheduledTask } from './scheduled-task';

/**
 * What the scheduler knows of each project's calendars and maintenance windows (from the project
 * streams), and the one question it asks of them: may this task's tick fire? The answer and its
 * reason come from src/schedules/tick-rules.ts, which the schedule preview asks too.
 *
 * A tick a calendar or a pause window holds back is planned not to run: it is not an execution, and
 * not owed after a restart (downtime counts only the ranges the rules leave open).
 */
export class CalendarGate {
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

  /** Whether the project has any calendar or window (most have none: their tasks skip every check). */
  private rulesOf(task: ScheduledTask): ProjectRules | undefined {
    return this.rules.get(task.projectId);
  }

  private subject(task: ScheduledTask, gate: GroupGate | undefined): RuleSubject {
    return { taskId: task.taskId, groupId: task.groupId, calendar: task.calendar ?? gate?.doc?.calendar ?? null, timezone: task.scheduleConfig!.timezone };
  }

  verdict(task: ScheduledTask, gate: GroupGate | undefined, ms: number): TickVerdict {
    const rules = this.rulesOf(task);
    return rules === undefined ? FIRES : tickVerdict(rules, this.subject(task, gate), ms);
  }

  /** `ranges` less the parts the task's calendar and pause windows hold back. */
  openRanges(task: ScheduledTask, gate: GroupGate | undefined, ranges: Array<[number, number]>): Array<[number, number]> {
    const rules = this.rulesOf(task);
    if (rules === undefined) return ranges;
    const subject = this.subject(task, gate);
    return ranges.flatMap(([from, to]) =>
      rangesWhere(from, to, (ms) => nextRuleChange(rules, subject, ms), (ms) => tickVerdict(rules, subject, ms).fires),
    );
  }
}

const FIRES: TickVerdict = { fires: true };
