import { ConflictError } from '../../errors/app-error';
import type { TaskGroupDefinition, TaskGroupEvent, TaskGroupStatus } from '../../events/task-group-events';
import type { Decider } from '../decider';
import { parseClientStatus } from '../shared/client-status';
import { requireInProject, requireLive } from '../shared/guards';
import { jsonEqual } from '../shared/json-equal';
import { validateGroupWindow } from './group-window';
import type { CreateTaskGroup, TaskGroupCommand, TaskGroupDefinitionInput } from './task-group-commands';
import { evolveTaskGroup, initialTaskGroupState, type TaskGroup, type TaskGroupState } from './task-group-state';

export function decideTaskGroup(command: TaskGroupCommand, state: TaskGroupState): TaskGroupEvent[] {
  if (command.type === 'CreateTaskGroup') return createGroup(command, state);
  // Deleting twice is a no-op (the original answers 204 again); anything else on a deleted group is 410.
  if (state) requireInProject(state.projectId, command.projectId, 'This task group');
  if (command.type === 'DeleteTaskGroup' && state?.deleted) return [];
  const group = requireLive(state, 'This task group');
  const { groupId, projectId } = group;
  switch (command.type) {
    case 'UpdateTaskGroup': {
      const definition = completeDefinition(command.definition, group.definition.status);
      if (jsonEqual(definition, group.definition)) return [];
      return [{ type: 'TaskGroupUpdated', data: { groupId, projectId, ...definition, updatedAt: command.at } }];
    }
    case 'StartTaskGroup':
      // Recorded every time: whether a start still overrides depends on the window boundaries passed
      // since, which the group window manager knows and this decider does not.
      requireActive(group);
      return [{ type: 'TaskGroupStarted', data: { groupId, projectId, manual: true, at: command.at } }];
    case 'StopTaskGroup':
      requireActive(group);
      return [{ type: 'TaskGroupStopped', data: { groupId, projectId, manual: true, at: command.at } }];
    case 'DeleteTaskGroup':
      return [{ type: 'TaskGroupDeleted', data: { groupId, projectId, mode: command.mode, deletedAt: command.at } }];
  }
}

function createGroup(command: CreateTaskGroup, state: TaskGroupState): TaskGroupEvent[] {
  if (state !== null) throw new ConflictError(`Task group ${command.groupId} already exists`);
  const { groupId, projectId } = command;
  const definition = completeDefinition(command.definition, 'ACTIVE');
  return [{ type: 'TaskGroupCreated', data: { groupId, projectId, ...definition, createdAt: command.at } }];
}

function completeDefinition(input: TaskGroupDefinitionInput, defaultStatus: TaskGroupStatus): TaskGroupDefinition {
  const startTime = input.startTime ?? null;
  const endTime = input.endTime ?? null;
  validateGroupWindow(startTime, endTime);
  return {
    name: input.name,
    description: input.description ?? null,
    status: input.status === undefined ? defaultStatus : parseClientStatus(input.status),
    startTime,
    endTime,
    timezone: input.timezone ?? 'UTC',
    ...(input.overlap ? { overlap: input.overlap } : {}),
    ...(input.maxConcurrent !== undefined ? { maxConcurrent: input.maxConcurrent } : {}),
    ...(input.calendar ? { calendar: input.calendar } : {}),
  };
}

/** A disabled group never runs, so a manual start or stop would be silently meaningless. */
function requireActive(group: TaskGroup): void {
  if (group.definition.status !== 'ACTIVE') {
    throw new ConflictError('This task group is DISABLED; set its status to ACTIVE before starting or stopping it');
  }
}

export const taskGroupDecider: Decider<TaskGroupState, TaskGroupCommand, TaskGroupEvent> = {
  initialState: initialTaskGroupState,
  evolve: evolveTaskGroup,
  decide: decideTaskGroup,
};
