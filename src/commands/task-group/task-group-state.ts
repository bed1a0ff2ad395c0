import type { TaskGroupDefinition, TaskGroupEvent } from '../../events/task-group-events';
import { created } from '../shared/guards';

export interface TaskGroup {
  groupId: string;
  projectId: string;
  definition: TaskGroupDefinition;
  deleted: boolean;
}

/** null until TaskGroupCreated. */
export type TaskGroupState = TaskGroup | null;

export const initialTaskGroupState: TaskGroupState = null;

export function evolveTaskGroup(state: TaskGroupState, event: TaskGroupEvent): TaskGroupState {
  if (event.type === 'TaskGroupCreated') {
    const { groupId, projectId, createdAt: _createdAt, ...definition } = event.data;
    return { groupId, projectId, definition, deleted: false };
  }
  const group = created(state, event);
  switch (event.type) {
    case 'TaskGroupUpdated': {
      const { groupId: _groupId, projectId: _projectId, updatedAt: _updatedAt, ...definition } = event.data;
      return { ...group, definition };
    }
    case 'TaskGroupStarted':
    case 'TaskGroupStopped':
      // Manual overrides matter to the group window manager, not to any decision here.
      return group;
    case 'TaskGroupDeleted':
      return { ...group, deleted: true };
    default:
      return group;
  }
}
