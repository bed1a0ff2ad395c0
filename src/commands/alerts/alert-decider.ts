import type { AlertContent, AlertEvent, AlertKind } from '../../events/alert-events';
import type { Decider } from '../decider';
import type {
  AlertCommand,
  HandleDurationBreach,
  HandleExecutionFailed,
  HandleExecutionSucceeded,
  RecordSendResult,
  RetrySend,
} from './alert-commands';
import { alertId, alertMessageId, incidentId } from './alert-ids';
import { type AlertStreamState, deliveryKey, durationAlertKey, evolveAlerts, initialAlertState } from './alert-state';
import { alertSubject } from './alert-subject';

/**
 * Retries of a failed send: 5 s, 10 s, 20 s, … doubling up to 5 minutes between attempts, for at most
 * 24 hours after the intent; a permanent refusal is given up at once.
 */
export const ALERT_RETRY = {
  firstDelayMs: 5_000,
  maxDelayMs: 5 * 60_000,
  giveUpAfterMs: 24 * 60 * 60_000,
} as const;

export function retryDelayMs(failedAttempt: number): number {
  return Math.min(ALERT_RETRY.firstDelayMs * 2 ** Math.max(0, failedAttempt - 1), ALERT_RETRY.maxDelayMs);
}

/**
 * The alert stream of one task (`alerts-<taskUuid>`), decided purely so two instances, a restart or a
 * replay can never send an alert twice:
 * - an incident opens when a failure (FAILED, TIMED_OUT, MISSED, SKIPPED) is the `afterFailures`-th in a row and
 *   none is open; its first alert goes out then;
 * - while it is open, a failure at least `realertMinutes` after the last alert re-alerts (never when
 *   `realertMinutes` is null);
 * - the next success resolves it, with a recovery notice when `notifyRecovery`;
 * - one execution causes at most one alert (ids are derived from task, execution and kind), and an
 *   execution event older (in `$all`) than one already decided here changes nothing;
 * - a duration breach (ran too long, slow, started late) alerts once per execution and kind, outside
 *   incidents: it neither opens, re-alerts nor resolves one, and does not count as the execution's alert;
 * - every alert is an intent per channel (or AlertNotSent when the channel cannot send); each attempt
 *   has at most one outcome, and a retry claims its attempt before sending.
 */
export function decideAlerts(command: AlertCommand, state: AlertStreamState): AlertEvent[] {
  switch (command.type) {
    case 'HandleExecutionFailed':
      return handleFailed(command, state);
    case 'HandleExecutionSucceeded':
      return handleSucceeded(command, state);
    case 'HandleDurationBreach':
      return handleDurationBreach(command, state);
    case 'RecordSendResult':
      return recordResult(command, state);
    case 'RetrySend':
      return retry(command, state);
  }
}

/**
 * Already decided: an earlier source position, or an alert of this outcome for the execution. A failure
 * alert for one execution does not make its success stale: with retries alerting on every attempt, a
 * failed attempt may open the incident that the same execution's later success resolves.
 */
function isStale(command: HandleExecutionFailed | HandleExecutionSucceeded, state: AlertStreamState): boolean {
  if (command.sourcePosition <= state.decidedUpTo) return true;
  const alerted = state.alertedExecutions[command.executionId];
  if (alerted === undefined) return false;
  return command.type === 'HandleExecutionFailed' || alerted === 'recovery';
}

function handleFailed(command: HandleExecutionFailed, state: AlertStreamState): AlertEvent[] {
  if (isStale(command, state)) return [];
  const { taskId, projectId, executionId, policy } = command;
  const { incident } = state;
  if (incident === null) {
    if (command.consecutiveFailures < policy.afterFailures) return [];
    const id = incidentId(taskId, executionId);
    return [
      {
        type: 'AlertIncidentOpened',
        data: {
          taskId,
          projectId,
          executionId,
          sourcePosition: String(command.sourcePosition),
          incidentId: id,
          status: command.status,
          consecutiveFailures: command.consecutiveFailures,
          openedAt: command.endedAt,
        },
      },
      ...alertEvents(command, 'failure', id, null),
    ];
  }
  if (policy.realertMinutes === null) return [];
  const sinceLastAlert = Date.parse(command.endedAt) - Date.parse(incident.lastAlertAt);
  if (sinceLastAlert < policy.realertMinutes * 60_000) return [];
  return alertEvents(command, 'realert', incident.incidentId, incident.firstMessageId);
}

function handleSucceeded(command: HandleExecutionSucceeded, state: AlertStreamState): AlertEvent[] {
  if (isStale(command, state) || state.incident === null) return [];
  const { taskId, projectId, executionId } = command;
  const { incident } = state;
  const resolved: AlertEvent = {
    type: 'AlertIncidentResolved',
    data: {
      taskId,
      projectId,
      executionId,
      sourcePosition: String(command.sourcePosition),
      incidentId: incident.incidentId,
      resolvedAt: command.endedAt,
    },
  };
  if (!command.policy.notifyRecovery) return [resolved];
  return [resolved, ...alertEvents(command, 'recovery', incident.incidentId, incident.firstMessageId)];
}

function handleDurationBreach(command: HandleDurationBreach, state: AlertStreamState): AlertEvent[] {
  if (durationAlertKey(command.executionId, command.kind) in state.durationAlerted) return [];
  // Its own thread: the alert is its own "incident" (a pager resolves nothing for it).
  return alertEvents(command, command.kind, alertId(command.taskId, command.executionId, command.kind), null);
}

/** One event per target: the intent to send, or why it cannot be sent. */
function alertEvents(
  command: HandleExecutionFailed | HandleExecutionSucceeded | HandleDurationBreach,
  kind: AlertKind,
  incident: string,
  inReplyTo: string | null,
): AlertEvent[] {
  const { taskId, projectId, executionId, facts } = command;
  const id = alertId(taskId, executionId, kind);
  const content: AlertContent = contentOf(command);
  const subject = alertSubject(kind, content);
  const common = {
    taskId,
    projectId,
    executionId,
    sourcePosition: String(command.sourcePosition),
    alertId: id,
    incidentId: incident,
    kind,
    subject,
    triggeredAt: command.type === 'HandleDurationBreach' ? command.measuredAt : command.endedAt,
  };
  return command.targets.map((target): AlertEvent => {
    const channelId = channelIdOf(target);
    if (target.notSentReason !== null) {
      return {
        type: 'AlertNotSent',
        data: { ...common, ...channelId, channel: target.channel, recipients: target.recipients, reason: target.notSentReason, at: command.at },
      };
    }
    return {
      type: 'AlertSendIntended',
      data: {
        ...common,
        ...channelId,
        channel: target.channel,
        recipients: target.recipients,
        messageId: alertMessageId(id),
        inReplyTo,
        content,
        intendedAt: command.at,
      },
    };
  });
}

function contentOf(command: HandleExecutionFailed | HandleExecutionSucceeded | HandleDurationBreach): AlertContent {
  const { facts } = command;
  const common = { projectName: facts.projectName, taskName: facts.taskName, link: facts.link };
  switch (command.type) {
    case 'HandleExecutionFailed':
      return { ...common, status: command.status, error: facts.error, endedAt: command.endedAt, consecutiveFailures: command.consecutiveFailures };
    case 'HandleExecutionSucceeded':
      return { ...common, status: 'SUCCESS', error: null, endedAt: command.endedAt, consecutiveFailures: 0 };
    case 'HandleDurationBreach':
      return { ...common, status: command.status, error: null, endedAt: command.measuredAt, consecutiveFailures: 0, detail: command.detail };
  }
}

function recordResult(command: RecordSendResult, state: AlertStreamState): AlertEvent[] {
  const pending = state.pending[deliveryKey(command.alertId, command.channel, command.channelId ?? null)];
  // Only the attempt in flight gets an outcome, and only one.
  if (!pending || pending.status !== 'in_flight' || pending.attempt !== command.attempt) return [];
  const { alertId: id, channel, attempt, result, at } = command;
  const base = { taskId: pending.taskId, projectId: pending.projectId, ...channelIdOf(command), alertId: id, channel, attempt, at };
  if (result.ok) return [{ type: 'AlertSent', data: { ...base, response: result.response } }];
  const nextAt = Date.parse(at) + retryDelayMs(attempt);
  const tooLate = nextAt - Date.parse(pending.intendedAt) > ALERT_RETRY.giveUpAfterMs;
  const retryAt = result.permanent || tooLate ? null : new Date(nextAt).toISOString();
  const reason = result.permanent || !tooLate ? result.reason : `${result.reason} (given up after retrying for 24 hours)`;
  return [{ type: 'AlertSendFailed', data: { ...base, reason, retryAt, outcome: result.outcome } }];
}

function retry(command: RetrySend, state: AlertStreamState): AlertEvent[] {
  const pending = state.pending[deliveryKey(command.alertId, command.channel, command.channelId ?? null)];
  if (!pending || command.attempt !== pending.attempt + 1) return [];
  const due = command.reason === 'backoff' ? pending.status === 'waiting' : pending.status === 'in_flight';
  if (!due) return [];
  const { alertId: id, channel, attempt, reason, at } = command;
  return [
    { type: 'AlertSendRetrying', data: { taskId: pending.taskId, projectId: pending.projectId, ...channelIdOf(command), alertId: id, channel, attempt, reason, at } },
  ];
}

/** `channelId` only on a vendor channel's events (email and webhook events stay as they always were). */
function channelIdOf(command: { channelId?: string | null }): { channelId?: string } {
  return command.channelId == null ? {} : { channelId: command.channelId };
}

export const alertsDecider: Decider<AlertStreamState, AlertCommand, AlertEvent> = {
  initialState: initialAlertState,
  evolve: evolveAlerts,
  decide: decideAlerts,
};
