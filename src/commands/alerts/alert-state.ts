import { type AlertChannel, type AlertContent, type AlertEvent, type AlertKind, isDurationAlertKind } from '../../events/alert-events';
import { alertId, alertMessageId } from './alert-ids';

export interface AlertIncident {
  incidentId: string;
  /** The failure that opened it. */
  executionId: string;
  openedAt: string;
  /** Message-ID of its first alert, for threading the re-alerts and the recovery notice. */
  firstMessageId: string;
  /** End of the execution behind the latest failure alert or re-alert (realert intervals count from it). */
  lastAlertAt: string;
}

/** A delivery not finished yet: intended (or retried) and in flight, or waiting for its retry time. */
export interface PendingDelivery {
  taskId: string;
  projectId: string;
  alertId: string;
  channel: AlertChannel;
  /** The project's vendor channel; null for email and the webhook. */
  channelId: string | null;
  kind: AlertKind;
  incidentId: string;
  executionId: string;
  recipients: string[];
  messageId: string;
  inReplyTo: string | null;
  subject: string;
  content: AlertContent;
  intendedAt: string;
  /** The attempt claimed last (1 for the intent). */
  attempt: number;
  /** in_flight: attempt `attempt` has no outcome yet; waiting: it failed and the next one is due at `retryAt`. */
  status: 'in_flight' | 'waiting';
  retryAt: string | null;
  lastError: string | null;
}

export interface AlertStreamState {
  /** The open incident; null when the task is not failing (or not yet past its threshold). */
  incident: AlertIncident | null;
  /** Executions that already caused an alert, and of which kind: one execution never causes two. */
  alertedExecutions: Readonly<Record<string, AlertKind>>;
  /** `$all` position of the newest execution event decided here; older ones are never decided again. */
  decidedUpTo: number;
  /**
   * Duration alerts decided, by `durationAlertKey`: one of each kind per execution. They are kept apart
   * from the failure alerts (and move neither `decidedUpTo` nor an incident), so a run that was slow or
   * late can still fail, recover or re-alert like any other.
   */
  durationAlerted: Readonly<Record<string, true>>;
  /** By `deliveryKey`; sent and given-up deliveries are dropped. */
  pending: Readonly<Record<string, PendingDelivery>>;
}

export const initialAlertState: AlertStreamState = { incident: null, alertedExecutions: {}, decidedUpTo: -1, durationAlerted: {}, pending: {} };

export function durationAlertKey(executionId: string, kind: AlertKind): string {
  return `${executionId}|${kind}`;
}

/** One delivery per alert and channel: each vendor channel has its own, so one's outage holds no other. */
export function deliveryKey(alertId: string, channel: AlertChannel, channelId: string | null = null): string {
  return channelId === null ? `${alertId}/${channel}` : `${alertId}/${channel}/${channelId}`;
}

export function evolveAlerts(state: AlertStreamState, event: AlertEvent): AlertStreamState {
  switch (event.type) {
    case 'AlertIncidentOpened': {
      const { taskId, incidentId, executionId, openedAt, sourcePosition } = event.data;
      const firstMessageId = alertMessageId(alertId(taskId, executionId, 'failure'));
      return { ...decided(state, sourcePosition), incident: { incidentId, executionId, openedAt, firstMessageId, lastAlertAt: openedAt } };
    }
    case 'AlertIncidentResolved':
      return { ...decided(state, event.data.sourcePosition), incident: null };
    case 'AlertSendIntended': {
      const d = event.data;
      const delivery: PendingDelivery = {
        taskId: d.taskId,
        projectId: d.projectId,
        alertId: d.alertId,
        channel: d.channel,
        channelId: d.channelId ?? null,
        kind: d.kind,
        incidentId: d.incidentId,
        executionId: d.executionId,
        recipients: d.recipients,
        messageId: d.messageId,
        inReplyTo: d.inReplyTo,
        subject: d.subject,
        content: d.content,
        intendedAt: d.intendedAt,
        attempt: 1,
        status: 'in_flight',
        retryAt: null,
        lastError: null,
      };
      const next = recordDecision(state, d);
      return { ...next, pending: { ...next.pending, [deliveryKey(d.alertId, d.channel, delivery.channelId)]: delivery } };
    }
    case 'AlertNotSent':
      return recordDecision(state, event.data);
    case 'AlertSendRetrying':
      return updatePending(state, deliveryKey(event.data.alertId, event.data.channel, event.data.channelId ?? null), (p) => ({
        ...p,
        attempt: event.data.attempt,
        status: 'in_flight',
        retryAt: null,
      }));
    case 'AlertSent':
      return dropPending(state, deliveryKey(event.data.alertId, event.data.channel, event.data.channelId ?? null));
    case 'AlertSendFailed': {
      const { alertId, channel, reason, retryAt } = event.data;
      const key = deliveryKey(alertId, channel, event.data.channelId ?? null);
      if (retryAt === null) return dropPending(state, key);
      return updatePending(state, key, (p) => ({ ...p, status: 'waiting', retryAt, lastError: reason }));
    }
    default:
      return state;
  }
}

function recordDecision(
  state: AlertStreamState,
  d: { executionId: string; kind: AlertKind; triggeredAt: string; sourcePosition: string },
): AlertStreamState {
  if (isDurationAlertKind(d.kind)) return { ...state, durationAlerted: { ...state.durationAlerted, [durationAlertKey(d.executionId, d.kind)]: true } };
  return alerted(decided(state, d.sourcePosition), d.executionId, d.kind, d.triggeredAt);
}

function decided(state: AlertStreamState, sourcePosition: string): AlertStreamState {
  const position = Number(sourcePosition);
  return position > state.decidedUpTo ? { ...state, decidedUpTo: position } : state;
}

/** Records the alert's execution; a failure alert or re-alert restarts the realert interval. */
function alerted(state: AlertStreamState, executionId: string, kind: AlertKind, triggeredAt: string): AlertStreamState {
  const next = { ...state, alertedExecutions: { ...state.alertedExecutions, [executionId]: kind } };
  if (kind === 'recovery' || !next.incident) return next;
  return { ...next, incident: { ...next.incident, lastAlertAt: triggeredAt } };
}

function updatePending(state: AlertStreamState, key: string, change: (p: PendingDelivery) => PendingDelivery): AlertStreamState {
  const current = state.pending[key];
  return current ? { ...state, pending: { ...state.pending, [key]: change(current) } } : state;
}

function dropPending(state: AlertStreamState, key: string): AlertStreamState {
  if (!(key in state.pending)) return state;
  const { [key]: _done, ...pending } = state.pending;
  return { ...state, pending };
}
