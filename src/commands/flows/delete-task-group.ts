import type { AppServices } from '../../app-services';
import { GoneError } from '../../errors/app-error';
import { taskGroupStream, taskStream } from '../../events/streams';
import type { TaskGroupDeletionMode } from '../../events/task-group-events';
import { listGroupTasks } from '../../queries/list-tasks';
import type { CommandContext } from '../command-context';
import { executeCommand } from '../execute-command';
import { taskGroupDecider } from '../task-group/task-group-decider';
import { taskDecider } from '../task/task-decider';

type GroupServices = Pick<AppServices, 'events' | 'clock' | 'projections' | 'reads' | 'registry'>;

/**
 * DELETE of a group, then its tasks: in `delete_tasks` mode each one's deletion is requested, and
 * each is detached (no task is left pointing at a missing group). Every step is idempotent, so repeating the
 * DELETE finishes what an interrupted one started; the group-deletion process manager
 * (src/process-managers/deletion/group-deletion-manager.ts) also finishes it after a crash, and
 * detaches a task that joined the group in a race with its deletion. Task creation and updates check
 * the group on its own stream, so no task joins the group once it is deleted.
 */
export async function deleteTaskGroup(
  services: GroupServices,
  context: CommandContext,
  projectId: string,
  groupId: string,
  mode: TaskGroupDeletionMode,
): Promise<void> {
  const at = () => services.clock.now().toISOString();
  // Waits for the read models, so the task list below includes every task that joined before.
  await executeCommand(services, taskGroupStream(groupId), taskGroupDecider, { type: 'DeleteTaskGroup', projectId, mode, at: at() }, context);
  await settleGroupTasks(services, context, projectId, groupId, mode);
}

/**
 * Detaches every task the tasks read model still lists in the group, after requesting its deletion
 * in `delete_tasks` mode. A task deleted meanwhile (its stream tombstoned by the deletion saga) is
 * skipped. Returns how many tasks it went through.
 */
export async function settleGroupTasks(
  services: GroupServices,
  context: CommandContext,
  projectId: string,
  groupId: string,
  mode: TaskGroupDeletionMode,
  /** Whom the requested deletions are on behalf of: the caller, or (process manager) whoever deleted the group. */
  requestedBy: string = context.actor,
): Promise<number> {
  const at = () => services.clock.now().toISOString();
  const tasks = await listGroupTasks(services, groupId);
  for (const task of tasks) {
    const stream = taskStream(task.id);
    const options = { readYourWrites: false };
    try {
      // Deletion first: a task leaves the list by its detachment, so a repeated DELETE still finds
      // a task whose detachment was interrupted, and never misses one whose deletion was.
      if (mode === 'delete_tasks') {
        const command = { type: 'RequestTaskDeletion', projectId, requestedBy, at: at() } as const;
        await executeCommand(services, stream, taskDecider, command, context, options);
      }
      const detach = { type: 'DetachTaskFromGroup', groupId, at: at() } as const;
      await executeCommand(services, stream, taskDecider, detach, context, options);
    } catch (err) {
      if (!(err instanceof GoneError)) throw err; // deleted and purged meanwhile: nothing points at the group
    }
  }
  // One wait for all the tasks' changes rather than one per task. Up to the head, not our last event:
  // the group deletion manager settles the same tasks concurrently, and a command that found its work
  // already done by it appends nothing, yet the caller must read that work.
  if (tasks.length > 0) await services.projections.waitForPosition(await services.events.headPosition());
  return tasks.length;
}
