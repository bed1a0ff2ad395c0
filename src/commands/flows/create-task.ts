import { taskStream } from '../../events/streams';
import type { CommandContext } from '../command-context';
import { executeCommand } from '../execute-command';
import type { CreateTask } from '../task/task-commands';
import { taskDecider } from '../task/task-decider';
import type { FlowServices } from './flow-services';
import { defaultExecutionMode, requireGroupOfProject } from './task-references';
import { requireCalendarOfProject } from './calendar-reference';
import type { TaskDraft } from './task-draft';
import { withReservedTaskName } from './task-name';
import { newEntityId } from '../idempotent-request';
import { assignPingUrl } from './ping-url';

/**
 * Creates a task: checks what the decider cannot see (the project, the group) and what it would
 * refuse (a dry run of the pure decider), claims the name, then records TaskCreated. So a refused
 * request records nothing, not even a claim given back; only a creation that fails afterwards (a
 * lost race, a store failure) gives the name back.
 */
export async function createTask(
  services: FlowServices,
  context: CommandContext,
  projectId: string,
  draft: TaskDraft,
  status: string | undefined,
): Promise<string> {
  const executionMode = draft.executionMode ?? (await defaultExecutionMode(services.events, projectId));
  await requireGroupOfProject(services.events, projectId, draft.taskGroupId);
  await requireCalendarOfProject(services.events, projectId, draft.calendar, 'task');
  const taskId = newEntityId(context);
  const definition = { ...draft, executionMode };
  const command: CreateTask = { type: 'CreateTask', taskId, projectId, definition, status, at: services.clock.now().toISOString() };
  taskDecider.decide(command, taskDecider.initialState);
  await withReservedTaskName(services, context, { projectId, taskId, name: draft.name }, () =>
    executeCommand(services, taskStream(taskId), taskDecider, command, context),
  );
  await assignPingUrl(services, context, projectId, taskId);
  return taskId;
}
