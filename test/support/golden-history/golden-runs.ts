import type { AlertChannel, AlertKind, AlertTriggerStatus, ExecutionRef, ExecutionStatus, MissedReason, TriggerType } from '../../../src/events';
import { alertsStream } from '../../../src/events/alert-events';
import { missedByStartDeadline, missedReason, MISSED_SCHEDULER_OFFLINE } from '../../../src/events/execution-events';
import { executionLogStream, executionStream } from '../../../src/events/streams';
import { timedOutLogMessage } from '../../../src/process-managers/deadlines/deadlines-manager';
import { catchUpExecutionId, tickExecutionId } from '../../../src/process-managers/scheduler/tick-ids';
import { alertSubject } from '../../../src/commands/alerts/alert-subject';
import type { HistoryWriter, WrittenEvent } from './history-writer';
import { alertRecipients, type Task } from './golden-world';
import { channelRecipient } from '../../../src/process-managers/alerts/channels/channel-recipient';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

/** Until this instant the installation ran a version writing ExecutionMissed at version 1 (a sentence). */
export interface RunSettings {
  missedV1Until: Date;
  publicUrl: string;
  /** Accounts a super admin disabled (never mailed). */
  disabledEmails: Set<string>;
}

type Ending = 'SUCCESS' | 'FAILED' | 'TIMED_OUT' | 'CANCELLED' | 'MISSED' | 'SKIPPED';

/**
 * One execution of a task from creation to its end, as the scheduler, the dispatcher (push) or a
 * claiming worker (pull), the executor's reports, the deadlines manager and the alerts manager write
 * it. Each event goes to the stream its writer appends to, one append per command.
 */
export function runExecution(
  w: HistoryWriter, settings: RunSettings, task: Task, scheduledAt: Date, trigger: TriggerType, actor = 'system:scheduler', createdAt?: Date,
): void {
  const project = task.project;
  const def = task.definition;
  // The scheduler's ticks have ids of their own (UUIDv5 of task and tick) and start a conversation of their own.
  const bySchedule = trigger === 'SCHEDULED' || trigger === 'CATCH_UP';
  const executionId = trigger === 'SCHEDULED' ? tickExecutionId(task.id, scheduledAt.toISOString())
    : trigger === 'CATCH_UP' ? catchUpExecutionId(task.id, scheduledAt.toISOString()) : w.id();
  const ref: ExecutionRef = { executionId, taskId: task.id, projectId: project.id };
  const stream = executionStream(ref.executionId);
  const key = project.ingestKey;
  let now = createdAt ?? new Date(scheduledAt.getTime() + Math.floor(w.random() * 900));
  const step = (ms: number) => (now = new Date(now.getTime() + ms));
  task.executions.push({ id: ref.executionId, createdAt: now });

  const ending = chooseEnding(w, task);
  // Some failing pull runs are retried once (a retry policy copied onto the execution): attempt 1 fails, attempt 2 ends the run.
  const retried = ending === 'FAILED' && def.executionMode === 'pull' && w.chance(0.2);
  const retry = { maxAttempts: 2, backoff: 'fixed', delaySeconds: 30, maxDelaySeconds: null, jitter: false, on: ['FAILED', 'TIMED_OUT'], alert: 'exhausted' } as const;
  const created = {
    type: 'ExecutionCreated' as const,
    data: {
      ...ref, taskName: def.name, scheduledAt: scheduledAt.toISOString(), triggerType: trigger, attempt: 1, executionMode: def.executionMode,
      timeoutSeconds: def.timeoutSeconds, startDeadlineSeconds: def.startDeadlineSeconds, createdAt: now.toISOString(),
      ...(retried ? { retry: { ...retry, on: [...retry.on] } } : {}),
    },
  };
  const correlationId = bySchedule ? executionId : w.id();
  w.append(stream, [created], { actor: trigger === 'EXTERNAL' ? key : actor, at: now, correlationId, ...(bySchedule ? { causationId: task.causationId } : {}) });
  if (ending === 'MISSED') {
    step((def.startDeadlineSeconds ?? 300) * SECOND);
    if (def.executionMode === 'push') unreachable(w, stream, ref, task.executions.at(-1)!.createdAt, project.endpoint!, correlationId);
    return end(w, settings, task, stream, ref, now, 'MISSED', missedByStartDeadline(def.startDeadlineSeconds ?? 300), correlationId);
  }
  let startedAt = now;
  if (def.executionMode === 'external') {
    // The executor, on its own clock, says it starts: matched to the tick's execution, or its own (EXTERNAL) one.
    step(trigger === 'EXTERNAL' ? 30 : 3 * SECOND + Math.floor(w.random() * 40 * SECOND));
    startedAt = now;
    w.append(stream, [{ type: 'ExecutionStarted', data: { ...ref, at: now.toISOString(), claimedBy: null } }], { actor: key, at: now, correlationId });
  } else if (def.executionMode === 'push') {
    step(40);
    const reported = dispatch(w, stream, ref, now, project.endpoint!, correlationId);
    step(reported);
    startedAt = now;
    w.append(stream, [{ type: 'ExecutionStarted', data: { ...ref, at: now.toISOString(), claimedBy: null } }], { actor: key, at: now, correlationId });
  } else if (def.executionMode === 'pull') {
    step(2 * SECOND + Math.floor(w.random() * 20 * SECOND));
    let worker = w.pick(['worker-a', 'worker-b', 'worker-c']);
    w.append(stream, [{ type: 'ExecutionStarted', data: { ...ref, at: now.toISOString(), claimedBy: worker } }], { actor: key, at: now, correlationId });
    if (w.chance(0.08)) {
      // The claimer never confirmed: its lease lapsed and another worker claimed it, in one append.
      const claimedAt = now.toISOString();
      step(60 * SECOND);
      const next = worker === 'worker-a' ? 'worker-b' : 'worker-a';
      w.append(stream, [
        { type: 'ExecutionClaimLapsed', data: { ...ref, claimedBy: worker, claimedAt, leaseSeconds: 60, at: now.toISOString() } },
        { type: 'ExecutionStarted', data: { ...ref, at: now.toISOString(), claimedBy: next } },
      ], { actor: key, at: now, correlationId });
      worker = next;
    }
    startedAt = now;
    step(300);
    w.append(stream, [{ type: 'ExecutionClaimConfirmed', data: { ...ref, claimedBy: worker, at: now.toISOString() } }], { actor: key, at: now, correlationId });
  }
  logs(w, ref, now, ending, correlationId, key);
  if (ending === 'TIMED_OUT') {
    // Counted from the execution's creation.
    now = new Date(task.executions.at(-1)!.createdAt.getTime() + (def.timeoutSeconds ?? 600) * SECOND);
    end(w, settings, task, stream, ref, now, 'TIMED_OUT', null, correlationId);
    if (w.chance(0.5)) {
      step(45 * SECOND);
      w.append(stream, [{ type: 'ExecutionLateReportReceived', data: { ...ref, at: now.toISOString(), reportedStatus: 'SUCCESS', error: null, currentStatus: 'TIMED_OUT' } }], { actor: key, at: now, correlationId });
    }
    return;
  }
  step(Math.floor(5 * SECOND + w.random() * 4 * MINUTE));
  if (ending === 'CANCELLED') {
    w.append(stream, [{ type: 'ExecutionCancelled', data: { ...ref, at: now.toISOString(), by: project.admin.id } }], { actor: project.admin.id, at: now, correlationId });
    return;
  }
  if (retried) {
    // Attempt 1 fails; the retry manager begins attempt 2 at retryAt; attempt 1's executor reports late; attempt 2 is claimed.
    const retryAt = new Date(now.getTime() + 30 * SECOND);
    w.append(stream, [{ type: 'ExecutionAttemptFailed', data: { ...ref, attempt: 1, outcome: 'FAILED', at: now.toISOString(), error: 'upstream returned 503', exitCode: 1, durationMs: now.getTime() - startedAt.getTime(), retryAt: retryAt.toISOString(), alert: 'exhausted' } }], { actor: key, at: now, correlationId });
    now = retryAt;
    w.append(stream, [{ type: 'ExecutionRetryStarted', data: { ...ref, taskName: def.name, scheduledAt: scheduledAt.toISOString(), executionMode: def.executionMode, timeoutSeconds: def.timeoutSeconds, startDeadlineSeconds: def.startDeadlineSeconds, attempt: 2, at: now.toISOString() } }], { actor: 'system:retries', at: now, correlationId });
    step(2 * SECOND);
    w.append(stream, [{ type: 'ExecutionStarted', data: { ...ref, at: now.toISOString(), claimedBy: 'worker-a' } }], { actor: key, at: now, correlationId });
    startedAt = now;
    step(SECOND);
    w.append(stream, [{ type: 'ExecutionStaleReportReceived', data: { ...ref, at: now.toISOString(), attempt: 1, currentAttempt: 2, reportedStatus: 'FAILED', error: 'upstream returned 503' } }], { actor: key, at: now, correlationId });
    step(Math.floor(5 * SECOND + w.random() * MINUTE));
  }
  const durationMs = now.getTime() - startedAt.getTime();
  const metrics = w.chance(0.4) ? { rows: Math.floor(w.random() * 10_000), retries: Math.floor(w.random() * 3) } : null;
  const data = ending === 'SUCCESS'
    ? { type: 'ExecutionSucceeded' as const, data: { ...ref, at: now.toISOString(), exitCode: 0, durationMs, metrics } }
    : { type: 'ExecutionFailed' as const, data: { ...ref, at: now.toISOString(), exitCode: w.pick([1, 2, 137]), durationMs, metrics, error: w.pick(['connection reset by peer', 'upstream returned 503', 'out of memory', null]) } };
  w.append(stream, [data], { actor: key, at: now, correlationId });
  afterEnd(w, settings, task, ref, now, ending, data.type === 'ExecutionFailed' ? data.data.error : null);
}

/** A tick that fell while the scheduler was down: recorded as MISSED at once (reason "scheduler offline"). */
export function missedWhileOffline(w: HistoryWriter, settings: RunSettings, task: Task, scheduledAt: Date, recordedAt: Date): void {
  const executionId = tickExecutionId(task.id, scheduledAt.toISOString());
  const ref: ExecutionRef = { executionId, taskId: task.id, projectId: task.project.id };
  const def = task.definition;
  task.executions.push({ id: ref.executionId, createdAt: recordedAt });
  // Created and missed in one append.
  w.append(executionStream(executionId), [
    {
      type: 'ExecutionCreated',
      data: { ...ref, taskName: def.name, scheduledAt: scheduledAt.toISOString(), triggerType: 'SCHEDULED', attempt: 1, executionMode: def.executionMode, timeoutSeconds: def.timeoutSeconds, startDeadlineSeconds: def.startDeadlineSeconds, createdAt: recordedAt.toISOString() },
    },
    missedEvent(settings, ref, recordedAt, MISSED_SCHEDULER_OFFLINE),
  ], { actor: 'system:scheduler', at: recordedAt, correlationId: executionId, causationId: task.causationId });
  afterEnd(w, settings, task, ref, recordedAt, 'MISSED', missedReason(MISSED_SCHEDULER_OFFLINE));
}

/** ExecutionMissed as the version running at `at` wrote it: before the upgrade version 1, one sentence; every later version must replay it. */
function missedEvent(settings: RunSettings, ref: ExecutionRef, at: Date, reason: MissedReason): WrittenEvent {
  if (at < settings.missedV1Until) return { type: 'ExecutionMissed', data: { ...ref, at: at.toISOString(), reason: missedReason(reason) }, schemaVersion: 1 };
  return { type: 'ExecutionMissed', data: { ...ref, at: at.toISOString(), ...reason } };
}

function chooseEnding(w: HistoryWriter, task: Task): Ending {
  const roll = w.random();
  const def = task.definition;
  if (roll < task.failureRate) return 'FAILED';
  if (roll < task.failureRate + 0.04 && def.timeoutSeconds !== null) return 'TIMED_OUT';
  if (roll < task.failureRate + 0.09 && def.startDeadlineSeconds !== null && def.executionMode !== 'external') return 'MISSED';
  if (roll > 0.985) return 'CANCELLED';
  return 'SUCCESS';
}

/** Push: the intent, then its outcome; a retryable failure is tried again. Returns ms until the executor reports. */
function dispatch(w: HistoryWriter, stream: string, ref: ExecutionRef, at: Date, url: string, correlationId: string): number {
  const context = { actor: 'system:dispatcher', correlationId };
  let now = at;
  const roll = w.random();
  w.append(stream, [{ type: 'ExecutionDispatchAttempted', data: { ...ref, attempt: 1, url, at: now.toISOString() } }], { ...context, at: now });
  now = new Date(now.getTime() + 120);
  if (roll < 0.85) {
    w.append(stream, [{ type: 'ExecutionDispatched', data: { ...ref, attempt: 1, status: 202, durationMs: 118, at: now.toISOString() } }], { ...context, at: now });
    return 500;
  }
  if (roll < 0.9) {
    // The server stopped with the request in flight: never sent again; the executor got it after all.
    w.append(stream, [{ type: 'ExecutionDispatchOutcomeUnknown', data: { ...ref, attempt: 1, reason: 'the server stopped while the request was in flight', at: now.toISOString() } }], { ...context, at: now });
    return 2_000;
  }
  const nextAttemptAt = new Date(now.getTime() + 10 * SECOND);
  w.append(stream, [{
    type: 'ExecutionDispatchFailed',
    data: { ...ref, attempt: 1, reason: 'executor answered 503', retryable: true, status: 503, durationMs: 95, nextAttemptAt: nextAttemptAt.toISOString(), at: now.toISOString(), outcome: 'http_error' },
  }], { ...context, at: now });
  if (roll < 0.95) {
    now = nextAttemptAt;
    w.append(stream, [{ type: 'ExecutionDispatchAttempted', data: { ...ref, attempt: 2, url, at: now.toISOString() } }], { ...context, at: now });
    now = new Date(now.getTime() + 90);
    w.append(stream, [{ type: 'ExecutionDispatched', data: { ...ref, attempt: 2, status: 200, durationMs: 88, at: now.toISOString() } }], { ...context, at: now });
    return 10 * SECOND + 600;
  }
  // The executor picked the job up on its own before the retry was due: no further attempt.
  dispatchAbandoned(w, stream, ref, new Date(now.getTime() + 4 * SECOND), 1, 'a report arrived before the next attempt', correlationId);
  return 4 * SECOND + 200;
}

/** The executor could not be reached (not retryable): the execution then misses its start deadline. */
function unreachable(w: HistoryWriter, stream: string, ref: ExecutionRef, at: Date, url: string, correlationId: string): void {
  const context = { actor: 'system:dispatcher', correlationId };
  const sent = new Date(at.getTime() + 1000);
  w.append(stream, [{ type: 'ExecutionDispatchAttempted', data: { ...ref, attempt: 1, url, at: sent.toISOString() } }], { ...context, at: sent });
  const failed = new Date(sent.getTime() + 10 * SECOND);
  w.append(stream, [{
    type: 'ExecutionDispatchFailed',
    data: { ...ref, attempt: 1, reason: 'connect ETIMEDOUT', retryable: false, status: null, durationMs: 10_000, nextAttemptAt: null, at: failed.toISOString(), outcome: 'timeout' },
  }], { ...context, at: failed });
}

function dispatchAbandoned(w: HistoryWriter, stream: string, ref: ExecutionRef, at: Date, attempts: number, reason: string, correlationId: string): void {
  w.append(stream, [{ type: 'ExecutionDispatchAbandoned', data: { ...ref, attempts, reason, at: at.toISOString() } }], { actor: 'system:dispatcher', at, correlationId });
}

function logs(w: HistoryWriter, ref: ExecutionRef, at: Date, ending: Ending, correlationId: string, key: string): void {
  const batches = w.chance(0.3) ? 2 : 1;
  for (let batch = 0; batch < batches; batch++) {
    const receivedAt = new Date(at.getTime() + (batch + 1) * 1500);
    const lines = Array.from({ length: 1 + Math.floor(w.random() * 4) }, (_, i) => ({
      message: w.pick(['starting', 'fetched 120 rows', 'upload done', 'retrying request', 'cache warm', 'batch committed']),
      level: ending === 'FAILED' && i > 0 && batch === batches - 1 ? ('error' as const) : w.pick(['debug', 'info', 'info', 'warn'] as const),
      timestamp: w.chance(0.5) ? new Date(receivedAt.getTime() - 300 + i).toISOString() : null,
      receivedAt: receivedAt.toISOString(),
    }));
    w.append(executionLogStream(ref.executionId), [{ type: 'ExecutionLogsAppended', data: { ...ref, lines } }], { actor: key, at: receivedAt, correlationId });
  }
}

/** A system end (timeout, missed): the deadlines manager or the scheduler writes it, then alerts follow. */
function end(
  w: HistoryWriter, settings: RunSettings, task: Task, stream: string, ref: ExecutionRef, at: Date,
  status: 'TIMED_OUT' | 'MISSED', reason: MissedReason | null, correlationId: string, actor = 'system:deadlines',
): void {
  if (status === 'TIMED_OUT') {
    const timeoutSeconds = task.definition.timeoutSeconds ?? 600;
    w.append(stream, [{ type: 'ExecutionTimedOut', data: { ...ref, at: at.toISOString(), timeoutSeconds } }], { actor, at, correlationId });
    const timedOut = w.lastAppend();
    // The deadlines manager's line in the execution's log, caused by the timeout.
    w.append(executionLogStream(ref.executionId), [{
      type: 'ExecutionLogsAppended',
      data: { ...ref, lines: [{ message: timedOutLogMessage(timeoutSeconds), level: 'error', timestamp: at.toISOString(), receivedAt: at.toISOString() }] },
    }], { actor, at, correlationId, causationId: w.lastEventId() });
    afterEnd(w, settings, task, ref, at, status, null, timedOut);
    return;
  }
  w.append(stream, [missedEvent(settings, ref, at, reason!)], { actor, at, correlationId });
  afterEnd(w, settings, task, ref, at, status, missedReason(reason!));
}

/** The alerts manager: opens an incident after N failures in a row, re-alerts, resolves on the next success. */
export function afterEnd(w: HistoryWriter, settings: RunSettings, task: Task, ref: ExecutionRef, at: Date, status: Ending, error: string | null, source = w.lastAppend()): void {
  if (status === 'CANCELLED') return;
  const sourcePosition = source;
  const policy = task.definition.alertPolicy ?? task.project.alertPolicy;
  const stream = alertsStream(task.id);
  // Ends met while the manager was still sending about an earlier one are decided after it.
  const decided = new Date(Math.max(at.getTime(), task.alertsUntil) + 200);
  task.alertsUntil = decided.getTime();
  const context = { actor: 'system:alerts', at: decided };
  if (status === 'SUCCESS') {
    task.streak = 0;
    const incident = task.incident;
    if (!incident) return;
    task.incident = null;
    w.append(stream, [{ type: 'AlertIncidentResolved', data: { taskId: task.id, projectId: task.project.id, executionId: ref.executionId, sourcePosition, incidentId: incident.id, resolvedAt: at.toISOString() } }], context);
    if (policy.notifyRecovery) sendAlerts(w, settings, task, ref, at, 'recovery', 'SUCCESS', null, incident, sourcePosition);
    return;
  }
  task.streak++;
  const trigger = status as AlertTriggerStatus;
  if (!task.incident && task.streak >= policy.afterFailures) {
    const incident = { id: w.id(), firstMessageId: '', alerts: 0 };
    task.incident = incident;
    w.append(stream, [{ type: 'AlertIncidentOpened', data: { taskId: task.id, projectId: task.project.id, executionId: ref.executionId, sourcePosition, incidentId: incident.id, status: trigger, consecutiveFailures: task.streak, openedAt: at.toISOString() } }], context);
    sendAlerts(w, settings, task, ref, at, 'failure', trigger, error, incident, sourcePosition);
  } else if (task.incident && policy.realertMinutes !== null && task.streak % 3 === 0) {
    sendAlerts(w, settings, task, ref, at, 'realert', trigger, error, task.incident, sourcePosition);
  }
}

function sendAlerts(
  w: HistoryWriter, settings: RunSettings, task: Task, ref: ExecutionRef, at: Date, kind: AlertKind, status: ExecutionStatus, error: string | null,
  incident: { id: string; firstMessageId: string; alerts: number }, sourcePosition: string,
): void {
  const project = task.project;
  const stream = alertsStream(task.id);
  const content = {
    projectName: project.name, taskName: task.definition.name, status, error, endedAt: at.toISOString(),
    consecutiveFailures: kind === 'recovery' ? 0 : task.streak, link: `${settings.publicUrl}/projects/${project.id}/tasks/${task.id}?execution=${ref.executionId}`,
  };
  const subject = alertSubject(kind, content);
  const alertBase = { taskId: task.id, projectId: project.id, executionId: ref.executionId, sourcePosition };
  let now = new Date(task.alertsUntil + 100);
  const context = (time: Date) => ({ actor: 'system:alerts', at: time });
  const alertId = w.id();
  const messageId = `<alert-${alertId}@cron-observer>`;
  const inReplyTo = incident.firstMessageId === '' ? null : incident.firstMessageId;
  if (incident.firstMessageId === '') incident.firstMessageId = messageId;
  incident.alerts++;
  const channels: Array<{ channel: AlertChannel; recipients: string[]; channelId?: string }> = [
    { channel: 'email', recipients: alertRecipients(project, settings.disabledEmails) },
    ...(project.alertWebhookUrl ? [{ channel: 'webhook' as const, recipients: [project.alertWebhookUrl] }] : []),
    ...[...project.channels].map(([channelId, c]) => ({ channel: c.type, channelId, recipients: [channelRecipient(channelId, c)] })),
  ];
  for (const { channel, recipients, channelId: id } of channels) {
    // Only a vendor channel's events carry its id, as the alerts manager writes them.
    const base = { ...alertBase, ...(id === undefined ? {} : { channelId: id }) };
    const ref2 = { taskId: task.id, projectId: project.id, ...(id === undefined ? {} : { channelId: id }) };
    if (recipients.length === 0) {
      w.append(stream, [{ type: 'AlertNotSent', data: { ...base, alertId, incidentId: incident.id, channel, kind, recipients, reason: 'no recipients', subject, triggeredAt: at.toISOString(), at: now.toISOString() } }], context(now));
      continue;
    }
    w.append(stream, [{
      type: 'AlertSendIntended',
      data: { ...base, alertId, incidentId: incident.id, channel, kind, recipients, messageId, inReplyTo, subject, content, triggeredAt: at.toISOString(), intendedAt: now.toISOString() },
    }], context(now));
    let attempt = 1;
    if (channel !== 'email' && w.chance(0.3)) {
      now = new Date(now.getTime() + 400);
      const retryAt = new Date(now.getTime() + 30 * SECOND);
      w.append(stream, [{ type: 'AlertSendFailed', data: { ...ref2, alertId, channel, attempt, reason: channel === 'webhook' ? 'webhook answered 502' : `${channel} answered HTTP 502`, retryAt: retryAt.toISOString(), at: now.toISOString(), outcome: 'http_error' } }], context(now));
      now = retryAt;
      attempt++;
      w.append(stream, [{ type: 'AlertSendRetrying', data: { ...ref2, alertId, channel, attempt, reason: 'backoff', at: now.toISOString() } }], context(now));
    }
    now = new Date(now.getTime() + 350);
    w.append(stream, [{ type: 'AlertSent', data: { ...ref2, alertId, channel, attempt, at: now.toISOString(), response: channel === 'email' ? '250 2.0.0 OK queued' : channel === 'webhook' ? '200' : 'HTTP 202' } }], context(now));
  }
  task.alertsUntil = now.getTime();
}
