import type { TaskGroupDoc } from '../projections/task-group-read-model';
import type { TaskDoc } from '../projections/task-read-model';
import { TASK_GROUPS, TASKS_PROJECTION } from '../projections/tasks-projection';
import type { EventStore } from '../stores/events/event-store';
import { type ProjectRules, projectRules, tickVerdict } from '../schedules/tick-rules';
import { groupRunState } from './group-run-state';
import type { QueryServices } from './query-services';
import { scheduleRulesOf } from './schedule-rules';

export interface TickJudgement {
  fires: boolean;
  skipped_reason: string | null;
}

/**
 * Judges a task's upcoming ticks as the scheduler does: its group first (disabled, window closed), then
 * its calendar (its own, else its group's) and pause windows (src/schedules/tick-rules.ts).
 */
export async function tickJudge(services: QueryServices & { events: EventStore }, task: TaskDoc): Promise<(ms: number) => TickJudgement> {
  const stored = await scheduleRulesOf(services.events, task.projectId);
  const rules = projectRules(stored.calendars, stored.windows);
  const group = task.taskGroupId ? await groupOf(services, task) : null;
  return judgeWith(rules, group, task);
}

/** The same judgement with the project's rules and the task's group already read (many tasks of one project). */
export function judgeWith(rules: ProjectRules, group: TaskGroupDoc | null, task: TaskDoc): (ms: number) => TickJudgement {
  const subject = { taskId: task.id, groupId: task.taskGroupId, calendar: task.calendar ?? group?.calendar ?? null, timezone: task.scheduleConfig.timezone };
  return (ms) => {
    if (group && group.status !== 'ACTIVE') return { fires: false, skipped_reason: 'group disabled' };
    if (group && groupRunState(group, new Date(ms)) !== 'RUNNING') return { fires: false, skipped_reason: 'group window closed' };
    const verdict = tickVerdict(rules, subject, ms);
    return verdict.fires ? { fires: true, skipped_reason: null } : { fires: false, skipped_reason: verdict.reason };
  };
}

/** The task's group, or null when it is gone (a group deleted a moment ago counts as none, as in the scheduler). */
async function groupOf(services: QueryServices, task: TaskDoc): Promise<TaskGroupDoc | null> {
  return (await services.reads.get<TaskGroupDoc>(services.registry.collection(TASKS_PROJECTION, TASK_GROUPS), task.taskGroupId!)) ?? null;
}
