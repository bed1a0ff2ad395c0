import type { AlertChannel, AlertNotSentReason, AlertTriggerStatus, DurationAlertKind } from '../../events/alert-events';
import type { ExecutionStatus } from '../../events/execution-events';
import type { FailedDeliveryOutcome } from '../../events/delivery-outcome';
import type { AlertPolicy } from '../../events/project-events';

/**
 * Where an alert would go, as the manager sees it when deciding: the email recipients (project
 * `alert_emails` plus opted-in members) or the webhook URL, or why the channel cannot send at all.
 */
export interface AlertTarget {
  channel: AlertChannel;
  /** The project's vendor channel; absent or null for email and the webhook. */
  channelId?: string | null;
  recipients: string[];
  /** Non-null: recorded as AlertNotSent instead of an intent. */
  notSentReason: AlertNotSentReason | null;
}

/** What the manager knows about the task and execution when deciding (names as they are now). */
export interface AlertFacts {
  projectName: string;
  taskName: string;
  error: string | null;
  /** Link to the execution in the dashboard. */
  link: string;
}

interface ExecutionEnded {
  taskId: string;
  projectId: string;
  executionId: string;
  /** `$all` position of the execution's terminal event. */
  sourcePosition: number;
  /** When the execution ended (from the event). */
  endedAt: string;
  policy: AlertPolicy;
  targets: AlertTarget[];
  facts: AlertFacts;
  /** Now (from the clock). */
  at: string;
}

/** FAILED, TIMED_OUT, MISSED or SKIPPED, the `consecutiveFailures`-th in a row (counted in `$all` order). */
export interface HandleExecutionFailed extends ExecutionEnded {
  type: 'HandleExecutionFailed';
  status: AlertTriggerStatus;
  consecutiveFailures: number;
}

export interface HandleExecutionSucceeded extends ExecutionEnded {
  type: 'HandleExecutionSucceeded';
}

/** A task's duration threshold crossed by one of its executions (src/process-managers/alerts/duration-watch.ts). */
export interface DurationBreach {
  kind: DurationAlertKind;
  taskId: string;
  projectId: string;
  executionId: string;
  /** `$all` position of the execution event it was seen from (its start, for a run still running). */
  sourcePosition: number;
  /** The execution's status when measured (RUNNING while it still runs). */
  status: ExecutionStatus;
  /** When the threshold was found crossed: the run's start, its end, or the clock's now. */
  measuredAt: string;
  /** The threshold and the measured value, in words. */
  detail: string;
}

/** Alerts a breach once per execution and kind, outside any incident. */
export interface HandleDurationBreach extends DurationBreach {
  type: 'HandleDurationBreach';
  targets: AlertTarget[];
  facts: AlertFacts;
  at: string;
}

export type SendResult =
  | { ok: true; response: string | null }
  | {
      ok: false;
      reason: string;
      /** A refusal that retrying would get again (SMTP 5xx, HTTP 4xx): given up at once. */
      permanent: boolean;
      outcome: FailedDeliveryOutcome;
    };

/** The outcome of attempt `attempt` of one delivery. */
export interface RecordSendResult {
  type: 'RecordSendResult';
  alertId: string;
  channel: AlertChannel;
  channelId?: string | null;
  attempt: number;
  result: SendResult;
  at: string;
}

/**
 * Claims attempt `attempt` of a delivery before sending it again: after a failure whose retry time came
 * (`backoff`), or for an attempt left in flight by a stopped process (`resumed`). Appended with the exact
 * expected revision, so of two instances racing for it one wins and the other gets a no-op.
 */
export interface RetrySend {
  type: 'RetrySend';
  alertId: string;
  channel: AlertChannel;
  channelId?: string | null;
  attempt: number;
  reason: 'backoff' | 'resumed';
  at: string;
}

export type AlertCommand = HandleExecutionFailed | HandleExecutionSucceeded | HandleDurationBreach | RecordSendResult | RetrySend;
