import { ConflictError, ForbiddenError, NotFoundError } from '../../errors/app-error';
import { type ExecutionCancelled, missedByStartDeadline, type SystemEndStatus } from '../../events/execution-events';
import type { Decider } from '../decider';
import { measuredDurationMs } from './duration';
import type {
  CancelExecution,
  ClaimExecution,
  CreateExecution,
  ExecutionCommand,
  MarkExecutionMissed,
  ReleaseExecution,
  ReportExecutionStatus,
  TimeOutExecution,
} from './execution-commands';
import {
  type ExecutionDeciderEvent,
  evolveExecution,
  type Execution,
  type ExecutionState,
  initialExecutionState,
  isEndedBySystem,
  isTerminal,
} from './execution-state';
import { failDispatch, retryAfter, staleAttemptReport, startRetry } from './retry-decision';

/**
 * The execution status rules (DESIGN.md, "Execution status rules"), all in this file:
 *   PENDING → RUNNING                       executor report or claim
 *   PENDING | RUNNING → SUCCESS | FAILED    executor report (old executors never send RUNNING)
 *   PENDING | RUNNING → CANCELLED           API
 *   PENDING | RUNNING → TIMED_OUT           timeout deadline
 *   PENDING → MISSED                        start deadline
 *   (new) → SKIPPED | QUEUED                overlap policy or max_concurrent, at creation
 *   QUEUED → PENDING                        the run it waited for ended (scheduler)
 *   QUEUED → CANCELLED                      API
 *   … → RETRYING → PENDING                  retry policy (retry-decision.ts)
 * A report equal to the current status changes nothing (the first error is kept). A report that
 * contradicts the executor's own earlier report is 409. A report after the system ended the execution
 * is recorded as a late report (compat route) or refused with 409 (v1 route). A deadline that finds the
 * execution already ended, or no longer waiting to start, changes nothing: that is how a report racing
 * a deadline resolves to exactly one outcome under optimistic concurrency.
 *
 * Claims (pull mode) are leases: a claim moves the execution to RUNNING with `claimedBy`; the claimer's
 * RUNNING report (otherwise a no-op repeat) confirms it (ExecutionClaimConfirmed). A claim still
 * unconfirmed `leaseSeconds` after it was made may be taken over by another claimer
 * (ExecutionClaimLapsed, then ExecutionStarted for the new claimer).
 */
export function decideExecution(command: ExecutionCommand, state: ExecutionState): ExecutionDeciderEvent[] {
  if (command.type === 'CreateExecution') return createExecution(command, state);
  if (state === null) throw new NotFoundError('This execution does not exist');
  switch (command.type) {
    case 'ReportExecutionStatus':
      return reportStatus(command, state);
    case 'ClaimExecution':
      return claim(command, state);
    case 'CancelExecution':
      return cancel(command, state);
    case 'ReleaseExecution':
      return release(command, state);
    case 'TimeOutExecution':
      return timeOut(command, state);
    case 'MarkExecutionMissed':
      return markMissed(command, state);
    case 'StartExecutionRetry':
      return startRetry(command, state);
    case 'FailExecutionDispatch':
      return failDispatch(command, state);
  }
}

function createExecution(command: CreateExecution, state: ExecutionState): ExecutionDeciderEvent[] {
  if (state !== null) throw new ConflictError(`Execution ${command.executionId} already exists`);
  const { executionId, taskId, projectId, missed, at } = command;
  const events: ExecutionDeciderEvent[] = [
    {
      type: 'ExecutionCreated',
      data: {
        executionId,
        taskId,
        projectId,
        taskName: command.taskName,
        scheduledAt: command.scheduledAt,
        triggerType: command.triggerType,
        attempt: command.attempt,
        executionMode: command.executionMode,
        timeoutSeconds: command.timeoutSeconds,
        startDeadlineSeconds: command.startDeadlineSeconds,
        createdAt: at,
        ...(command.retry ? { retry: command.retry } : {}),
      },
    },
  ];
  if (missed !== undefined) {
    events.push({ type: 'ExecutionMissed', data: { executionId, taskId, projectId, at, ...missed } });
  } else if (command.overlap !== undefined) {
    const { action, cause, blockingExecutionId, limit } = command.overlap;
    const data = { executionId, taskId, projectId, at, cause, blockingExecutionId, limit };
    events.push(action === 'skip' ? { type: 'ExecutionSkipped', data } : { type: 'ExecutionQueued', data });
  }
  return events;
}

function reportStatus(command: ReportExecutionStatus, execution: Execution): ExecutionDeciderEvent[] {
  requireOwnProject(execution, command.projectId);
  const stale = staleAttemptReport(command, execution);
  if (stale !== null) return stale;
  const { status: current } = execution;
  const reported = command.status;
  if (reported === current) {
    // The claimer's RUNNING report confirms its claim (the status does not change); any other repeat
    // is a no-op: 200, nothing changes, the first error stays.
    if (reported === 'RUNNING' && execution.claimedBy !== null && !execution.claimConfirmed) {
      return [{ type: 'ExecutionClaimConfirmed', data: { ...execution.ref, claimedBy: execution.claimedBy, at: command.at } }];
    }
    return [];
  }
  if (isEndedBySystem(current)) return lateReport(command, execution, current);
  if (isTerminal(current)) {
    throw new ConflictError(
      `This execution already ended with ${current}; a ${reported} report contradicts it and was not applied`,
      [`status: ${current}`],
    );
  }
  if (current === 'QUEUED') {
    throw new ConflictError('This execution is QUEUED: it waits for an earlier run of its task and has not been dispatched', [
      'status: QUEUED',
    ]);
  }
  // From here the execution is PENDING or RUNNING and the report differs from it.
  if (reported === 'PENDING') {
    throw new ConflictError(`This execution is ${current}; it cannot go back to PENDING`, [`status: ${current}`]);
  }
  const { ref } = execution;
  const { at } = command;
  if (reported === 'RUNNING') return [{ type: 'ExecutionStarted', data: { ...ref, at, claimedBy: null } }];
  const end = {
    at,
    exitCode: command.exitCode ?? null,
    durationMs: command.durationMs ?? measuredDurationMs(execution, at),
    metrics: command.metrics ?? null,
  };
  if (reported === 'SUCCESS') return [{ type: 'ExecutionSucceeded', data: { ...ref, ...end } }];
  const error = command.error ?? null;
  const retry = retryAfter(execution, 'FAILED', { at, error, exitCode: end.exitCode, durationMs: end.durationMs });
  return [retry ?? { type: 'ExecutionFailed', data: { ...ref, ...end, error } }];
}

/**
 * The system ended the execution before the executor reported. The outcome stands; the report is
 * kept for the audit trail (every report on compat, so an old executor gets its 200), or refused on v1
 * where callers can handle a 409.
 */
function lateReport(
  command: ReportExecutionStatus,
  execution: Execution,
  current: SystemEndStatus,
): ExecutionDeciderEvent[] {
  if (command.route === 'v1') {
    throw new ConflictError(
      `This execution was already ended by the system as ${current} at ${execution.endedAt}; the ${command.status} report was not applied`,
      [`status: ${current}`],
    );
  }
  return [
    {
      type: 'ExecutionLateReportReceived',
      data: { ...execution.ref, at: command.at, reportedStatus: command.status, error: command.error ?? null, currentStatus: current },
    },
  ];
}

/**
 * Unlike a RUNNING report, a claim must be exclusive: two workers claiming the same execution must not
 * both get it. A claimer repeating its own claim (a retried request) gets it again.
 */
function claim(command: ClaimExecution, execution: Execution): ExecutionDeciderEvent[] {
  requireOwnProject(execution, command.projectId);
  if (execution.status === 'RUNNING' && execution.claimedBy === command.claimedBy) return [];
  const lapsed = lapsedClaim(command, execution);
  if (lapsed) return [lapsed, { type: 'ExecutionStarted', data: { ...execution.ref, at: command.at, claimedBy: command.claimedBy } }];
  if (execution.status !== 'PENDING') {
    throw new ConflictError(`This execution is ${execution.status}; only a PENDING execution can be claimed`, [
      `status: ${execution.status}`,
    ]);
  }
  return [{ type: 'ExecutionStarted', data: { ...execution.ref, at: command.at, claimedBy: command.claimedBy } }];
}

/** The lapse of another claimer's unconfirmed claim whose lease has passed, or null. */
function lapsedClaim(command: ClaimExecution, execution: Execution): ExecutionDeciderEvent | null {
  const { leaseSeconds } = command;
  const { claimedBy, runStartedAt } = execution;
  if (leaseSeconds === undefined || execution.status !== 'RUNNING' || execution.claimConfirmed) return null;
  if (claimedBy === null || runStartedAt === null) return null;
  if (Date.parse(command.at) < Date.parse(runStartedAt) + leaseSeconds * 1000) return null;
  return { type: 'ExecutionClaimLapsed', data: { ...execution.ref, claimedBy, claimedAt: runStartedAt, leaseSeconds, at: command.at } };
}

function cancel(command: CancelExecution, execution: Execution): ExecutionDeciderEvent[] {
  if (execution.status === 'CANCELLED') return [];
  if (isTerminal(execution.status)) {
    throw new ConflictError(`This execution already ended with ${execution.status}; there is nothing to cancel`, [
      `status: ${execution.status}`,
    ]);
  }
  const data: ExecutionCancelled['data'] = { ...execution.ref, at: command.at, by: command.by };
  if (command.replacedBy !== undefined) {
    data.reason = `replaced by ${command.replacedBy}`;
    data.replacedBy = command.replacedBy;
  }
  return [{ type: 'ExecutionCancelled', data }];
}

/** Only a QUEUED execution is released; anything else (released before, cancelled) changes nothing. */
function release(command: ReleaseExecution, execution: Execution): ExecutionDeciderEvent[] {
  if (execution.status !== 'QUEUED') return [];
  return [{ type: 'ExecutionReleased', data: { ...execution.ref, at: command.at, after: command.after } }];
}

/** Another attempt's deadline (one that fired as the attempt ended) changes nothing. */
function otherAttempt(command: { attempt?: number }, execution: Execution): boolean {
  return command.attempt !== undefined && command.attempt !== execution.attempt;
}

/** A QUEUED run has not started its clock: its timeout counts from the release (deadlines manager). */
function timeOut(command: TimeOutExecution, execution: Execution): ExecutionDeciderEvent[] {
  if (isTerminal(execution.status) || execution.status === 'QUEUED' || execution.status === 'RETRYING' || otherAttempt(command, execution)) return [];
  const { at, timeoutSeconds } = command;
  const failure = { at, error: `Timed out after ${timeoutSeconds} s`, exitCode: null, durationMs: measuredDurationMs(execution, at) };
  return [retryAfter(execution, 'TIMED_OUT', failure) ?? { type: 'ExecutionTimedOut', data: { ...execution.ref, at, timeoutSeconds } }];
}

/** Once RUNNING, the execution has started: its start deadline no longer applies. */
function markMissed(command: MarkExecutionMissed, execution: Execution): ExecutionDeciderEvent[] {
  if (execution.status !== 'PENDING' || otherAttempt(command, execution)) return [];
  return [{ type: 'ExecutionMissed', data: { ...execution.ref, at: command.at, ...missedByStartDeadline(command.startDeadlineSeconds) } }];
}

/** An API key reports and claims only its own project's executions. */
function requireOwnProject(execution: Execution, projectId: string): void {
  if (execution.ref.projectId !== projectId) {
    throw new ForbiddenError("This execution belongs to another project; use that project's API key");
  }
}

export const executionDecider: Decider<ExecutionState, ExecutionCommand, ExecutionDeciderEvent> = {
  initialState: initialExecutionState,
  evolve: evolveExecution,
  decide: decideExecution,
};
