import type { AlertCommand, AlertTarget, DurationBreach, SendResult } from '../../commands/alerts/alert-commands';
import { alertsDecider } from '../../commands/alerts/alert-decider';
import { type AlertStreamState, deliveryKey, durationAlertKey, initialAlertState, type PendingDelivery } from '../../commands/alerts/alert-state';
import { type CommandContext, newCommandContext } from '../../commands/command-context';
import { handleCommand } from '../../commands/handle-command';
import type { Config } from '../../config/config';
import { ALERT_EVENT_TYPES, ALERTS_CATEGORY, type AlertEvent, alertsStream } from '../../events/alert-events';
import { isEventOf } from '../../events/event';
import type { ExecutionLogsAppended, LogLine } from '../../events/execution-log-events';
import { executionLogStream } from '../../events/streams';
import { StreamDeletedError, StreamNotFoundError } from '../../errors/store-errors';
import type { Logger } from '../../logging/logger';
import type { MailTransport } from '../../mail/mail-transport';
import type { EventStore, RecordedEvent, StreamFilter } from '../../stores/events/event-store';
import type { Clock } from '../../time/clock';
import { lostLease, type ProcessManager } from '../process-manager';
import { type AlertSender, EmailSender, WebhookSender } from './alert-channels';
import { ChannelSender } from './channels/channel-sender';
import { channelRecipient } from './channels/channel-recipient';
import { AlertDirectory, type ExecutionEnd } from './alert-directory';
import { alertsSnapshots, type KnownStream } from './alerts-snapshots';
import { DurationWatch } from './duration-watch';
import { ALERT_LOG_LINES } from './alert-message';
import { ProjectRuleBook } from '../project-rule-book';
import { silencingWindow } from '../../schedules/tick-rules';

export const ALERTS_ACTOR = 'system:alerts';

export interface AlertsDependencies {
  events: EventStore;
  clock: Clock;
  logger: Logger;
  config: Pick<Config, 'publicUrl' | 'outbound' | 'pagerDutyEventsUrl'>;
  /** The server's mail transport (owned and closed by whoever made it); null without SMTP_URL. */
  mail: MailTransport | null;
}

/** An executor's error text is kept whole in the execution; an alert quotes this much of it. */
const MAX_ERROR_CHARS = 4000;

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

/** Attempts to record a decision or an outcome before giving up on a store error (conflicts retry inside). */
const RECORD_ATTEMPTS = 3;
const RECORD_RETRY_MS = 500;

/**
 * Alerts by email (and the project's webhook) when tasks fail; see alertsDecider for the policy.
 *
 * State: projects, tasks, accounts and each task's consecutive failures (AlertDirectory), and each
 * task's alert stream, all rebuilt by the replay at every start. Acting: on a live execution end it
 * runs the decider over `alerts-<task>` (intent appended with the exact expected revision), then sends
 * in the background and records the outcome. A failed send is retried at its `retryAt` with a clock
 * timer (each attempt claimed first). On goLive, intents left in flight by a stopped process are
 * claimed and sent again with the same Message-ID, and waiting retries are armed.
 */
export class AlertsProcessManager implements ProcessManager {
  readonly name = 'alerts';
  readonly filter: StreamFilter = { streamPrefixes: ['project-', 'task-', 'execution-', 'user-', `${ALERTS_CATEGORY}-`] };

  readonly directory = new AlertDirectory();
  readonly durations = new DurationWatch();
  /** Maintenance windows and snoozes: a failure or duration alert inside one is not sent. */
  private readonly rules = new ProjectRuleBook();
  private readonly streams = new Map<string, KnownStream>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly timers = new Map<string, () => void>();
  private readonly email: AlertSender | null;
  private readonly webhook: AlertSender;
  private readonly channels: ChannelSender;
  private live = false;
  private stopped = false;
  readonly snapshots = alertsSnapshots(this.directory, this.durations, this.rules, this.streams);

  constructor(private readonly deps: AlertsDependencies) {
    const { mail, clock, config } = deps;
    this.email = mail ? new EmailSender(mail) : null;
    this.webhook = new WebhookSender((projectId, nowMs) => this.directory.signingSecrets(projectId, nowMs), () => clock.now(), config.outbound);
    this.channels = new ChannelSender((projectId, channelId) => this.directory.channel(projectId, channelId), config.outbound, config.pagerDutyEventsUrl);
  }

  async apply(event: RecordedEvent, replaying: boolean): Promise<void> {
    if (event.streamId.startsWith(`${ALERTS_CATEGORY}-`)) {
      if (isEventOf<AlertEvent>(ALERT_EVENT_TYPES, event)) this.absorb(event);
      return;
    }
    if (event.streamId.startsWith('project-')) this.rules.apply(event);
    const breaches = this.durations.apply(event);
    const end = this.directory.apply(event);
    if (event.type === 'TaskDeleted') this.forget(event.streamId.slice('task-'.length));
    if (end !== null) this.disarmDeadline(end.taskId, end.executionId);
    if (replaying || this.stopped) return;
    if (end !== null) await this.onExecutionEnd(end, event);
    for (const breach of breaches) await this.onDurationBreach(breach, event);
    if (event.type === 'ExecutionStarted' && this.live) this.armDeadline((event.data as { executionId: string }).executionId);
  }

  async goLive(): Promise<void> {
    this.live = true;
    for (const [taskId, known] of this.streams) {
      for (const pending of Object.values(known.state.pending)) {
        const key = this.key(taskId, pending);
        if (pending.status === 'in_flight' && !this.inFlight.has(key)) {
          // Left in flight when a process stopped: it may or may not have gone out. Claim the next attempt and send
          // it again with the same Message-ID: the one repeat a crash can cause, recognisable as such.
          await this.claimAndSend(taskId, pending, 'resumed');
        }
      }
      this.armTimers(taskId);
    }
    for (const run of this.durations.deadlines()) this.armDeadline(run.executionId);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const cancel of this.timers.values()) cancel();
    this.timers.clear();
    await this.idle();
  }

  /** For tests and shutdown: resolves when no send (nor the recording of its outcome) is in progress. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight.values()]);
  }

  /** The task's alert stream as this manager knows it (for tests and diagnostics). */
  alertState(taskId: string): AlertStreamState {
    return this.streams.get(taskId)?.state ?? initialAlertState;
  }

  private absorb(event: RecordedEvent & AlertEvent): void {
    const taskId = event.streamId.slice(ALERTS_CATEGORY.length + 1);
    const known = this.streams.get(taskId);
    if (known && event.revision <= known.revision) return; // already known from a command's outcome
    const whole = known ? known.whole && event.revision === known.revision + 1 : event.revision === 0;
    this.streams.set(taskId, { state: alertsDecider.evolve(known?.state ?? initialAlertState, event), revision: event.revision, whole });
    // Another instance's failed send: take part in its retry (the claim lets one instance win).
    if (this.live && event.type === 'AlertSendFailed') this.armTimers(taskId);
  }

  /** A deleted task alerts no more: drop its stream state and cancel its retries. */
  private forget(taskId: string): void {
    this.streams.delete(taskId);
    for (const [key, cancel] of this.timers) {
      if (!key.startsWith(`${taskId}/`)) continue;
      cancel();
      this.timers.delete(key);
    }
  }

  private async onExecutionEnd(end: ExecutionEnd, event: RecordedEvent): Promise<void> {
    const task = this.directory.tasks.get(end.taskId);
    const project = this.directory.projects.get(end.projectId);
    if (!task || task.going || !project || project.deleted) return;
    const incidentOpen = this.alertState(end.taskId).incident !== null;
    const policy = this.directory.policyOf(end.taskId);
    // Cheap filters; the decider decides (and re-checks against the stream itself).
    if (end.outcome === 'success' && !incidentOpen) return;
    if (end.outcome === 'failure' && !incidentOpen && end.consecutiveFailures < policy.afterFailures) return;
    // A recovery still goes out (it closes an incident opened before the window); failures inside one do not.
    if (end.outcome === 'failure' && this.silenced(end.taskId, end.endedAt)) return;

    const { clock } = this.deps;
    const base = {
      taskId: end.taskId,
      projectId: end.projectId,
      executionId: end.executionId,
      sourcePosition: event.position,
      endedAt: end.endedAt,
      policy,
      targets: this.targets(end.projectId),
      facts: {
        projectName: project.name,
        taskName: task.name,
        error: end.outcome === 'failure' && end.error !== null ? truncate(end.error, MAX_ERROR_CHARS) : null,
        link: this.link(end.projectId, end.taskId, end.executionId),
      },
      at: clock.now().toISOString(),
    };
    const command: AlertCommand =
      end.outcome === 'failure'
        ? { ...base, type: 'HandleExecutionFailed', status: end.status, consecutiveFailures: end.consecutiveFailures }
        : { ...base, type: 'HandleExecutionSucceeded' };
    const context = newCommandContext(ALERTS_ACTOR, event.metadata.eventId, event.metadata.correlationId);
    await this.run(end.taskId, command, context);
  }

  /** A threshold of the task's `durationAlerts` crossed: one alert of that kind for the execution (the decider dedups). */
  private async onDurationBreach(breach: DurationBreach, event: RecordedEvent | null): Promise<void> {
    const task = this.directory.tasks.get(breach.taskId);
    const project = this.directory.projects.get(breach.projectId);
    if (!task || task.going || !project || project.deleted) return;
    const { taskId, projectId, executionId } = breach;
    if (this.silenced(taskId, breach.measuredAt)) return;
    const command: AlertCommand = {
      ...breach,
      type: 'HandleDurationBreach',
      targets: this.targets(projectId),
      facts: { projectName: project.name, taskName: task.name, error: null, link: this.link(projectId, taskId, executionId) },
      at: this.deps.clock.now().toISOString(),
    };
    const context = event ? newCommandContext(ALERTS_ACTOR, event.metadata.eventId, event.metadata.correlationId) : newCommandContext(ALERTS_ACTOR);
    await this.run(taskId, command, context);
  }

  /** A clock timer at the run's limit (`durationAlerts.maxRunSeconds`); it alerts if the run is still RUNNING then. */
  private armDeadline(executionId: string): void {
    const run = this.durations.deadlineOf(executionId);
    if (!run || this.stopped) return;
    const key = deadlineKey(run.taskId, executionId);
    if (this.timers.has(key) || durationAlertKey(executionId, 'long_running') in this.alertState(run.taskId).durationAlerted) return;
    const cancel = this.deps.clock.setTimer(run.deadline, () => {
      this.timers.delete(key);
      const breach = this.durations.overrun(executionId, this.deps.clock.now());
      if (!breach) return;
      const alerting = this.onDurationBreach(breach, null).catch((err) =>
        this.deps.logger.error({ err, taskId: run.taskId, executionId }, 'alerts: a run-time alert failed unexpectedly'),
      );
      this.inFlight.set(key, alerting.finally(() => this.inFlight.delete(key)));
    });
    this.timers.set(key, cancel);
  }

  private disarmDeadline(taskId: string, executionId: string): void {
    const key = deadlineKey(taskId, executionId);
    this.timers.get(key)?.();
    this.timers.delete(key);
  }

  /** Whether a maintenance window (pause or silence) or a snooze covers the task at that instant. */
  private silenced(taskId: string, at: string): boolean {
    const task = this.directory.tasks.get(taskId);
    if (!task) return false;
    const window = silencingWindow(this.rules.of(task.projectId), { taskId, groupId: task.groupId }, Date.parse(at));
    if (window) this.deps.logger.info({ taskId, window: window.name }, 'alerts: not sent, inside a maintenance window');
    return window !== null;
  }

  private link(projectId: string, taskId: string, executionId: string): string {
    return `${this.deps.config.publicUrl}/projects/${projectId}/tasks/${taskId}?execution=${executionId}`;
  }

  private targets(projectId: string): AlertTarget[] {
    const project = this.directory.projects.get(projectId)!;
    const recipients = this.directory.recipients(projectId);
    const targets: AlertTarget[] = [
      {
        channel: 'email',
        channelId: null,
        recipients,
        notSentReason: this.email === null ? 'no mail server' : recipients.length === 0 ? 'no recipients' : null,
      },
    ];
    if (project.alertWebhookUrl !== null) {
      targets.push({
        channel: 'webhook',
        channelId: null,
        recipients: [project.alertWebhookUrl],
        notSentReason: project.signingSecret === null ? 'no signing secret' : null,
      });
    }
    // One delivery per vendor channel, each with its own intent, outcome and retries.
    for (const [channelId, channel] of project.channels) {
      targets.push({ channel: channel.type, channelId, recipients: [channelRecipient(channelId, channel)], notSentReason: null });
    }
    return targets;
  }

  /**
   * Runs a command over the task's alert stream, syncs the known state with the result, and sends
   * every attempt the command claimed (an intent or a retry appended by this call, never by another).
   */
  private async run(taskId: string, command: AlertCommand, context: CommandContext): Promise<AlertEvent[]> {
    const { events, clock, logger } = this.deps;
    for (let attempt = 1; ; attempt++) {
      try {
        const before = this.streams.get(taskId);
        // The stream as followed so far: only the events after it are read (an alert stream grows with every incident).
        const known = before?.whole ? { state: before.state, revision: before.revision } : undefined;
        const outcome = await handleCommand(events, clock, alertsStream(taskId), alertsDecider, command, context, undefined, known);
        if (typeof outcome.revision === 'number') {
          const latest = this.streams.get(taskId);
          if (!latest || outcome.revision > latest.revision) this.streams.set(taskId, { state: outcome.state, revision: outcome.revision, whole: true });
        }
        for (const event of outcome.events) {
          if (event.type === 'AlertSendIntended' || event.type === 'AlertSendRetrying') this.startSend(taskId, event.data.alertId, event.data.channel, event.data.channelId ?? null);
        }
        if (this.live) this.armTimers(taskId);
        return outcome.events;
      } catch (err) {
        if (err instanceof StreamDeletedError) {
          // The task was deleted and its alert stream with it: nothing left to alert about.
          logger.debug({ taskId, command: command.type }, 'alerts: the task alert stream is deleted');
          this.forget(taskId);
          return [];
        }
        if (lostLease(err)) return []; // nothing was claimed, so nothing is sent
        if (attempt >= RECORD_ATTEMPTS || this.stopped) {
          logger.error({ err, taskId, command: command.type }, 'alerts: could not record a decision');
          return [];
        }
        await new Promise((resolve) => setTimeout(resolve, RECORD_RETRY_MS));
      }
    }
  }

  private key(taskId: string, pending: Pick<PendingDelivery, 'alertId' | 'channel' | 'channelId'>): string {
    return `${taskId}/${deliveryKey(pending.alertId, pending.channel, pending.channelId)}`;
  }

  private startSend(taskId: string, alertId: string, channel: PendingDelivery['channel'], channelId: string | null): void {
    const key = this.key(taskId, { alertId, channel, channelId });
    if (this.inFlight.has(key)) return;
    const sending = this.send(taskId, alertId, channel, channelId)
      .catch((err) => this.deps.logger.error({ err, taskId, alertId, channel }, 'alerts: send failed unexpectedly'))
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, sending);
  }

  private async send(taskId: string, alertId: string, channel: PendingDelivery['channel'], channelId: string | null): Promise<void> {
    const pending = this.alertState(taskId).pending[deliveryKey(alertId, channel, channelId)];
    if (!pending || pending.status !== 'in_flight') return;
    const sender = channel === 'email' ? this.email : channel === 'webhook' ? this.webhook : this.channels;
    const result: SendResult = sender
      ? await sender.send(pending, pending.kind === 'recovery' ? [] : await this.logTail(pending.executionId))
      : { ok: false, reason: 'no mail server', permanent: true, outcome: 'not_configured' };
    if (!result.ok) this.deps.logger.warn({ taskId, alertId, channel, attempt: pending.attempt, reason: result.reason }, 'alerts: send failed');
    const context = newCommandContext(ALERTS_ACTOR);
    await this.run(taskId, { type: 'RecordSendResult', alertId, channel, channelId, attempt: pending.attempt, result, at: this.deps.clock.now().toISOString() }, context);
  }

  private async claimAndSend(taskId: string, pending: PendingDelivery, reason: 'backoff' | 'resumed'): Promise<void> {
    if (this.stopped) return;
    const { alertId, channel, channelId } = pending;
    const command: AlertCommand = { type: 'RetrySend', alertId, channel, channelId, attempt: pending.attempt + 1, reason, at: this.deps.clock.now().toISOString() };
    await this.run(taskId, command, newCommandContext(ALERTS_ACTOR));
  }

  /** One clock timer per delivery waiting for its retry (at once when the time has passed). */
  private armTimers(taskId: string): void {
    if (this.stopped) return;
    for (const pending of Object.values(this.alertState(taskId).pending)) {
      const key = this.key(taskId, pending);
      if (pending.status !== 'waiting' || pending.retryAt === null || this.timers.has(key)) continue;
      const cancel = this.deps.clock.setTimer(new Date(pending.retryAt), () => {
        this.timers.delete(key);
        const current = this.alertState(taskId).pending[deliveryKey(pending.alertId, pending.channel, pending.channelId)];
        if (!current || current.status !== 'waiting') return;
        const retrying = this.claimAndSend(taskId, current, 'backoff').catch((err) =>
          this.deps.logger.error({ err, taskId, alertId: current.alertId }, 'alerts: retry failed unexpectedly'),
        );
        // Tracked like a send, so idle() and stop() wait for the claim too.
        const claimKey = `${key}/claim`;
        this.inFlight.set(claimKey, retrying.finally(() => this.inFlight.delete(claimKey)));
      });
      this.timers.set(key, cancel);
    }
  }

  /** The execution's last log lines, from its log stream (the source of truth; no read-model lag). */
  private async logTail(executionId: string): Promise<LogLine[]> {
    try {
      const batches = await this.deps.events.readStream(executionLogStream(executionId), {
        direction: 'backwards',
        fromRevision: 'end',
        maxCount: ALERT_LOG_LINES,
      });
      const lines = batches.reverse().flatMap((batch) => (batch as unknown as ExecutionLogsAppended).data.lines ?? []);
      return lines.slice(-ALERT_LOG_LINES);
    } catch (err) {
      if (!(err instanceof StreamNotFoundError) && !(err instanceof StreamDeletedError)) {
        this.deps.logger.warn({ err, executionId }, 'alerts: could not read the log tail');
      }
      return [];
    }
  }
}

/** Under the task's prefix, so forgetting a deleted task cancels its run-time timers too. */
function deadlineKey(taskId: string, executionId: string): string {
  return `${taskId}/long_running/${executionId}`;
}
