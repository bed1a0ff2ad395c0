import { NotFoundError } from '../errors/app-error';
import { TASK_GROUPS, TASKS_PROJECTION } from '../projections/tasks-projection';
import type { TaskGroupDoc } from '../projections/task-group-read-model';
import type { QueryServices } from './query-services';
import { idInMessage } from '../errors/ids';

/** A group of the project; 404 for an unknown group and for one of another project alike. */
export async function findTaskGroup(services: QueryServices, projectId: string, groupId: string): Promise<TaskGroupDoc> {
  const group = await services.reads.get<TaskGroupDoc>(services.registry.collection(TASKS_PROJECTION, TASK_GROUPS), groupId);
  if (!group || group.projectId !== projectId) throw new NotFoundError(`Task group ${idInMessage(groupId)} does not exist in project ${idInMessage(projectId)}`);
  return group;
}
