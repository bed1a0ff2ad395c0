import type { MissedReason, OverlapReason, ReportedStatus, TriggerType } from '../../events/execution-events';
import type { JsonObject } from '../../events/json';
import type { RetryPolicy } from '../../events/retry-policy';
import type { ExecutionMode } from '../../events/task-events';

/**
 * From the scheduler (a tick, with a deterministic id), a manual trigger or an external run. Appended
 * with `no_stream`, so a tick can never produce two executions. With `missed` the execution is
 * recorded as MISSED in the same append (a tick that fell while the scheduler was down, or whose write
 * the store refused until after it), so it can never be dispatched in between.
 */
export interface CreateExecution {
  type: 'CreateExecution';
  executionId: string;
  taskId: string;
  projectId: string;
  taskName: string;
  scheduledAt: string;
  triggerType: TriggerType;
  attempt: number;
  executionMode: ExecutionMode;
  timeoutSeconds: number | null;
  startDeadlineSeconds: number | null;
  missed?: MissedReason;
  /** The task's retry policy; absent: one attempt. */
  retry?: RetryPolicy;
  /**
   * The overlap decision for a tick that may not run at once: created SKIPPED or QUEUED in the same
   * append, so it can never be dispatched or claimed in between.
   */
  overlap?: OverlapVerdict;
  at: string;
}

/** A tick the overlap gate did not let run at once (src/process-managers/scheduler/overlap-gate.ts). */
export type OverlapVerdict = OverlapReason & { action: 'skip' | 'queue' };

/** From the scheduler: a QUEUED execution may start now (the run it waited for ended). */
export interface ReleaseExecution {
  type: 'ReleaseExecution';
  /** The execution whose end made room; null when room came otherwise. */
  after: string | null;
  at: string;
}

/**
 * An executor's report: PATCH …/status (route 'compat') or POST …/finish (route 'v1'). The routes differ
 * only for a report that arrives after the system ended the execution: recorded and accepted on 'compat'
 * (old executors must not see an error), refused with 409 on 'v1'.
 */
export interface ReportExecutionStatus {
  type: 'ReportExecutionStatus';
  /** The project of the API key that sent the report. */
  projectId: string;
  status: ReportedStatus;
  error?: string | null;
  exitCode?: number | null;
  durationMs?: number | null;
  metrics?: JsonObject | null;
  route: 'compat' | 'v1';
  /**
   * The attempt the executor runs (from its dispatch or claim). A report naming an earlier attempt
   * than the current one is recorded and does not touch the current attempt. Absent: the current one.
   */
  attempt?: number;
  at: string;
}

/** A pull-mode executor takes a pending execution (POST …/executions/claim). */
export interface ClaimExecution {
  type: 'ClaimExecution';
  /** The project of the API key that claims. */
  projectId: string;
  /** Who claims (API key id, or the worker name it gave). */
  claimedBy: string;
  /**
   * The claim's lease: when given, a claim of another claimer that is still unconfirmed (no RUNNING or
   * terminal report) this long after it was made has lapsed, and this claim takes the execution over.
   * Without it, only a PENDING execution can be claimed.
   */
  leaseSeconds?: number;
  at: string;
}

/** POST …/cancel. The caller has checked the user's role in the execution's project. */
export interface CancelExecution {
  type: 'CancelExecution';
  /** User or API key id, or `system:scheduler`. */
  by: string;
  /** Only when the system cancels: the newer run that replaces this one (overlap policy `replace`). */
  replacedBy?: string;
  at: string;
}

/** From the deadline manager: the timeout passed. */
export interface TimeOutExecution {
  type: 'TimeOutExecution';
  timeoutSeconds: number;
  /** The attempt whose timeout passed (absent: the current one); another attempt's timeout changes nothing. */
  attempt?: number;
  at: string;
}

/** From the deadline manager: the start deadline passed. */
export interface MarkExecutionMissed {
  type: 'MarkExecutionMissed';
  startDeadlineSeconds: number;
  /** The attempt whose start deadline passed (absent: the current one). */
  attempt?: number;
  at: string;
}

/** From the retry manager: a failed attempt's `retryAt` came; attempt `attempt` begins. */
export interface StartExecutionRetry {
  type: 'StartExecutionRetry';
  attempt: number;
  at: string;
}

/** From the retry manager: the push dispatch of attempt `attempt` failed for good. */
export interface FailExecutionDispatch {
  type: 'FailExecutionDispatch';
  attempt: number;
  reason: string;
  at: string;
}

export type ExecutionCommand =
  | CreateExecution
  | ReportExecutionStatus
  | ClaimExecution
  | CancelExecution
  | ReleaseExecution
  | TimeOutExecution
  | MarkExecutionMissed
  | StartExecutionRetry
  | FailExecutionDispatch;
