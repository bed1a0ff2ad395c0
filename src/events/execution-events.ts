import { type DomainEventOf, eventTypeNames } from './event';
import type { JsonObject } from './json';
import type { RetryOutcome, RetryPolicy } from './retry-policy';
import type { ExecutionMode } from './task-events';

/**
 * QUEUED: created by a tick that waits for an open run of its task (overlap policy `queue`, or a
 * `max_concurrent` limit under it); not dispatched, not claimable, no start deadline until released.
 * SKIPPED: created by a tick that the overlap policy or a `max_concurrent` limit did not let run.
 * RETRYING: an attempt failed and the next one is due at `retryAt` (retry policies).
 */
export type ExecutionStatus =
  | 'PENDING'
  | 'RUNNING'
  | 'SUCCESS'
  | 'FAILED'
  | 'CANCELLED'
  | 'TIMED_OUT'
  | 'MISSED'
  | 'SKIPPED'
  | 'QUEUED'
  | 'RETRYING';
/** What an executor may report (PATCH …/status and POST …/finish). */
export type ReportedStatus = 'PENDING' | 'RUNNING' | 'SUCCESS' | 'FAILED';
/** Terminal statuses an executor reports itself. */
export type ReportedEndStatus = 'SUCCESS' | 'FAILED';
/** Terminal statuses the system sets (API cancel, deadlines, overlap policies). */
export type SystemEndStatus = 'CANCELLED' | 'TIMED_OUT' | 'MISSED' | 'SKIPPED';
export type TriggerType = 'SCHEDULED' | 'MANUAL' | 'EXTERNAL' | 'CATCH_UP';

/** Every execution event names the execution, its task and its project. */
export interface ExecutionRef {
  executionId: string;
  taskId: string;
  projectId: string;
}

/**
 * A run is due. Carries what the dispatcher and the deadline manager need, as it was at creation, so a
 * later task edit does not change an execution already under way.
 */
export type ExecutionCreated = DomainEventOf<
  'ExecutionCreated',
  ExecutionRef & {
    /** The executor routes by name; this is the name at creation. */
    taskName: string;
    /** The tick (or, for a manual/external run, the request) this execution is for. */
    scheduledAt: string;
    triggerType: TriggerType;
    /** 1 for the first run of a tick. */
    attempt: number;
    executionMode: ExecutionMode;
    timeoutSeconds: number | null;
    startDeadlineSeconds: number | null;
    createdAt: string;
    /** The task's retry policy at creation; absent: one attempt only. */
    retry?: RetryPolicy;
  }
>;

/** PENDING → RUNNING. `at` is the run's start (`run_started_at`). */
export type ExecutionStarted = DomainEventOf<
  'ExecutionStarted',
  ExecutionRef & {
    at: string;
    /** Who claimed it (pull mode); null when the executor reported RUNNING. */
    claimedBy: string | null;
  }
>;

/**
 * What a terminal report from the executor carries. `at` is `ended_at`. `durationMs` is always set: the
 * executor's figure, or else measured from the run's start (from creation when it never reported RUNNING).
 */
export interface ExecutionEndReport {
  at: string;
  exitCode: number | null;
  durationMs: number;
  metrics: JsonObject | null;
}

export type ExecutionSucceeded = DomainEventOf<'ExecutionSucceeded', ExecutionRef & ExecutionEndReport>;

export type ExecutionFailed = DomainEventOf<'ExecutionFailed', ExecutionRef & ExecutionEndReport & { error: string | null }>;

/**
 * Ended through the API, or replaced by a newer run (overlap policy `replace`). `at` is `ended_at`; `by`
 * is the user or API key id, or `system:scheduler`. `reason` is present only when the system cancelled
 * ("replaced by <execution id>"), so earlier cancellations compare equal.
 */
export type ExecutionCancelled = DomainEventOf<
  'ExecutionCancelled',
  ExecutionRef & { at: string; by: string; reason?: string; replacedBy?: string }
>;

/** Ended by the timeout deadline. `at` is `ended_at`. */
export type ExecutionTimedOut = DomainEventOf<'ExecutionTimedOut', ExecutionRef & { at: string; timeoutSeconds: number }>;

/**
 * Why an execution never started: its start deadline passed, its tick fell while the scheduler was down,
 * or the store refused the tick's write until after it. `other` only comes from version 1 events whose
 * sentence no rule recognises (src/events/upcasters/execution-missed-v2.ts); nothing writes it now.
 */
export type MissedCause = 'start_deadline' | 'scheduler_offline' | 'store_unavailable' | 'other';

/** What ExecutionMissed says about the cause: facts, not a sentence (the sentence is `missedReason`). */
export interface MissedReason {
  cause: MissedCause;
  /** The deadline that passed, for `start_deadline`; else null. */
  startDeadlineSeconds: number | null;
  /** For `other`: the sentence version 1 recorded; else null. */
  detail: string | null;
}

/**
 * Never started. `at` is `ended_at`. Version 2; version 1 carried only a sentence, `reason`, which the
 * upcaster turns into these fields.
 */
export type ExecutionMissed = DomainEventOf<'ExecutionMissed', ExecutionRef & { at: string } & MissedReason>;

export const missedByStartDeadline = (startDeadlineSeconds: number): MissedReason => ({ cause: 'start_deadline', startDeadlineSeconds, detail: null });
export const MISSED_SCHEDULER_OFFLINE: MissedReason = { cause: 'scheduler_offline', startDeadlineSeconds: null, detail: null };
export const MISSED_STORE_UNAVAILABLE: MissedReason = { cause: 'store_unavailable', startDeadlineSeconds: null, detail: null };

/** The sentence shown for a MISSED execution (its `error`) and in its alert. */
export function missedReason(reason: MissedReason): string {
  switch (reason.cause) {
    case 'start_deadline':
      return `Not started within ${reason.startDeadlineSeconds} s of its creation (start deadline)`;
    case 'scheduler_offline':
      return 'scheduler offline';
    case 'store_unavailable':
      return 'the store was unavailable at the tick';
    case 'other':
      return reason.detail ?? 'missed';
  }
}

/**
 * An executor reported after the system had ended the execution (TIMED_OUT, MISSED, CANCELLED). The
 * status does not change; the report is kept for the audit trail.
 */
export type ExecutionLateReportReceived = DomainEventOf<
  'ExecutionLateReportReceived',
  ExecutionRef & { at: string; reportedStatus: ReportedStatus; error: string | null; currentStatus: SystemEndStatus }
>;

/**
 * Why a tick did not run at once: the overlap policy (`forbid`, `queue`) found an open run of the task,
 * the queue was full, or the task's or group's `max_concurrent` was reached.
 */
export type OverlapCause = 'previous_run_open' | 'queue_full' | 'task_max_concurrent' | 'group_max_concurrent';

/** What an overlap decision records: facts, the sentence is `overlapReason`. */
export interface OverlapReason {
  cause: OverlapCause;
  /** The open run that blocked the tick (the oldest one), or null (queue full: the queue's newest). */
  blockingExecutionId: string | null;
  /** The limit that was reached (`max_queued` or `max_concurrent`); null for `previous_run_open`. */
  limit: number | null;
}

/** Created SKIPPED in the same append as ExecutionCreated (never dispatched). `at` is `ended_at`. */
export type ExecutionSkipped = DomainEventOf<'ExecutionSkipped', ExecutionRef & { at: string } & OverlapReason>;

/** Created QUEUED in the same append as ExecutionCreated: it waits for an open run to end. */
export type ExecutionQueued = DomainEventOf<'ExecutionQueued', ExecutionRef & { at: string } & OverlapReason>;

/**
 * QUEUED → PENDING: the run it waited for ended (`after`, null when room came otherwise, e.g. a limit
 * raised or found free after a restart). Dispatch, claims and the start deadline start from here.
 */
export type ExecutionReleased = DomainEventOf<'ExecutionReleased', ExecutionRef & { at: string; after: string | null }>;

/** The sentence shown for a SKIPPED or QUEUED execution (its `error` when SKIPPED, its timeline, its alert). */
export function overlapReason(reason: OverlapReason): string {
  const blocking = reason.blockingExecutionId === null ? '' : ` (execution ${reason.blockingExecutionId})`;
  switch (reason.cause) {
    case 'previous_run_open':
      return `previous run still running${blocking}`;
    case 'queue_full':
      return `queue full (max_queued ${reason.limit})`;
    case 'task_max_concurrent':
      return `task max_concurrent ${reason.limit} reached${blocking}`;
    case 'group_max_concurrent':
      return `group max_concurrent ${reason.limit} reached${blocking}`;
  }
}

/**
 * An attempt failed (outcome FAILED, TIMED_OUT or DISPATCH_FAILED) and the retry policy has attempts
 * left: the execution is RETRYING until `retryAt`. The last attempt's failure is the final
 * ExecutionFailed / ExecutionTimedOut instead.
 */
export type ExecutionAttemptFailed = DomainEventOf<
  'ExecutionAttemptFailed',
  ExecutionRef & {
    attempt: number;
    outcome: RetryOutcome;
    at: string;
    error: string | null;
    exitCode: number | null;
    /** From the attempt's start (its RUNNING, else its beginning) to `at`, or the executor's figure. */
    durationMs: number;
    retryAt: string;
    /** From the policy, so the alerts need not know it. */
    alert: RetryPolicy['alert'];
  }
>;

/**
 * The next attempt begins at `at` (PENDING again; dispatched again in push mode, claimable in pull
 * mode). Its start deadline and timeout count from `at`. Carries, as at creation, what the claim queue
 * and the deadlines need.
 */
export type ExecutionRetryStarted = DomainEventOf<
  'ExecutionRetryStarted',
  ExecutionRef &
    Pick<ExecutionCreated['data'], 'taskName' | 'scheduledAt' | 'executionMode' | 'timeoutSeconds' | 'startDeadlineSeconds'> & { attempt: number; at: string }
>;

/**
 * An executor reported for an attempt that is over (the execution is RETRYING, or a later attempt has
 * begun). Kept for the audit trail; the current attempt is not changed. `attempt` is the attempt the
 * report named (null when it named none, which counts as the current attempt).
 */
export type ExecutionStaleReportReceived = DomainEventOf<
  'ExecutionStaleReportReceived',
  ExecutionRef & { at: string; attempt: number | null; currentAttempt: number; reportedStatus: ReportedStatus; error: string | null }
>;

export type ExecutionEvent =
  | ExecutionCreated
  | ExecutionSkipped
  | ExecutionQueued
  | ExecutionReleased
  | ExecutionStarted
  | ExecutionSucceeded
  | ExecutionFailed
  | ExecutionCancelled
  | ExecutionTimedOut
  | ExecutionMissed
  | ExecutionLateReportReceived
  | ExecutionAttemptFailed
  | ExecutionRetryStarted
  | ExecutionStaleReportReceived;

export const EXECUTION_EVENT_TYPES = eventTypeNames<ExecutionEvent>({
  ExecutionCreated: true,
  ExecutionSkipped: true,
  ExecutionQueued: true,
  ExecutionReleased: true,
  ExecutionStarted: true,
  ExecutionSucceeded: true,
  ExecutionFailed: true,
  ExecutionCancelled: true,
  ExecutionTimedOut: true,
  ExecutionMissed: true,
  ExecutionLateReportReceived: true,
  ExecutionAttemptFailed: true,
  ExecutionRetryStarted: true,
  ExecutionStaleReportReceived: true,
});
