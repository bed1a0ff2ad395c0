import type { FailedDeliveryOutcome } from '../../events/delivery-outcome';
import type { ExecutionDispatchEvent, ExecutionDispatchFailed } from '../../events/dispatch-events';
import type { ExecutionRef } from '../../events/execution-events';
import type { Decider } from '../decider';
import { type ExecutionDeciderEvent, evolveExecution, type ExecutionState } from '../execution/execution-state';

/**
 * The push dispatch of one execution, decided on the execution's own stream (status and dispatch
 * events together), so the rules below hold under optimistic concurrency:
 * - an attempt is recorded (the intent) only while the execution is PENDING: any status report (RUNNING,
 *   SUCCESS, FAILED) or system end (cancel, deadlines) moves it on, after which nothing is (re-)sent;
 * - attempts are numbered 1, 2, … with at most one in flight; attempt N+1 only after attempt N failed
 *   retryably with a next attempt planned, so two instances can never both send attempt N (the loser's
 *   append conflicts, it re-reads and finds the attempt taken);
 * - each attempt gets exactly one outcome.
 * Log lines live on another stream that deciders never read: the dispatcher checks them itself.
 */
export interface DispatchState {
  execution: ExecutionState;
  /** The highest attempt recorded (0: none). */
  attempts: number;
  /** The attempt whose intent has no outcome yet. */
  inFlight: number | null;
  /** The last attempt's failure, when it failed. */
  lastFailure: ExecutionDispatchFailed['data'] | null;
  /** Dispatched, failed for good, outcome unknown or abandoned: nothing more will be sent. */
  concluded: boolean;
}

export type DispatchDeciderEvent = ExecutionDeciderEvent | ExecutionDispatchEvent;

export interface RecordDispatchAttempt {
  type: 'RecordDispatchAttempt';
  attempt: number;
  url: string;
  at: string;
}

export type DispatchOutcome =
  | { kind: 'dispatched'; status: number; durationMs: number }
  | {
      kind: 'failed';
      outcome: FailedDeliveryOutcome;
      reason: string;
      retryable: boolean;
      status: number | null;
      durationMs: number;
      nextAttemptAt: string | null;
    }
  | { kind: 'unknown'; reason: string };

export interface RecordDispatchOutcome {
  type: 'RecordDispatchOutcome';
  attempt: number;
  outcome: DispatchOutcome;
  at: string;
}

export interface AbandonDispatch {
  type: 'AbandonDispatch';
  reason: string;
  at: string;
}

export type DispatchCommand = RecordDispatchAttempt | RecordDispatchOutcome | AbandonDispatch;

export const initialDispatchState: DispatchState = { execution: null, attempts: 0, inFlight: null, lastFailure: null, concluded: false };

export function evolveDispatch(state: DispatchState, event: DispatchDeciderEvent): DispatchState {
  switch (event.type) {
    case 'ExecutionDispatchAttempted':
      return { ...state, attempts: Math.max(state.attempts, event.data.attempt), inFlight: event.data.attempt };
    case 'ExecutionDispatched':
      return { ...state, inFlight: null, lastFailure: null, concluded: true };
    case 'ExecutionDispatchFailed':
      return { ...state, inFlight: null, lastFailure: event.data, concluded: event.data.nextAttemptAt === null };
    case 'ExecutionDispatchOutcomeUnknown':
      return { ...state, inFlight: null, concluded: true };
    case 'ExecutionDispatchAbandoned':
      return { ...state, concluded: true };
    case 'ExecutionRetryStarted':
      // A new attempt of the execution is a new dispatch: its deliveries count from 1 again.
      return { ...initialDispatchState, execution: evolveExecution(state.execution, event) };
    default:
      return { ...state, execution: evolveExecution(state.execution, event) };
  }
}

/** Why attempt `attempt` may not be sent now; null when it may. */
export function dispatchRefusal(state: DispatchState, attempt: number): string | null {
  const { execution } = state;
  if (execution === null) return 'the execution does not exist';
  if (execution.status !== 'PENDING') return `the execution is ${execution.status}: a report arrived or it ended`;
  if (state.concluded) return 'the dispatch is over';
  if (state.inFlight !== null) return `attempt ${state.inFlight} is in flight or its outcome is unknown`;
  if (attempt !== state.attempts + 1) return `attempt ${attempt} is not the next one (${state.attempts} made)`;
  if (state.attempts > 0 && state.lastFailure?.nextAttemptAt == null) return 'no further attempt is planned';
  return null;
}

export function decideDispatch(command: DispatchCommand, state: DispatchState): ExecutionDispatchEvent[] {
  const ref = refOf(state);
  if (ref === null) return [];
  switch (command.type) {
    case 'RecordDispatchAttempt':
      if (dispatchRefusal(state, command.attempt) !== null) return [];
      return [{ type: 'ExecutionDispatchAttempted', data: { ...ref, attempt: command.attempt, url: command.url, at: command.at } }];
    case 'RecordDispatchOutcome': {
      // Only the attempt in flight gets an outcome, and only once.
      if (state.inFlight !== command.attempt) return [];
      const { outcome, attempt, at } = command;
      switch (outcome.kind) {
        case 'dispatched':
          return [{ type: 'ExecutionDispatched', data: { ...ref, attempt, status: outcome.status, durationMs: outcome.durationMs, at } }];
        case 'failed': {
          const { reason, retryable, status, durationMs, nextAttemptAt } = outcome;
          const data = { ...ref, attempt, reason, retryable, status, durationMs, nextAttemptAt, at, outcome: outcome.outcome };
          return [{ type: 'ExecutionDispatchFailed', data }];
        }
        case 'unknown':
          return [{ type: 'ExecutionDispatchOutcomeUnknown', data: { ...ref, attempt, reason: outcome.reason, at } }];
      }
      return [];
    }
    case 'AbandonDispatch':
      if (state.concluded || state.inFlight !== null) return [];
      // Never sent and the execution has moved on (reported, ended): there is nothing to explain.
      if (state.attempts === 0 && state.execution?.status !== 'PENDING') return [];
      return [{ type: 'ExecutionDispatchAbandoned', data: { ...ref, attempts: state.attempts, reason: command.reason, at: command.at } }];
  }
}

function refOf(state: DispatchState): ExecutionRef | null {
  return state.execution?.ref ?? null;
}

/** A refused command is a no-op (no events), never an error: the dispatcher then simply does not send. */
export const dispatchDecider: Decider<DispatchState, DispatchCommand, DispatchDeciderEvent> = {
  initialState: initialDispatchState,
  evolve: evolveDispatch,
  decide: decideDispatch,
};
