import type { CommandContext } from '../../commands/command-context';
import type { CreateExecution } from '../../commands/execution/execution-commands';
import type { MissedReason } from '../../events/execution-events';
import type { ScheduledTask } from './scheduled-task';

export const SCHEDULER_ACTOR = 'system:scheduler';

/** The command that creates the execution of one of the task's ticks (MISSED at once when `missed` says why). */
export function tickCommand(
  task: ScheduledTask,
  executionId: string,
  scheduledAt: string,
  triggerType: 'SCHEDULED' | 'CATCH_UP',
  now: number,
  missed?: MissedReason,
): CreateExecution {
  const command: CreateExecution = {
    type: 'CreateExecution',
    executionId,
    taskId: task.taskId,
    projectId: task.projectId,
    taskName: task.name,
    scheduledAt,
    triggerType,
    attempt: 1,
    executionMode: task.executionMode,
    timeoutSeconds: task.timeoutSeconds,
    startDeadlineSeconds: task.startDeadlineSeconds,
    at: new Date(now).toISOString(),
  };
  if (missed !== undefined) command.missed = missed;
  if (task.retry !== null) command.retry = task.retry;
  return command;
}

/** A tick starts its own conversation (dispatch, reports, deadlines correlate to the execution); its cause is the task's last event. */
export function tickContext(task: ScheduledTask, executionId: string): CommandContext {
  return { actor: SCHEDULER_ACTOR, correlationId: executionId, causationId: task.causationId };
}
