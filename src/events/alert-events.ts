import { streamOf } from './streams';
import { type DomainEventOf, eventTypeNames } from './event';
import type { FailedDeliveryOutcome } from './delivery-outcome';
import type { AlertChannelType } from './alert-channel-events';
import type { ExecutionStatus } from './execution-events';

/**
 * The alerts process manager's own stream, one per task: `alerts-<taskUuid>`. It holds the task's
 * incidents (opened after N consecutive failures, resolved by the next success) and every alert with
 * its delivery: the intent is appended (exact expected revision) before anything is sent and the
 * outcome after, so a crash can repeat at most the one send in flight, with the same Message-ID.
 */
export const ALERTS_CATEGORY = 'alerts';
export const alertsStream = (taskId: string): string => streamOf(ALERTS_CATEGORY, 'Task', taskId);

/** email, the signed webhook, or one of the project's vendor channels (then `channelId` says which). */
export type AlertChannel = 'email' | 'webhook' | AlertChannelType;
/**
 * failure: the first alert of an incident; realert: still failing; recovery: the next success. The
 * duration kinds (a task's `durationAlerts`) stand alone, outside incidents.
 */
export type AlertKind = 'failure' | 'realert' | 'recovery' | DurationAlertKind;
/** long_running: still RUNNING past the limit (or ended past it); slow: k × p95; late_start: started late. */
export type DurationAlertKind = 'long_running' | 'slow' | 'late_start';
export const DURATION_ALERT_KINDS: readonly DurationAlertKind[] = ['long_running', 'slow', 'late_start'];
export function isDurationAlertKind(kind: AlertKind): kind is DurationAlertKind {
  return (DURATION_ALERT_KINDS as readonly string[]).includes(kind);
}
/** Execution outcomes that count as failures. */
/** SKIPPED: a tick the overlap policy (forbid, a full queue, max_concurrent) did not run. */
export type AlertTriggerStatus = 'FAILED' | 'TIMED_OUT' | 'MISSED' | 'SKIPPED';
/** Why an alert was recorded without being sent (the dashboard shows it). */
export type AlertNotSentReason = 'no mail server' | 'no recipients' | 'no signing secret';

interface AlertRef {
  taskId: string;
  projectId: string;
  /** The project's alert channel a vendor delivery goes to (absent for email and the webhook). */
  channelId?: string;
}

/**
 * What an alert says, fixed when it is decided so a re-send after a crash says the same (the log
 * tail is read from the execution's log stream at send time).
 */
export interface AlertContent {
  projectName: string;
  taskName: string;
  status: ExecutionStatus;
  error: string | null;
  /** When the execution ended. */
  endedAt: string;
  /** Consecutive failures so far (0 in a recovery). */
  consecutiveFailures: number;
  /** `${PUBLIC_URL}/projects/<id>/tasks/<id>?execution=<id>` */
  link: string;
  /** A duration alert's threshold and what was measured ("ran 12 min 5 s; the limit is 10 min"). */
  detail?: string;
}

/**
 * Fields every decision carries: the execution it is about, and the `$all` position of the event that
 * caused it (decimal string), so a re-delivered older event can never be decided again over a newer state.
 */
interface DecisionSource {
  executionId: string;
  sourcePosition: string;
}

export type AlertIncidentOpened = DomainEventOf<
  'AlertIncidentOpened',
  AlertRef & DecisionSource & { incidentId: string; status: AlertTriggerStatus; consecutiveFailures: number; openedAt: string }
>;

export type AlertIncidentResolved = DomainEventOf<
  'AlertIncidentResolved',
  AlertRef & DecisionSource & { incidentId: string; resolvedAt: string }
>;

/** Recorded before the send. `recipients`: email addresses, the webhook URL, or a vendor channel's masked URL. */
export type AlertSendIntended = DomainEventOf<
  'AlertSendIntended',
  AlertRef &
    DecisionSource & {
      alertId: string;
      incidentId: string;
      channel: AlertChannel;
      kind: AlertKind;
      recipients: string[];
      /** `<alert-<alertId>@cron-observer>`; the same for every attempt and channel. */
      messageId: string;
      /** Message-ID of the incident's first alert (mail threading); null for that first alert. */
      inReplyTo: string | null;
      subject: string;
      content: AlertContent;
      /** The triggering execution's end (realert intervals are measured between these). */
      triggeredAt: string;
      intendedAt: string;
    }
>;

/** A new attempt of a delivery: after a failed one (`backoff`), or one in flight when a process stopped (`resumed`). */
export type AlertSendRetrying = DomainEventOf<
  'AlertSendRetrying',
  AlertRef & { alertId: string; channel: AlertChannel; attempt: number; reason: 'backoff' | 'resumed'; at: string }
>;

export type AlertSent = DomainEventOf<
  'AlertSent',
  AlertRef & { alertId: string; channel: AlertChannel; attempt: number; at: string; response: string | null }
>;

/**
 * `retryAt` null: given up (a permanent refusal, or retried for too long). `outcome`: the class of the
 * failure (absent in events recorded before classes were).
 */
export type AlertSendFailed = DomainEventOf<
  'AlertSendFailed',
  AlertRef & { alertId: string; channel: AlertChannel; attempt: number; reason: string; retryAt: string | null; at: string; outcome?: FailedDeliveryOutcome }
>;

/** Decided but not sendable at all; carries what the intent would have, for the audit trail. */
export type AlertNotSent = DomainEventOf<
  'AlertNotSent',
  AlertRef &
    DecisionSource & {
      alertId: string;
      incidentId: string;
      channel: AlertChannel;
      kind: AlertKind;
      recipients: string[];
      reason: AlertNotSentReason;
      subject: string;
      triggeredAt: string;
      at: string;
    }
>;

export type AlertEvent =
  | AlertIncidentOpened
  | AlertIncidentResolved
  | AlertSendIntended
  | AlertSendRetrying
  | AlertSent
  | AlertSendFailed
  | AlertNotSent;

export const ALERT_EVENT_TYPES = eventTypeNames<AlertEvent>({
  AlertIncidentOpened: true,
  AlertIncidentResolved: true,
  AlertSendIntended: true,
  AlertSendRetrying: true,
  AlertSent: true,
  AlertSendFailed: true,
  AlertNotSent: true,
});
