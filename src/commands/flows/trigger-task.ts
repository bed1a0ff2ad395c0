import { ConflictError } from '../../errors/app-error';
import type { CommandContext } from '../command-context';
import type { FlowServices } from './flow-services';
import { type ManualOverlapServices, refuseManualRunUnderForbid } from './manual-overlap';
import { loadLiveTask } from './load-task';
import { createUnscheduledRun } from './unscheduled-run';

export interface TriggeredExecution {
  executionId: string;
  scheduledAt: string;
}

/**
 * A manual run (POST …/trigger): a new execution of the task as it is now, scheduled for now. A
 * DISABLED task can be run by hand (that is what disabling leaves open); one being deleted cannot, nor
 * one whose `forbid` overlap policy an open run blocks (manual-overlap.ts).
 */
export async function triggerTask(services: FlowServices & ManualOverlapServices, context: CommandContext, projectId: string, taskId: string): Promise<TriggeredExecution> {
  const task = await loadLiveTask(services.events, projectId, taskId);
  if (task.status === 'PENDING_DELETE' || task.status === 'DELETE_FAILED') {
    throw new ConflictError(`This task is being deleted (${task.status}); it cannot be triggered`);
  }
  await refuseManualRunUnderForbid(services, task);
  return createUnscheduledRun(services, context, task, 'MANUAL');
}
