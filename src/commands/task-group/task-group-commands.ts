import type { TaskGroupDefinition, TaskGroupDeletionMode } from '../../events/task-group-events';

/**
 * A definition as a request states it. Left out: description and window are cleared, the time zone is
 * UTC (a PUT is a full update); the status is ACTIVE on create and kept on update, as for tasks.
 */
export type TaskGroupDefinitionInput = Pick<TaskGroupDefinition, 'name'> &
  Partial<Omit<TaskGroupDefinition, 'name' | 'status'>> & { status?: string };

/** Every command carries the project of the request path; a group of another project is answered 404. */
export interface CreateTaskGroup {
  type: 'CreateTaskGroup';
  groupId: string;
  projectId: string;
  definition: TaskGroupDefinitionInput;
  at: string;
}

export interface UpdateTaskGroup {
  type: 'UpdateTaskGroup';
  projectId: string;
  definition: TaskGroupDefinitionInput;
  at: string;
}

/** Manual override until the next window boundary. */
export interface StartTaskGroup {
  type: 'StartTaskGroup';
  projectId: string;
  at: string;
}

export interface StopTaskGroup {
  type: 'StopTaskGroup';
  projectId: string;
  at: string;
}

/** `detach` keeps the tasks, outside any group; `delete_tasks` requests their deletion. */
export interface DeleteTaskGroup {
  type: 'DeleteTaskGroup';
  projectId: string;
  mode: TaskGroupDeletionMode;
  at: string;
}

export type TaskGroupCommand = CreateTaskGroup | UpdateTaskGroup | StartTaskGroup | StopTaskGroup | DeleteTaskGroup;
