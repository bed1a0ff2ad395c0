import type { AppServices } from '../../app-services';
import { ConflictError } from '../../errors/app-error';
import { effectiveOverlap } from '../../events/overlap-policy';
import type { ExecutionDoc } from '../../projections/execution-read-model';
import { EXECUTIONS, HISTORY_PROJECTION } from '../../projections/history-projection';
import { PROJECTS_COLLECTION, PROJECTS_PROJECTION, type ProjectDoc } from '../../projections/projects-projection';
import type { TaskGroupDoc } from '../../projections/task-group-read-model';
import { TASK_GROUPS, TASKS_PROJECTION } from '../../projections/tasks-projection';
import type { Task } from '../task/task-state';
import { catchUpHistory } from './start-external-run';

export type ManualOverlapServices = Pick<AppServices, 'events' | 'projections' | 'reads' | 'registry'>;

/**
 * "Run now" under an effective `forbid` policy while a run of the task is open (PENDING or RUNNING) is
 * refused with 409 naming that run: the operator chose never to run the job twice at once. Under the
 * other policies a manual run starts at once (README, "Overlap and concurrency"). Judged on the read
 * models, once they include everything stored so far.
 */
export async function refuseManualRunUnderForbid(services: ManualOverlapServices, task: Task): Promise<void> {
  const { definition, projectId, taskId } = task;
  let policy = definition.overlap;
  if (!policy && definition.taskGroupId) {
    const group = await services.reads.get<TaskGroupDoc>(services.registry.collection(TASKS_PROJECTION, TASK_GROUPS), definition.taskGroupId);
    policy = group?.overlap;
  }
  if (!policy) {
    const project = await services.reads.get<ProjectDoc>(services.registry.collection(PROJECTS_PROJECTION, PROJECTS_COLLECTION), projectId);
    policy = project?.overlapPolicy ?? undefined;
  }
  if (effectiveOverlap(policy).mode !== 'forbid') return;
  await catchUpHistory(services);
  const { items } = await services.reads.find<ExecutionDoc>(services.registry.collection(HISTORY_PROJECTION, EXECUTIONS), {
    filter: { taskId, status: { $in: ['PENDING', 'RUNNING'] } },
    sort: [['scheduledAt', 1]],
    limit: 1,
  });
  const open = items[0];
  if (open) {
    throw new ConflictError(`This task's overlap policy is forbid and its run ${open.id} is still ${open.status}; it cannot be run by hand until that run ends`, [
      'overlap_policy: forbid',
      `open execution: ${open.id}`,
    ]);
  }
}
