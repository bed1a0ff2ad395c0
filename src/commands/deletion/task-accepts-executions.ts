import { ConflictError, GoneError, NotFoundError } from '../../errors/app-error';
import { taskStream } from '../../events/streams';
import type { EventStore } from '../../stores/events/event-store';
import { loadAggregate } from '../handle-command';
import { taskDecider } from '../task/task-decider';
import type { Task } from '../task/task-state';

/**
 * The check a writer of a brand-new execution (a tick with an id never used, a manual or external run)
 * makes against the task's own stream before appending: a task being deleted (PENDING_DELETE,
 * DELETE_FAILED) answers 409, a deleted one 410 (TaskDeleted, or its stream tombstoned by the deletion
 * saga: the store's StreamDeletedError is a GoneError), an unknown one 404. A tick whose execution
 * stream already existed needs no check: that stream is tombstoned too and refuses the append.
 */
export async function requireTaskAcceptsExecutions(events: EventStore, taskId: string): Promise<Task> {
  const { state } = await loadAggregate(events, taskStream(taskId), taskDecider);
  if (state === null) throw new NotFoundError(`Task ${taskId} does not exist`);
  if (state.deleted) throw new GoneError(`Task ${taskId} has been deleted`);
  if (state.status === 'PENDING_DELETE' || state.status === 'DELETE_FAILED') {
    throw new ConflictError(`Task ${taskId} is being deleted (${state.status}); it takes no new executions`);
  }
  return state;
}
