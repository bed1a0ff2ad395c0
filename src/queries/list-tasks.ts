import { TASKS, TASKS_PROJECTION } from '../projections/tasks-projection';
import type { TaskDoc } from '../projections/task-read-model';
import type { Filter } from '../stores/read/read-store';
import type { QueryServices } from './query-services';

/** Every task of a project, oldest first (the original API returns the whole list, unpaged). */
export function listProjectTasks(services: QueryServices, projectId: string): Promise<TaskDoc[]> {
  return allTasks(services, { projectId });
}

/** Every task that belongs to a group, oldest first. */
export function listGroupTasks(services: QueryServices, groupId: string): Promise<TaskDoc[]> {
  return allTasks(services, { taskGroupId: groupId });
}

async function allTasks(services: QueryServices, filter: Filter): Promise<TaskDoc[]> {
  const { items } = await services.reads.find<TaskDoc>(services.registry.collection(TASKS_PROJECTION, TASKS), {
    filter,
    sort: [['createdAt', 1]],
  });
  return items;
}
