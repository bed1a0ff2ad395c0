import { type DomainEventOf, eventTypeNames } from './event';
import type { FailedDeliveryOutcome } from './delivery-outcome';
import type { ExecutionRef } from './execution-events';

/**
 * Getting an execution to its executor, on the execution's own stream (`execution-<id>`), beside the
 * status events. The execution decider ignores the dispatch events (they never change the status); the
 * dispatch decider (src/commands/dispatch) reads both.
 *
 * Push (webhook) dispatch, one attempt at a time:
 *   ExecutionDispatchAttempted  the intent, appended with the exact expected revision BEFORE the request
 *                               is sent, so two instances can never both send attempt N;
 *   then exactly one outcome:   ExecutionDispatched | ExecutionDispatchFailed | ExecutionDispatchOutcomeUnknown.
 * ExecutionDispatchAbandoned ends the dispatch without (another) attempt.
 */

/** The request for attempt `attempt` (1, 2, …) is about to be sent to `url` (credentials masked). */
export type ExecutionDispatchAttempted = DomainEventOf<'ExecutionDispatchAttempted', ExecutionRef & { attempt: number; url: string; at: string }>;

/** The executor answered 2xx. `durationMs` runs from sending to the answer's headers. */
export type ExecutionDispatched = DomainEventOf<
  'ExecutionDispatched',
  ExecutionRef & { attempt: number; status: number; durationMs: number; at: string }
>;

/**
 * The attempt failed. `retryable`: the request surely did not reach the executor (connection refused,
 * name not resolved, no connection at all) or the executor answered 429/5xx. `nextAttemptAt` is when
 * the next attempt is due; null when there will be none (not retryable, or the attempts are used up).
 * `status` is the executor's HTTP status when it answered, else null. `outcome` is the class of the
 * failure (absent in events recorded before classes were: derived from `status` and `reason` when shown).
 */
export type ExecutionDispatchFailed = DomainEventOf<
  'ExecutionDispatchFailed',
  ExecutionRef & {
    attempt: number;
    reason: string;
    retryable: boolean;
    status: number | null;
    durationMs: number;
    nextAttemptAt: string | null;
    at: string;
    outcome?: FailedDeliveryOutcome;
  }
>;

/**
 * An intent was found without its outcome: the server stopped (crash, shutdown) while the request was
 * in flight. Whether the executor got it is unknown, so it is never sent again.
 */
export type ExecutionDispatchOutcomeUnknown = DomainEventOf<'ExecutionDispatchOutcomeUnknown', ExecutionRef & { attempt: number; reason: string; at: string }>;

/**
 * No (further) attempt will be made although the dispatch had not succeeded: the project has no
 * execution endpoint, a report arrived or the execution ended before a due retry, or it is too old.
 * `attempts` is the number of attempts made.
 */
export type ExecutionDispatchAbandoned = DomainEventOf<'ExecutionDispatchAbandoned', ExecutionRef & { attempts: number; reason: string; at: string }>;

/**
 * Pull mode. A claim (ExecutionStarted with `claimedBy`) is a lease: until the worker reports RUNNING
 * (or ends the execution) it lapses after the lease and another worker may claim the execution.
 * ExecutionClaimConfirmed: the claimer reported RUNNING, the claim is final.
 */
export type ExecutionClaimConfirmed = DomainEventOf<'ExecutionClaimConfirmed', ExecutionRef & { claimedBy: string; at: string }>;

/**
 * The claim of `claimedBy` (made at `claimedAt`) lapsed unconfirmed after `leaseSeconds`; an
 * ExecutionStarted with the new claimer follows in the same append.
 */
export type ExecutionClaimLapsed = DomainEventOf<
  'ExecutionClaimLapsed',
  ExecutionRef & { claimedBy: string; claimedAt: string; leaseSeconds: number; at: string }
>;

export type ExecutionClaimEvent = ExecutionClaimConfirmed | ExecutionClaimLapsed;

export type ExecutionDispatchEvent =
  | ExecutionDispatchAttempted
  | ExecutionDispatched
  | ExecutionDispatchFailed
  | ExecutionDispatchOutcomeUnknown
  | ExecutionDispatchAbandoned;

export type DispatchEvent = ExecutionDispatchEvent | ExecutionClaimEvent;

export const EXECUTION_CLAIM_EVENT_TYPES = eventTypeNames<ExecutionClaimEvent>({
  ExecutionClaimConfirmed: true,
  ExecutionClaimLapsed: true,
});

export const EXECUTION_DISPATCH_EVENT_TYPES = eventTypeNames<ExecutionDispatchEvent>({
  ExecutionDispatchAttempted: true,
  ExecutionDispatched: true,
  ExecutionDispatchFailed: true,
  ExecutionDispatchOutcomeUnknown: true,
  ExecutionDispatchAbandoned: true,
});

export const DISPATCH_EVENT_TYPES = eventTypeNames<DispatchEvent>({
  ExecutionDispatchAttempted: true,
  ExecutionDispatched: true,
  ExecutionDispatchFailed: true,
  ExecutionDispatchOutcomeUnknown: true,
  ExecutionDispatchAbandoned: true,
  ExecutionClaimConfirmed: true,
  ExecutionClaimLapsed: true,
});
