import { ConflictError, NotFoundError, ValidationError } from '../../errors/app-error';
import type { DeletionEvent, DeletionStep } from '../../events/deletion-events';
import type { Decider } from '../decider';
import type {
  CompleteDeletionStep,
  DeletionCommand,
  RecordDeletionStepFailure,
  RecordExecutionsPurged,
  RetryPolicy,
  StartTaskDeletion,
} from './deletion-commands';
import { type DeletionSaga, type DeletionSagaState, evolveDeletionSaga, initialDeletionSagaState, nextDeletionStep } from './deletion-state';

/**
 * The deletion saga's decider (stream `deletion-<taskId>`): which step comes next, when a step is
 * acknowledged, when to retry and when to give up. Pure; the deletion manager
 * (src/process-managers/deletion/) performs the steps and reports back through these commands.
 *
 * Giving up (DELETE_FAILED) is possible only before `mark-deleted`: that step records TaskDeleted,
 * after which the task cannot be retried by a user (it no longer exists), so the reconciler keeps
 * retrying it (with the longest back-off) until it succeeds.
 */
export function decideDeletion(command: DeletionCommand, state: DeletionSagaState): DeletionEvent[] {
  if (command.type === 'StartTaskDeletion') return start(command, state);
  if (state === null) throw new NotFoundError('No deletion of this task has been started');
  switch (command.type) {
    case 'RecordExecutionsPurged':
      return recordPurged(command, requireAt(state, 'purge'));
    case 'RequestTaskPurge': {
      const saga = requireAt(state, 'purge');
      return [{ type: 'TaskPurgeRequested', data: { taskId: saga.taskId, projectId: saga.projectId, at: command.at } }];
    }
    case 'CompleteDeletionStep':
      return completeStep(command, state);
    case 'RecordDeletionStepFailure':
      return recordFailure(command, requireAt(state, command.step));
    case 'FinishTaskDeletion': {
      if (state.status === 'completed') return [];
      requireRunning(state);
      const missing = nextDeletionStep(state);
      if (missing !== null) throw new ConflictError(`The deletion cannot finish: step ${missing} is not acknowledged yet`);
      const { taskId, projectId, taskName, requestedBy } = state;
      return [
        {
          type: 'TaskDeletionCompleted',
          data: { taskId, projectId, taskName, deletedBy: requestedBy, executionsPurged: state.executionsPurged, at: command.at },
        },
      ];
    }
  }
}

/**
 * A request is answered once: replaying the same request changes nothing, a request while the saga
 * runs joins it, and only a newer request after the saga gave up starts another attempt.
 */
function start(command: StartTaskDeletion, state: DeletionSagaState): DeletionEvent[] {
  if (state?.status === 'completed' || state?.status === 'running') return [];
  if (state !== null && BigInt(command.requestPosition) <= BigInt(state.requestPosition)) return [];
  const { taskId, projectId, taskName, requestedBy, requestedAt, requestPosition, at } = command;
  return [
    {
      type: 'TaskDeletionStarted',
      data: { taskId, projectId, taskName, requestedBy, requestedAt, requestPosition, attempt: (state?.attempt ?? 0) + 1, at },
    },
  ];
}

function recordPurged(command: RecordExecutionsPurged, saga: DeletionSaga): DeletionEvent[] {
  if (command.executionIds.length === 0) throw new ValidationError('A purge chunk lists at least one execution');
  return [
    {
      type: 'ExecutionsPurged',
      data: {
        projectId: saga.projectId,
        taskId: saga.taskId,
        executionIds: command.executionIds,
        taskIds: command.taskIds,
        reason: 'task-deleted',
        at: command.at,
      },
    },
  ];
}

function completeStep(command: CompleteDeletionStep, saga: DeletionSaga): DeletionEvent[] {
  if (saga.completed.includes(command.step)) return [];
  requireAt(saga, command.step);
  const { taskId, projectId } = saga;
  return [{ type: 'DeletionStepCompleted', data: { taskId, projectId, step: command.step, at: command.at, detail: command.detail ?? {} } }];
}

function recordFailure(command: RecordDeletionStepFailure, saga: DeletionSaga): DeletionEvent[] {
  const { taskId, projectId } = saga;
  const { step, reason, at, policy } = command;
  const failures = saga.failures + 1;
  const givesUp = step !== 'mark-deleted' && failures >= policy.maxFailures;
  const retryAt = givesUp ? null : new Date(Date.parse(at) + retryDelayMs(policy, failures)).toISOString();
  const events: DeletionEvent[] = [{ type: 'DeletionStepFailed', data: { taskId, projectId, step, reason, failures, retryAt, at } }];
  if (givesUp) events.push({ type: 'TaskDeletionAbandoned', data: { taskId, projectId, step, reason, at } });
  return events;
}

/** Exponential back-off: base, 2×base, 4×base, … capped. */
export function retryDelayMs(policy: RetryPolicy, failures: number): number {
  return Math.min(policy.baseDelayMs * 2 ** Math.max(0, failures - 1), policy.maxDelayMs);
}

function requireRunning(saga: DeletionSaga): void {
  if (saga.status !== 'running') throw new ConflictError(`This deletion is ${saga.status}; a new deletion request restarts it`);
}

/** The saga runs and `step` is the step it is at (steps are acknowledged strictly in order). */
function requireAt(saga: DeletionSaga, step: DeletionStep): DeletionSaga {
  requireRunning(saga);
  const next = nextDeletionStep(saga);
  if (next !== step) throw new ConflictError(`The deletion is at step ${next ?? '(finished)'}, not ${step}`);
  return saga;
}

export const deletionDecider: Decider<DeletionSagaState, DeletionCommand, DeletionEvent> = {
  initialState: initialDeletionSagaState,
  evolve: evolveDeletionSaga,
  decide: decideDeletion,
};
