import type { TaskDefinition, TaskEvent, TaskStatus } from '../../events/task-events';
import { created } from '../shared/guards';

export interface Task {
  taskId: string;
  projectId: string;
  definition: TaskDefinition;
  status: TaskStatus;
  /** The id of its ping URL (`/ping/<pingId>`), null until TaskPingUrlAssigned. */
  pingId: string | null;
  /** TaskDeleted: the saga finished. */
  deleted: boolean;
}

/** null until TaskCreated. */
export type TaskState = Task | null;

export const initialTaskState: TaskState = null;

export function evolveTask(state: TaskState, event: TaskEvent): TaskState {
  if (event.type === 'TaskCreated') {
    const { taskId, projectId, status, createdAt: _createdAt, ...definition } = event.data;
    return { taskId, projectId, definition, status, pingId: null, deleted: false };
  }
  const task = created(state, event);
  switch (event.type) {
    case 'TaskUpdated': {
      const { taskId: _taskId, projectId: _projectId, updatedAt: _updatedAt, ...definition } = event.data;
      return { ...task, definition };
    }
    case 'TaskStatusChanged':
      return { ...task, status: event.data.status };
    case 'TaskDeletionRequested':
      return { ...task, status: 'PENDING_DELETE' };
    case 'TaskDeletionFailed':
      return { ...task, status: 'DELETE_FAILED' };
    case 'TaskDeleted':
      return { ...task, deleted: true };
    case 'TaskPingUrlAssigned':
      return { ...task, pingId: event.data.pingId };
    default:
      // Another writer's event type: this decider does not depend on it.
      return task;
  }
}
