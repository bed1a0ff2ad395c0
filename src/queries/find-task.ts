import { NotFoundError } from '../errors/app-error';
import { TASKS, TASKS_PROJECTION } from '../projections/tasks-projection';
import type { TaskDoc } from '../projections/task-read-model';
import type { QueryServices } from './query-services';
import { idInMessage } from '../errors/ids';

/** A task of the project; 404 for an unknown task and for one of another project alike. */
export async function findTask(services: QueryServices, projectId: string, taskId: string): Promise<TaskDoc> {
  const task = await services.reads.get<TaskDoc>(services.registry.collection(TASKS_PROJECTION, TASKS), taskId);
  if (!task || task.projectId !== projectId) throw new NotFoundError(`Task ${idInMessage(taskId)} does not exist in project ${idInMessage(projectId)}`);
  return task;
}
