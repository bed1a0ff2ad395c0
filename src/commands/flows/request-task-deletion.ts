import { GoneError, NotFoundError } from '../../errors/app-error';
import { taskStream } from '../../events/streams';
import type { CommandContext } from '../command-context';
import { executeCommand } from '../execute-command';
import { loadAggregate } from '../handle-command';
import { requireInProject } from '../shared/guards';
import { taskDecider } from '../task/task-decider';
import type { FlowServices } from './flow-services';

export type DeletionRequest = 'PENDING_DELETE' | 'ALREADY_DELETED';

/**
 * DELETE of a task: records TaskDeletionRequested (the deletion saga does the rest). A task that does
 * not exist, was deleted or was purged is ALREADY_DELETED, as in the original API; a task of another
 * project is 404.
 */
export async function requestTaskDeletion(
  services: FlowServices,
  context: CommandContext,
  projectId: string,
  taskId: string,
): Promise<DeletionRequest> {
  // An id no task could have (NotFoundError from the stream name) is a task that does not exist, too.
  const { state } = await Promise.resolve()
    .then(() => loadAggregate(services.events, taskStream(taskId), taskDecider))
    .catch((err: unknown) => {
      if (err instanceof GoneError || err instanceof NotFoundError) return { state: null };
      throw err;
    });
  if (state === null || state.deleted) return 'ALREADY_DELETED';
  requireInProject(state.projectId, projectId, 'This task');
  await executeCommand(
    services,
    taskStream(taskId),
    taskDecider,
    { type: 'RequestTaskDeletion', projectId, requestedBy: context.actor, at: services.clock.now().toISOString() },
    context,
  );
  return 'PENDING_DELETE';
}
