import { ConflictError } from '../../errors/app-error';
import type { TaskDefinition, TaskEvent } from '../../events/task-events';
import type { Decider } from '../decider';
import { parseClientStatus } from '../shared/client-status';
import { requireInProject, requireLive } from '../shared/guards';
import { jsonEqual } from '../shared/json-equal';
import type {
  AssignPingUrl,
  ChangeTaskStatus,
  CompleteTaskDeletion,
  CreateTask,
  DetachTaskFromGroup,
  FailTaskDeletion,
  RequestTaskDeletion,
  TaskCommand,
  TaskDefinitionInput,
  UpdateTask,
} from './task-commands';
import { evolveTask, initialTaskState, type Task, type TaskState } from './task-state';

export function decideTask(command: TaskCommand, state: TaskState): TaskEvent[] {
  if (command.type === 'CreateTask') return createTask(command, state);
  // A task of another project is 404 whatever its state, so nothing leaks across projects.
  if (state && 'projectId' in command) requireInProject(state.projectId, command.projectId, 'This task');
  // Deleting a deleted task again is a no-op (the original answers ALREADY_DELETED), and so is a
  // detach racing the deletion; anything else on a deleted task is 410.
  if (state?.deleted && isIdempotentOnDeleted(command)) return [];
  const task = requireLive(state, 'This task');
  switch (command.type) {
    case 'AssignPingUrl':
      return assignPingUrl(command, task);
    case 'UpdateTask':
      return updateTask(command, task);
    case 'ChangeTaskStatus':
      return changeStatus(command, task);
    case 'RequestTaskDeletion':
      return requestDeletion(command, task);
    case 'FailTaskDeletion':
      return failDeletion(command, task);
    case 'CompleteTaskDeletion':
      return completeDeletion(command, task);
    case 'DetachTaskFromGroup':
      return detachFromGroup(command, task);
  }
}

function isIdempotentOnDeleted(command: TaskCommand): boolean {
  return command.type === 'RequestTaskDeletion' || command.type === 'CompleteTaskDeletion' || command.type === 'DetachTaskFromGroup';
}

function createTask(command: CreateTask, state: TaskState): TaskEvent[] {
  if (state !== null) throw new ConflictError(`Task ${command.taskId} already exists`);
  const status = parseClientStatus(command.status ?? 'ACTIVE');
  const { taskId, projectId } = command;
  return [{ type: 'TaskCreated', data: { taskId, projectId, ...completeDefinition(command.definition), status, createdAt: command.at } }];
}

/** Leaving an optional field out clears it: a PUT is a full update. */
function completeDefinition(input: TaskDefinitionInput): TaskDefinition {
  return {
    taskGroupId: input.taskGroupId ?? null,
    name: input.name,
    description: input.description ?? null,
    scheduleType: input.scheduleType,
    scheduleConfig: input.scheduleConfig,
    timeoutSeconds: input.timeoutSeconds ?? null,
    metadata: input.metadata ?? null,
    executionMode: input.executionMode,
    startDeadlineSeconds: input.startDeadlineSeconds ?? null,
    alertPolicy: input.alertPolicy ?? null,
    ...(input.tags && input.tags.length > 0 ? { tags: input.tags } : {}),
    ...(input.durationAlerts ? { durationAlerts: input.durationAlerts } : {}),
    ...(input.overlap ? { overlap: input.overlap } : {}),
    ...(input.maxConcurrent !== undefined ? { maxConcurrent: input.maxConcurrent } : {}),
    ...(input.calendar ? { calendar: input.calendar } : {}),
    ...(input.retry ? { retry: input.retry } : {}),
  };
}

function updateTask(command: UpdateTask, task: Task): TaskEvent[] {
  requireNotBeingDeleted(task);
  const status = command.status === undefined ? task.status : parseClientStatus(command.status);
  const definition = completeDefinition(command.definition);
  const events: TaskEvent[] = [];
  if (!jsonEqual(definition, task.definition)) events.push(taskUpdated(task, definition, command.at));
  if (status !== task.status) events.push(statusChanged(task, status, command.at));
  return events;
}

function changeStatus(command: ChangeTaskStatus, task: Task): TaskEvent[] {
  requireNotBeingDeleted(task);
  const status = parseClientStatus(command.status);
  return status === task.status ? [] : [statusChanged(task, status, command.at)];
}

/** While the deletion saga runs (or after it failed) the task is frozen; only a deletion retry is accepted. */
function requireNotBeingDeleted(task: Task): asserts task is Task & { status: 'ACTIVE' | 'DISABLED' } {
  if (task.status === 'PENDING_DELETE' || task.status === 'DELETE_FAILED') {
    throw new ConflictError(
      `This task is being deleted (${task.status}); it cannot be changed. To retry a failed deletion, delete it again`,
    );
  }
}

function requestDeletion(command: RequestTaskDeletion, task: Task): TaskEvent[] {
  if (task.status === 'PENDING_DELETE') return [];
  return [
    {
      type: 'TaskDeletionRequested',
      data: { taskId: task.taskId, projectId: task.projectId, requestedBy: command.requestedBy, requestedAt: command.at },
    },
  ];
}

function failDeletion(command: FailTaskDeletion, task: Task): TaskEvent[] {
  if (task.status === 'DELETE_FAILED') return [];
  requireDeletionInProgress(task);
  const { taskId, projectId } = task;
  return [{ type: 'TaskDeletionFailed', data: { taskId, projectId, reason: command.reason, failedAt: command.at } }];
}

function completeDeletion(command: CompleteTaskDeletion, task: Task): TaskEvent[] {
  requireDeletionInProgress(task);
  return [{ type: 'TaskDeleted', data: { taskId: task.taskId, projectId: task.projectId, deletedAt: command.at } }];
}

function requireDeletionInProgress(task: Task): void {
  if (task.status !== 'PENDING_DELETE') {
    throw new ConflictError(`No deletion of this task is in progress (status ${task.status})`);
  }
}

function detachFromGroup(command: DetachTaskFromGroup, task: Task): TaskEvent[] {
  if (task.definition.taskGroupId !== command.groupId) return [];
  return [taskUpdated(task, { ...task.definition, taskGroupId: null }, command.at)];
}

function assignPingUrl(command: AssignPingUrl, task: Task): TaskEvent[] {
  if (task.pingId !== null) return [];
  requireNotBeingDeleted(task);
  return [{ type: 'TaskPingUrlAssigned', data: { taskId: task.taskId, projectId: task.projectId, pingId: command.pingId, assignedAt: command.at } }];
}

function taskUpdated(task: Task, definition: TaskDefinition, at: string): TaskEvent {
  return { type: 'TaskUpdated', data: { taskId: task.taskId, projectId: task.projectId, ...definition, updatedAt: at } };
}

function statusChanged(task: Task, status: 'ACTIVE' | 'DISABLED', at: string): TaskEvent {
  return { type: 'TaskStatusChanged', data: { taskId: task.taskId, projectId: task.projectId, status, updatedAt: at } };
}

export const taskDecider: Decider<TaskState, TaskCommand, TaskEvent> = {
  initialState: initialTaskState,
  evolve: evolveTask,
  decide: decideTask,
};
