import { nameKey, taskStream } from '../../events/streams';
import type { CommandContext } from '../command-context';
import { executeCommand } from '../execute-command';
import { type RevisionPrecondition, requireRevision } from '../revision-precondition';
import type { UpdateTask } from '../task/task-commands';
import { taskDecider } from '../task/task-decider';
import type { FlowServices } from './flow-services';
import { loadLiveTaskAt } from './load-task';
import { defaultExecutionMode, requireGroupOfProject } from './task-references';
import { requireCalendarOfProject } from './calendar-reference';
import type { TaskDraft } from './task-draft';
import { releaseTaskName, withReservedTaskName } from './task-name';
import { assignPingUrl } from './ping-url';

/**
 * A full update (PUT). A rename claims the new name first and gives the old one back only after the
 * update is recorded, so the task always holds the name it has. What the decider would refuse (a
 * task being deleted, a deletion status) is found by a dry run before anything is claimed, and so is
 * a stale If-Match (which the update's append checks again, atomically).
 */
export async function updateTask(
  services: FlowServices,
  context: CommandContext,
  projectId: string,
  taskId: string,
  draft: TaskDraft,
  status: string | undefined,
  ifMatch?: RevisionPrecondition,
): Promise<void> {
  const { task, revision } = await loadLiveTaskAt(services.events, projectId, taskId);
  const executionMode = draft.executionMode ?? (await defaultExecutionMode(services.events, projectId));
  await requireGroupOfProject(services.events, projectId, draft.taskGroupId);
  await requireCalendarOfProject(services.events, projectId, draft.calendar, 'task');
  const definition = { ...draft, executionMode };
  const command: UpdateTask = { type: 'UpdateTask', projectId, definition, status, at: services.clock.now().toISOString() };
  taskDecider.decide(command, task);
  requireRevision(ifMatch, revision, taskStream(taskId));

  const update = () => executeCommand(services, taskStream(taskId), taskDecider, command, context, { ifMatch });
  const oldName = task.definition.name;
  if (nameKey(oldName) === nameKey(draft.name)) {
    await update();
  } else {
    await withReservedTaskName(services, context, { projectId, taskId, name: draft.name }, update);
    await releaseTaskName(services, context, projectId, taskId, oldName);
  }
  // A task switched to external mode gets its ping URL (one it had before stays).
  await assignPingUrl(services, context, projectId, taskId);
}
