import type { TaskDefinition } from '../../events/task-events';

type OptionalKeys =
  | 'taskGroupId'
  | 'description'
  | 'timeoutSeconds'
  | 'metadata'
  | 'startDeadlineSeconds'
  | 'alertPolicy'
  | 'tags'
  | 'durationAlerts'
  | 'overlap'
  | 'maxConcurrent'
  | 'calendar'
  | 'retry';

/**
 * A definition as a request states it: optional fields may be left out, which clears them (a PUT is a
 * full update, so leaving out `taskGroupId` removes the task from its group). The caller resolves
 * `executionMode`'s default, which depends on the project.
 */
export type TaskDefinitionInput = Omit<TaskDefinition, OptionalKeys> & Partial<Pick<TaskDefinition, OptionalKeys>>;

/**
 * Client commands carry the project of the request path; a task of another project is answered 404.
 * Names must already be reserved (taskNameStream) by the caller, and a group checked to exist.
 */
export interface CreateTask {
  type: 'CreateTask';
  taskId: string;
  projectId: string;
  definition: TaskDefinitionInput;
  /** ACTIVE (default) or DISABLED. */
  status?: string;
  at: string;
}

/** A full update (PUT). `status`, when given, is applied too; when absent it is kept. */
export interface UpdateTask {
  type: 'UpdateTask';
  projectId: string;
  definition: TaskDefinitionInput;
  status?: string;
  at: string;
}

export interface ChangeTaskStatus {
  type: 'ChangeTaskStatus';
  projectId: string;
  status: string;
  at: string;
}

/** DELETE: starts the deletion saga, or retries it after DELETE_FAILED. */
export interface RequestTaskDeletion {
  type: 'RequestTaskDeletion';
  projectId: string;
  requestedBy: string;
  at: string;
}

/** From the deletion saga. */
export interface FailTaskDeletion {
  type: 'FailTaskDeletion';
  reason: string;
  at: string;
}

/** From the deletion saga, once every step is acknowledged. */
export interface CompleteTaskDeletion {
  type: 'CompleteTaskDeletion';
  at: string;
}

/**
 * From the process manager that handles TaskGroupDeleted {mode: 'detach'}: takes the task out of that
 * group, whatever the task's status (this repairs a reference; it is not a client's edit).
 */
export interface DetachTaskFromGroup {
  type: 'DetachTaskFromGroup';
  groupId: string;
  at: string;
}

/** Gives the task its ping URL id; a no-op when it has one (the first one stays valid for good). */
export interface AssignPingUrl {
  type: 'AssignPingUrl';
  projectId: string;
  pingId: string;
  at: string;
}

export type TaskCommand =
  | AssignPingUrl
  | CreateTask
  | UpdateTask
  | ChangeTaskStatus
  | RequestTaskDeletion
  | FailTaskDeletion
  | CompleteTaskDeletion
  | DetachTaskFromGroup;
