import { executionStream } from '../../events/streams';
import type { CommandContext } from '../command-context';
import { executionDecider } from '../execution/execution-decider';
import type { TriggerType } from '../../events/execution-events';
import { type ExecuteOptions, executeCommand } from '../execute-command';
import type { Task } from '../task/task-state';
import type { FlowServices } from './flow-services';
import { newEntityId } from '../idempotent-request';

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
  const executionId = newEntityId(context);
  const at = services.clock.now().toISOString();
  const { definition, taskId, projectId } = task;
  const { events } = await executeCommand(
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
      // An external run is started and ended by its caller: never retried.
      ...(definition.retry && triggerType === 'MANUAL' ? { retry: definition.retry } : {}),
      at,
    },
    context,
    // A new id: its stream is not read (a retried request's id is its first attempt's, found by the append).
    { ...options, known: { state: executionDecider.initialState, revision: 'no_stream' } },
  );
  // From the event: a retried request (Idempotency-Key) is answered with the execution its first attempt created.
  const created = events.find((event) => event.type === 'ExecutionCreated');
  return { executionId, scheduledAt: created ? (created.data as { scheduledAt: string }).scheduledAt : at };
}
