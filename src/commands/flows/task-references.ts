import { ValidationError } from '../../errors/app-error';
import { projectStream, taskGroupStream } from '../../events/streams';
import type { ExecutionMode } from '../../events/task-events';
import type { EventStore } from '../../stores/events/event-store';
import { loadAggregate } from '../handle-command';
import { evolveProject, initialProjectState } from '../project/project-state';
import { requireLive } from '../shared/guards';
import { evolveTaskGroup, initialTaskGroupState } from '../task-group/task-group-state';
import { idInMessage, isWellFormedId } from '../../errors/ids';

/**
 * The execution mode of a task that does not state one (DESIGN.md): push when its project has an
 * execution endpoint to push to, else pull. Read from the project's stream, the source of truth.
 */
export async function defaultExecutionMode(events: EventStore, projectId: string): Promise<ExecutionMode> {
  const { state } = await loadAggregate(events, projectStream(projectId), { initialState: initialProjectState, evolve: evolveProject });
  const project = requireLive(state, `Project ${projectId}`);
  return project.settings.executionEndpoint ? 'push' : 'pull';
}

/**
 * A task may only join a live group of its own project. Checked on the group's stream, not a read
 * model, so a group deleted a moment ago is never joined.
 */
export async function requireGroupOfProject(events: EventStore, projectId: string, groupId: string | null | undefined): Promise<void> {
  if (!groupId) return;
  const unknown = () => new ValidationError('Invalid task', [`task_group_id: task group ${idInMessage(groupId)} does not exist in this project`]);
  // A malformed id is a group that does not exist, like any other.
  if (!isWellFormedId(groupId)) throw unknown();
  const { state } = await loadAggregate(events, taskGroupStream(groupId), { initialState: initialTaskGroupState, evolve: evolveTaskGroup });
  if (!state || state.deleted || state.projectId !== projectId) throw unknown();
}
