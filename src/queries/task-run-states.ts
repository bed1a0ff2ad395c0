import { TASK_GROUPS, TASKS_PROJECTION } from '../projections/tasks-projection';
import type { TaskDoc } from '../projections/task-read-model';
import type { TaskGroupDoc } from '../projections/task-group-read-model';
import { type RunState, taskRunState } from './group-run-state';
import type { QueryServices } from './query-services';

export interface TaskWithRunState {
  task: TaskDoc;
  state: RunState;
}

/** Each task with its run state at `now`, reading each group involved once. */
export async function withRunStates(services: QueryServices, tasks: TaskDoc[], now: Date): Promise<TaskWithRunState[]> {
  const groupIds = [...new Set(tasks.flatMap((task) => (task.taskGroupId ? [task.taskGroupId] : [])))];
  const groups = new Map<string, TaskGroupDoc>();
  if (groupIds.length > 0) {
    const { items } = await services.reads.find<TaskGroupDoc>(services.registry.collection(TASKS_PROJECTION, TASK_GROUPS), {
      filter: { id: { $in: groupIds } },
    });
    for (const group of items) groups.set(group.id, group);
  }
  // A group deleted a moment ago (its tasks not yet detached) counts as no group.
  return tasks.map((task) => ({ task, state: taskRunState(task, groups.get(task.taskGroupId ?? '') ?? null, now) }));
}
