import { NotFoundError } from '../../errors/app-error';
import { taskStream } from '../../events/streams';
import type { EventStore, StreamRevision } from '../../stores/events/event-store';
import { loadAggregate } from '../handle-command';
import { requireInProject, requireLive } from '../shared/guards';
import { taskDecider } from '../task/task-decider';
import type { Task } from '../task/task-state';
import { idInMessage } from '../../errors/ids';

/**
 * A task of the project from its stream, for flows that need more than one decider can see: 404
 * when unknown or in another project, 410 once deleted.
 */
export async function loadLiveTask(events: EventStore, projectId: string, taskId: string): Promise<Task> {
  return (await loadLiveTaskAt(events, projectId, taskId)).task;
}

/** The same, with the revision of the task's stream it was folded at (for If-Match). */
export async function loadLiveTaskAt(events: EventStore, projectId: string, taskId: string): Promise<{ task: Task; revision: StreamRevision }> {
  const { state, revision } = await loadAggregate(events, taskStream(taskId), taskDecider);
  if (state === null) throw new NotFoundError(`Task ${idInMessage(taskId)} does not exist in project ${idInMessage(projectId)}`);
  requireInProject(state.projectId, projectId, 'This task');
  return { task: requireLive(state, 'This task'), revision };
}
