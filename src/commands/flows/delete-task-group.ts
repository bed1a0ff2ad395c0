import type { AppServices } from '../../app-services';
import { taskGroupStream, taskStream } from '../../events/streams';
import type { TaskGroupDeletionMode } from '../../events/task-group-events';
import { listGroupTasks } from '../../queries/list-tasks';
import type { Position } from '../../stores/events/event-store';
import type { CommandContext } from '../command-context';
import { executeCommand } from '../execute-command';
import { taskGroupDecider } from '../task-group/task-group-decider';
import { taskDecider } from '../task/task-decider';

/**
 * DELETE of a group, then its tasks: in `delete_tasks` mode each one's deletion is requested, and
 * each is detached (no task is left pointing at a missing group). Every step is idempotent, so
 * repeating the DELETE finishes what an interrupted one started. Task creation and updates check the
 * group on its own stream, so no task joins the group once it is deleted.
 */
export async function deleteTaskGroup(
  services: Pick<AppServices, 'events' | 'clock' | 'projections' | 'reads' | 'registry'>,
  context: CommandContext,
  projectId: string,
  groupId: string,
  mode: TaskGroupDeletionMode,
): Promise<void> {
  const at = () => services.clock.now().toISOString();
  // Waits for the read models, so the task list below includes every task that joined before.
  await executeCommand(services, taskGroupStream(groupId), taskGroupDecider, { type: 'DeleteTaskGroup', projectId, mode, at: at() }, context);
  let last: Position | null = null;
  for (const task of await listGroupTasks(services, groupId)) {
    const stream = taskStream(task.id);
    const options = { readYourWrites: false };
    // Deletion first: a task leaves the list by its detachment, so a repeated DELETE still finds
    // a task whose detachment was interrupted, and never misses one whose deletion was.
    if (mode === 'delete_tasks') {
      const command = { type: 'RequestTaskDeletion', projectId, requestedBy: context.actor, at: at() } as const;
      last = (await executeCommand(services, stream, taskDecider, command, context, options)).position ?? last;
    }
    const detach = { type: 'DetachTaskFromGroup', groupId, at: at() } as const;
    last = (await executeCommand(services, stream, taskDecider, detach, context, options)).position ?? last;
  }
  // One wait for all the tasks' changes rather than one per task.
  if (last !== null) await services.projections.waitForPosition(last);
}
