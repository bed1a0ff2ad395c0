import { randomUUID } from 'node:crypto';
import { ConflictError } from '../../errors/app-error';
import { executionStream } from '../../events/streams';
import type { CommandContext } from '../command-context';
import { executionDecider } from '../execution/execution-decider';
import { executeCommand } from '../execute-command';
import type { FlowServices } from './flow-services';
import { loadLiveTask } from './load-task';

export interface TriggeredExecution {
  executionId: string;
  scheduledAt: string;
}

/**
 * A manual run (POST …/trigger): a new execution of the task as it is now, scheduled for now. A
 * DISABLED task can be run by hand (that is what disabling leaves open); one being deleted cannot.
 */
export async function triggerTask(services: FlowServices, context: CommandContext, projectId: string, taskId: string): Promise<TriggeredExecution> {
  const task = await loadLiveTask(services.events, projectId, taskId);
  if (task.status === 'PENDING_DELETE' || task.status === 'DELETE_FAILED') {
    throw new ConflictError(`This task is being deleted (${task.status}); it cannot be triggered`);
  }
  const executionId = randomUUID();
  const at = services.clock.now().toISOString();
  const { definition } = task;
  await executeCommand(
    services,
    executionStream(executionId),
    executionDecider,
    {
      type: 'CreateExecution',
      executionId,
      taskId,
      projectId,
      taskName: definition.name,
      scheduledAt: at,
      triggerType: 'MANUAL',
      attempt: 1,
      executionMode: definition.executionMode,
      timeoutSeconds: definition.timeoutSeconds,
      startDeadlineSeconds: definition.startDeadlineSeconds,
      at,
    },
    context,
  );
  return { executionId, scheduledAt: at };
}
