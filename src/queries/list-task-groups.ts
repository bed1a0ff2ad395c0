import { TASK_GROUPS, TASKS_PROJECTION } from '../projections/tasks-projection';
import type { TaskGroupDoc } from '../projections/task-group-read-model';
import type { QueryServices } from './query-services';

/** Every group of a project, oldest first. */
export async function listTaskGroups(services: QueryServices, projectId: string): Promise<TaskGroupDoc[]> {
  const { items } = await services.reads.find<TaskGroupDoc>(services.registry.collection(TASKS_PROJECTION, TASK_GROUPS), {
    filter: { projectId },
    sort: [['createdAt', 1]],
  });
  return items;
}
