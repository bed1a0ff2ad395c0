import type { RecordedEvent } from '../../stores/events/event-store';
import { type RuleSubject, type TickVerdict, nextRuleChange, tickVerdict } from '../../schedules/tick-rules';
import { ProjectRuleBook } from '../project-rule-book';
import type { GroupGate } from './group-gate';
import { rangesWhere } from './running-ranges';
import type { ScheduledTask } from './scheduled-task';

const FIRES: TickVerdict = { fires: true };

/**
 * What the scheduler knows of each project's calendars and maintenance windows (from the project
 * streams), and the one question it asks of them: may this task's tick fire? The answer and its
 * reason come from src/schedules/tick-rules.ts, which the schedule preview asks too.
 *
 * A tick a calendar or a pause window holds back is planned not to run: it is not an execution, and
 * not owed after a restart (downtime counts only the ranges the rules leave open).
 */
export class CalendarGate {
  private readonly book = new ProjectRuleBook();

  /** Folds a project-stream event; answers the project whose rules changed, or null. */
  apply(event: RecordedEvent): string | null {
    return this.book.apply(event);
  }

  private subject(task: ScheduledTask, gate: GroupGate | undefined): RuleSubject {
    return { taskId: task.taskId, groupId: task.groupId, calendar: task.calendar ?? gate?.doc?.calendar ?? null, timezone: task.scheduleConfig!.timezone };
  }

  snapshot(): ReturnType<ProjectRuleBook['snapshot']> {
    return this.book.snapshot();
  }

  restore(state: ReturnType<ProjectRuleBook['snapshot']>): void {
    this.book.restore(state);
  }

  verdict(task: ScheduledTask, gate: GroupGate | undefined, ms: number): TickVerdict {
    // Most projects have no rules: their tasks skip every check.
    const rules = this.book.of(task.projectId);
    return rules === undefined ? FIRES : tickVerdict(rules, this.subject(task, gate), ms);
  }

  /** `ranges` less the parts the task's calendar and pause windows hold back. */
  openRanges(task: ScheduledTask, gate: GroupGate | undefined, ranges: Array<[number, number]>): Array<[number, number]> {
    const rules = this.book.of(task.projectId);
    if (rules === undefined) return ranges;
    const subject = this.subject(task, gate);
    return ranges.flatMap(([from, to]) =>
      rangesWhere(from, to, (ms) => nextRuleChange(rules, subject, ms), (ms) => tickVerdict(rules, subject, ms).fires),
    );
  }
}
