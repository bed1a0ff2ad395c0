import { randomUUID } from 'node:crypto';
import { executionStream } from '../../events/streams';
import type { CommandContext } from '../command-context';
import { executionDecider } from '../execution/execution-decider';
import type { TriggerType } from '../../events/execution-events';
import { type ExecuteOptions, executeCommand } from '../execute-command';
import type { Task } from '../task/task-state';
import type { FlowServices } from './flow-services';

/**
 * Creates an execution of the task as it is now, scheduled for now, outside its schedule: a manual
 * trigger, or an external run that matched no tick. Returns its id and scheduled instant.
 */
export async function createUnscheduledRun(
  services: FlowServices,
  context: CommandContext,
  task: Task,
  triggerType: Extract<TriggerType, 'MANUAL' | 'EXTERNAL'>,
  options?: ExecuteOptions,
): Promise<{ executionId: string; scheduledAt: string }> {
  const executionId = randomUUID();
  const at = services.clock.now().toISOString();
  const { definition, taskId, projectId } = task;
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
      triggerType,
      attempt: 1,
      executionMode: definition.executionMode,
      timeoutSeconds: definition.timeoutSeconds,
      startDeadlineSeconds: definition.startDeadlineSeconds,
      at,
    },
    context,
    options,
  );
  return { executionId, scheduledAt: at };
}
