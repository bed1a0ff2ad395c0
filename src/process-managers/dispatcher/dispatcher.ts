import type { AppServices } from '../../app-services';
import type { CommandContext } from '../../commands/command-context';
import {
  type DispatchCommand,
  type DispatchOutcome,
  dispatchDecider,
  dispatchRefusal,
  type DispatchState,
} from '../../commands/dispatch/dispatch-decider';
import { handleCommand } from '../../commands/handle-command';
import type { Config } from '../../config/config';
import { maskUrl } from '../../config/mask-url';
import { StreamDeletedError, StreamNotFoundError } from '../../errors/store-errors';
import { isEventOf } from '../../events/event';
import { DISPATCH_EVENT_TYPES, type DispatchEvent } from '../../events/dispatch-events';
import {
  EXECUTION_EVENT_TYPES,
  type ExecutionCancelled,
  type ExecutionEvent,
  type ExecutionQueued,
  type ExecutionRef,
  type ExecutionReleased,
  type ExecutionRetryStarted,
  type TriggerType,
} from '../../events/execution-events';
import type { JsonObject } from '../../events/json';
import { PROJECT_EVENT_TYPES, type ProjectEvent } from '../../events/project-events';
import { executionLogStream, executionStream, STREAM_CATEGORIES, streamPrefix } from '../../events/streams';
import { TASK_EVENT_TYPES, type TaskEvent } from '../../events/task-events';
import type { Logger } from '../../logging/logger';
import type { EventStore, RecordedEvent, StreamFilter } from '../../stores/events/event-store';
import type { Clock } from '../../time/clock';
import { lostLease, type ProcessManager } from '../process-manager';
import { DEFAULT_DISPATCH_SETTINGS, type DispatchSettings } from './dispatch-settings';
import { deliveryOutcome } from './delivery-outcome';
import { type SendResult, type SentRequest, sendWebhook, type WebhookRequest } from './webhook-sender';
import { SIGNATURE_HEADER, signatureHeader, TIMESTAMP_HEADER } from './webhook-signature';
import { sendCancelNotice } from './cancel-notice';

export const DISPATCHER_NAME = 'dispatcher';
export const DISPATCHER_ACTOR = `system:${DISPATCHER_NAME}`;

/** The body of a dispatch (COMPAT.md, "The executor contract": at least `task_name` and `execution_id`). */
export interface DispatchPayload {
  task_name: string;
  execution_id: string;
  task_id: string;
  project_id: string;
  scheduled_at: string;
  /** The execution's attempt (1 for the first run of a tick). */
  attempt: number;
  /** The task's metadata (null when it has none). */
  metadata: JsonObject | null;
  trigger_type: TriggerType;
  /** 1 for the first delivery of this execution; higher for a re-send after a failure that did not reach the executor. */
  delivery_attempt: number;
}

/** What the dispatcher knows of a project, folded from the project's own stream events (never from a read model). */
interface ProjectInfo {
  endpoint: string | null;
  secret: string | null;
  previousSecret: string | null;
  previousValidUntil: number | null;
}

/** A push execution whose dispatch is not over yet. */
interface Track {
  ref: ExecutionRef;
  taskName: string;
  scheduledAt: string;
  executionAttempt: number;
  triggerType: TriggerType;
  createdAt: string;
  cause: { eventId: string; correlationId: string };
  /** The highest attempt recorded. */
  attempts: number;
  /** The attempt whose intent is recorded without an outcome. */
  intent: number | null;
  /** When the next attempt is due (after a retryable failure). */
  nextAttemptAt: string | null;
  /** A report (status, logs) or an end was seen: nothing more is sent. */
  reported: boolean;
  /** QUEUED (overlap policy): not sent until ExecutionReleased. */
  queued: boolean;
  /** The dispatch is over (sent, failed for good, unknown, abandoned): forget the track. */
  done: boolean;
  /** This process has a step queued or running for it. */
  busy: boolean;
  /** Failed steps (store errors) in a row, to stop retrying a step that keeps failing. */
  stepErrors: number;
  cancelTimer: (() => void) | null;
}

/**
 * Push mode: POSTs each new execution of a push-mode task to its project's execution endpoint, signed
 * (webhook-signature.ts), and records every step on the execution's stream (dispatch-events.ts).
 *
 * - The intent (ExecutionDispatchAttempted) is appended with the exact expected revision BEFORE sending,
 *   through the dispatch decider, so an attempt is sent at most once, also with two instances.
 * - Re-sent with exponential backoff (on the injected clock) only when the request surely did not arrive
 *   (no connection: refused, name not resolved, unreachable) or the executor answered 429/5xx; never
 *   after a timeout or a failure once connected (the job may be running), never once a report (status or
 *   log line) arrived or the execution ended, and at most `maxAttempts` attempts in all.
 * - After a restart, an intent found without its outcome is recorded as ExecutionDispatchOutcomeUnknown
 *   and NOT re-sent. An execution created but never attempted (the server stopped in between) is sent
 *   when the dispatcher goes live, unless it is older than `maxDelayMs`.
 * The endpoint and the signing secrets come from the project stream's events as this manager folds
 * them; the task's metadata from the task stream's events.
 */
export class Dispatcher implements ProcessManager {
  readonly name = DISPATCHER_NAME;
  readonly filter: StreamFilter = {
    streamPrefixes: [STREAM_CATEGORIES.project, STREAM_CATEGORIES.task, STREAM_CATEGORIES.execution, STREAM_CATEGORIES.executionLog].map(streamPrefix),
  };

  private readonly settings: DispatchSettings;
  private readonly projects = new Map<string, ProjectInfo>();
  private readonly taskMetadata = new Map<string, JsonObject | null>();
  private readonly tracks = new Map<string, Track>();
  /** Open push executions with a retry policy → their first track, the template of a retry's track. */
  private readonly retried = new Map<string, Track>();
  /** `${executionId}#${attempt}` of intents this process recorded (their outcome is this process's to record). */
  private readonly ownIntents = new Set<string>();
  private readonly requests = new Set<SentRequest>();
  private readonly steps = new Set<Promise<void>>();
  private readonly queue: Array<() => Promise<void>> = [];
  private running = 0;
  private live = false;
  private stopped = false;

  constructor(
    private readonly services: { events: EventStore; clock: Clock; logger: Logger; config: Pick<Config, 'outbound'> },
    settings: Partial<DispatchSettings> = {},
  ) {
    this.settings = { ...DEFAULT_DISPATCH_SETTINGS, ...settings };
  }

  static fromServices(services: AppServices): Dispatcher {
    return new Dispatcher(services, services.dispatch);
  }

  /** `replaying` needs no special case: nothing is done before `goLive`, and then only what the tracks still need. */
  apply(event: RecordedEvent, _replaying: boolean): void {
    const { streamId } = event;
    if (streamId.startsWith(streamPrefix(STREAM_CATEGORIES.executionLog))) {
      const executionId = (event.data as { executionId?: string }).executionId;
      // A retried execution's log holds the earlier attempts' lines: only its status moves a later attempt on.
      if (executionId && (this.tracks.get(executionId)?.executionAttempt ?? 1) === 1) this.reportSeen(executionId);
    } else if (streamId.startsWith(streamPrefix(STREAM_CATEGORIES.execution))) {
      this.applyExecution(event);
    } else if (isEventOf<ProjectEvent>(PROJECT_EVENT_TYPES, event)) {
      this.applyProject(event);
    } else if (isEventOf<TaskEvent>(TASK_EVENT_TYPES, event)) {
      this.applyTask(event);
    }
  }

  goLive(): void {
    this.live = true;
    for (const track of this.tracks.values()) this.resume(track);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.length = 0;
    for (const track of this.tracks.values()) track.cancelTimer?.();
    // Requests in flight are given up; their outcome is recorded as unknown (never re-sent).
    for (const request of this.requests) request.abort();
    await Promise.allSettled([...this.steps]);
  }

  // ---- following the events --------------------------------------------------------------------

  private applyProject(event: ProjectEvent): void {
    const { projectId } = event.data;
    switch (event.type) {
      case 'ProjectCreated':
        this.projects.set(projectId, { endpoint: event.data.executionEndpoint, secret: null, previousSecret: null, previousValidUntil: null });
        return;
      case 'ProjectUpdated': {
        const project = this.projects.get(projectId);
        if (project && 'executionEndpoint' in event.data.changes) project.endpoint = event.data.changes.executionEndpoint ?? null;
        return;
      }
      case 'SigningSecretRotated': {
        const project = this.projects.get(projectId);
        if (!project) return;
        project.previousSecret = project.secret;
        project.secret = event.data.secret;
        project.previousValidUntil = event.data.previousSecretValidUntil === null ? null : Date.parse(event.data.previousSecretValidUntil);
        return;
      }
      case 'ProjectDeleted':
        this.projects.delete(projectId);
        return;
      default:
        return;
    }
  }

  private applyTask(event: TaskEvent): void {
    switch (event.type) {
      case 'TaskCreated':
      case 'TaskUpdated':
        this.taskMetadata.set(event.data.taskId, event.data.metadata);
        return;
      case 'TaskDeleted':
        this.taskMetadata.delete(event.data.taskId);
        return;
      default:
        return;
    }
  }

  private applyExecution(event: RecordedEvent): void {
    if (isEventOf<DispatchEvent>(DISPATCH_EVENT_TYPES, event)) return this.applyDispatchEvent(event);
    if (!isEventOf<ExecutionEvent>(EXECUTION_EVENT_TYPES, event)) return;
    if (event.type === 'ExecutionQueued' || event.type === 'ExecutionReleased') return this.queueChange(event);
    if (event.type === 'ExecutionCancelled' && event.data.replacedBy !== undefined && this.live) this.notifyCancelled(event);
    if (event.type === 'ExecutionRetryStarted') return this.retryStarted(event);
    // A report for an attempt that is over says nothing about the current attempt's delivery.
    if (event.type === 'ExecutionStaleReportReceived') return;
    if (event.type !== 'ExecutionCreated') {
      if (isFinal(event)) this.retried.delete(event.data.executionId);
      return this.reportSeen(event.data.executionId);
    }
    const data = event.data;
    if (data.executionMode !== 'push' || data.triggerType === 'EXTERNAL') return;
    const track: Track = {
      ref: { executionId: data.executionId, taskId: data.taskId, projectId: data.projectId },
      taskName: data.taskName,
      scheduledAt: data.scheduledAt,
      executionAttempt: data.attempt,
      triggerType: data.triggerType,
      createdAt: data.createdAt,
      cause: { eventId: event.metadata.eventId, correlationId: event.metadata.correlationId },
      attempts: 0,
      intent: null,
      nextAttemptAt: null,
      reported: false,
      queued: false,
      done: false,
      busy: false,
      stepErrors: 0,
      cancelTimer: null,
    };
    if (data.retry) this.retried.set(data.executionId, track);
    this.tracks.set(data.executionId, track);
    this.resume(track);
  }

  /** A retry is a new dispatch of the execution (deliveries count from 1), with its attempt number. */
  private retryStarted(event: RecordedEvent & ExecutionRetryStarted): void {
    const { executionId, attempt, at } = event.data;
    const first = this.retried.get(executionId);
    if (!first) return;
    const cause = { eventId: event.metadata.eventId, correlationId: event.metadata.correlationId };
    const track: Track = { ...first, executionAttempt: attempt, createdAt: at, cause, attempts: 0, intent: null, nextAttemptAt: null };
    Object.assign(track, { reported: false, done: false, busy: false, stepErrors: 0, cancelTimer: null });
    const previous = this.tracks.get(executionId);
    if (previous) this.drop(previous);
    this.tracks.set(executionId, track);
    this.resume(track);
  }

  /**
   * Events only update the tracks; `resume` acts, and only once live. Events after the checkpoint that
   * arrive before the replay has caught up are acted on at `goLive`, which resumes every track.
   */
  private applyDispatchEvent(event: DispatchEvent): void {
    const track = this.tracks.get(event.data.executionId);
    if (!track) return;
    // This process records attempts before it sees them come back: an older attempt's events are news to nobody.
    if ('attempt' in event.data && event.data.attempt < track.attempts) return;
    switch (event.type) {
      case 'ExecutionDispatchAttempted':
        track.attempts = Math.max(track.attempts, event.data.attempt);
        track.intent = event.data.attempt;
        break;
      case 'ExecutionDispatchFailed':
        track.intent = null;
        track.nextAttemptAt = event.data.nextAttemptAt;
        if (track.nextAttemptAt === null) track.done = true;
        break;
      case 'ExecutionDispatched':
      case 'ExecutionDispatchOutcomeUnknown':
      case 'ExecutionDispatchAbandoned':
        track.intent = null;
        track.done = true;
        break;
      default:
        // Claim lease events: pull mode only.
        return;
    }
    this.resume(track);
  }

  /**
   * A QUEUED execution waits (created QUEUED in one append, so before any attempt could be recorded:
   * the dispatch decider records intents only for PENDING executions); once released it is sent, and
   * its age for `maxDelayMs` counts from the release.
   */
  private queueChange(event: ExecutionQueued | ExecutionReleased): void {
    const track = this.tracks.get(event.data.executionId);
    if (!track) return;
    track.queued = event.type === 'ExecutionQueued';
    if (event.type === 'ExecutionReleased') track.createdAt = event.data.at;
    this.resume(track);
  }

  /** A status report, a log line or an end: no (further) attempt. */
  private reportSeen(executionId: string): void {
    const track = this.tracks.get(executionId);
    if (!track || track.reported) return;
    track.reported = true;
    this.resume(track);
  }

  // ---- acting ----------------------------------------------------------------------------------

  /** Decides what a track needs now (live only): an unknown outcome, an abandonment, a retry, a first attempt, or nothing. */
  private resume(track: Track): void {
    if (!this.live || this.stopped || track.busy) return;
    if (track.done) return this.drop(track);
    if (track.queued && !track.reported) return;
    if (track.intent !== null) {
      // An intent without outcome that this process did not record: sent before a crash, fate unknown.
      if (!this.ownIntents.has(intentKey(track, track.intent))) this.enqueue(track, () => this.recordUnknown(track));
      return;
    }
    if (track.reported) {
      track.cancelTimer?.();
      track.cancelTimer = null;
      if (track.attempts > 0 && track.nextAttemptAt !== null) {
        this.enqueue(track, () => this.abandon(track, 'a report for this execution arrived, or it ended, before the next attempt; not sent again'));
      } else {
        this.drop(track);
      }
      return;
    }
    if (track.nextAttemptAt !== null) this.arm(track);
    else if (track.attempts === 0) this.enqueue(track, () => this.attempt(track, 1));
  }

  private arm(track: Track): void {
    if (track.cancelTimer || track.busy || track.nextAttemptAt === null || this.stopped) return;
    track.cancelTimer = this.services.clock.setTimer(new Date(track.nextAttemptAt), () => {
      track.cancelTimer = null;
      this.enqueue(track, () => this.attempt(track, track.attempts + 1));
    });
  }

  private drop(track: Track): void {
    track.done = true;
    if (track.busy) return; // the step's end looks again
    track.cancelTimer?.();
    if (this.tracks.get(track.ref.executionId) === track) this.tracks.delete(track.ref.executionId);
    for (let attempt = 1; attempt <= track.attempts; attempt++) this.ownIntents.delete(intentKey(track, attempt));
  }

  /** Runs a step for a track, at most `maxConcurrent` at once; afterwards looks at the track again. */
  private enqueue(track: Track, step: () => Promise<void>): void {
    if (this.stopped || track.busy) return;
    track.busy = true;
    const run = async () => {
      this.running++;
      let failed = false;
      try {
        if (!this.stopped) await step();
        track.stepErrors = 0;
      } catch (err) {
        failed = true;
        track.stepErrors++;
        // A refused intent sent nothing; a refused outcome is recorded by the leader that follows.
        if (lostLease(err)) track.stepErrors = this.settings.maxAttempts;
        else this.services.logger.error({ err, executionId: track.ref.executionId, failures: track.stepErrors }, 'dispatch step failed');
      } finally {
        this.running--;
        track.busy = false;
        this.next();
      }
      if (!failed) return this.resume(track);
      // The store failed us (nothing was sent unless an outcome is what failed): try the step again later, a few times.
      if (track.stepErrors >= this.settings.maxAttempts || this.stopped) return this.drop(track);
      track.cancelTimer?.();
      track.cancelTimer = this.services.clock.setTimer(new Date(this.services.clock.now().getTime() + this.settings.backoffBaseMs), () => {
        track.cancelTimer = null;
        this.resume(track);
      });
    };
    this.queue.push(run);
    this.next();
  }

  private next(): void {
    while (this.running < this.settings.maxConcurrent && this.queue.length > 0) {
      const run = this.queue.shift()!;
      const promise = run();
      this.steps.add(promise);
      void promise.finally(() => this.steps.delete(promise));
    }
  }

  /** One attempt: checks, intent, request, outcome. */
  private async attempt(track: Track, attempt: number): Promise<void> {
    const { clock } = this.services;
    const { executionId, projectId } = track.ref;
    if (track.reported || track.queued || track.intent !== null) return; // resume() decides what to record
    const project = this.projects.get(projectId);
    if (!project?.endpoint) return this.abandon(track, 'the project has no execution endpoint');
    const now = clock.now();
    if (attempt === 1 && now.getTime() - Date.parse(track.createdAt) > this.settings.maxDelayMs) {
      return this.abandon(track, `not sent: the execution was created at ${track.createdAt}, more than ${Math.round(this.settings.maxDelayMs / 60_000)} min ago, and never dispatched`);
    }
    if (track.executionAttempt === 1 && (await this.hasLogs(executionId))) {
      track.reported = true;
      return;
    }
    const endpoint = project.endpoint;
    const intent = await this.command(track, { type: 'RecordDispatchAttempt', attempt, url: displayUrl(endpoint), at: now.toISOString() });
    if (intent === null) return;
    if (intent.events.length === 0) return this.refused(track, intent.state, attempt);
    this.ownIntents.add(intentKey(track, attempt));
    track.attempts = attempt;
    track.intent = attempt;
    track.nextAttemptAt = null;

    const body = JSON.stringify(this.payload(track, attempt));
    const signedAt = Math.floor(clock.now().getTime() / 1000);
    const secrets = this.secretsOf(project, clock.now().getTime());
    const headers: WebhookRequest['headers'] = {
      'Content-Type': 'application/json',
      'User-Agent': 'cron-observer-dispatcher/1',
      'X-Cron-Observer-Execution-Id': executionId,
      'X-Cron-Observer-Delivery-Attempt': String(attempt),
      [TIMESTAMP_HEADER]: String(signedAt),
    };
    if (secrets.length > 0) headers[SIGNATURE_HEADER] = signatureHeader(secrets, signedAt, body);
    else this.services.logger.warn({ projectId }, 'project has no signing secret: dispatch sent unsigned');

    const outbound = { rules: this.services.config.outbound, purpose: 'execution' as const };
    const request = sendWebhook({ url: endpoint, headers, body, timeoutMs: this.settings.timeoutMs, outbound });
    this.requests.add(request);
    let result: SendResult;
    try {
      result = await request.result;
    } finally {
      this.requests.delete(request);
    }
    const outcome = deliveryOutcome(result, attempt, this.settings, this.services.clock.now().getTime());
    // The operator's lists decide this, not the executor: say so where the operator looks.
    if (result.kind === 'refused') this.services.logger.warn({ projectId, executionId, rule: result.rule }, 'dispatch refused by outbound policy');
    await this.recordOutcome(track, attempt, outcome);
    track.intent = null;
    if (outcome.kind === 'failed' && outcome.nextAttemptAt !== null) track.nextAttemptAt = outcome.nextAttemptAt;
    else track.done = true;
  }

  /**
   * The intent was refused: the stream knows better than this manager's memory (another instance, or
   * this one before a restart, got there first; or a report arrived). Take its word; `resume` goes on.
   */
  private refused(track: Track, state: DispatchState, attempt: number): void {
    this.services.logger.debug({ executionId: track.ref.executionId, attempt, reason: dispatchRefusal(state, attempt) }, 'dispatch attempt not recorded');
    track.attempts = state.attempts;
    track.intent = state.inFlight;
    track.nextAttemptAt = state.concluded ? null : (state.lastFailure?.nextAttemptAt ?? null);
    if (state.concluded || state.execution === null) track.done = true;
    if (state.execution?.status === 'QUEUED') track.queued = true;
    else if (state.execution !== null && state.execution.status !== 'PENDING') track.reported = true;
  }

  private async recordOutcome(track: Track, attempt: number, outcome: DispatchOutcome): Promise<void> {
    // The request has gone out: try hard to record what came of it (a lost outcome becomes "unknown" at the next start).
    for (let tries = 1; ; tries++) {
      try {
        await this.command(track, { type: 'RecordDispatchOutcome', attempt, outcome, at: this.services.clock.now().toISOString() });
        return;
      } catch (err) {
        if (tries >= 3) throw err;
      }
    }
  }

  private recordUnknown(track: Track): Promise<void> {
    const attempt = track.intent;
    if (attempt === null) return Promise.resolve();
    const reason = 'the server stopped while this request was in flight; whether the executor got it is unknown, so it is not sent again';
    return this.command(track, { type: 'RecordDispatchOutcome', attempt, outcome: { kind: 'unknown', reason }, at: this.services.clock.now().toISOString() }).then(() => {
      track.intent = null;
      track.done = true;
    });
  }

  private async abandon(track: Track, reason: string): Promise<void> {
    await this.command(track, { type: 'AbandonDispatch', reason, at: this.services.clock.now().toISOString() });
    track.done = true;
  }

  /** Runs a dispatch command on the execution's stream; null when the stream is gone (the execution was deleted). */
  private async command(track: Track, command: DispatchCommand) {
    const context: CommandContext = { actor: DISPATCHER_ACTOR, correlationId: track.cause.correlationId, causationId: track.cause.eventId };
    try {
      return await handleCommand(this.services.events, this.services.clock, executionStream(track.ref.executionId), dispatchDecider, command, context);
    } catch (err) {
      if (err instanceof StreamDeletedError) {
        track.done = true;
        return null;
      }
      throw err;
    }
  }

  /** A push run replaced by a newer one (overlap policy `replace`): its executor is told (cancel-notice.ts). */
  private notifyCancelled(event: ExecutionCancelled): void {
    const project = this.projects.get(event.data.projectId);
    if (!project?.endpoint) return;
    const { events, clock, logger, config } = this.services;
    const secrets = this.secretsOf(project, clock.now().getTime());
    const deps = { events, clock, logger, outbound: config.outbound, timeoutMs: this.settings.timeoutMs, requests: this.requests };
    const promise = sendCancelNotice(deps, project.endpoint, secrets, event.data);
    this.steps.add(promise);
    void promise.finally(() => this.steps.delete(promise));
  }

  private async hasLogs(executionId: string): Promise<boolean> {
    try {
      return (await this.services.events.readStream(executionLogStream(executionId), { maxCount: 1 })).length > 0;
    } catch (err) {
      if (err instanceof StreamNotFoundError) return false;
      if (err instanceof StreamDeletedError) return true;
      throw err;
    }
  }

  private payload(track: Track, attempt: number): DispatchPayload {
    return {
      task_name: track.taskName,
      execution_id: track.ref.executionId,
      task_id: track.ref.taskId,
      project_id: track.ref.projectId,
      scheduled_at: track.scheduledAt,
      attempt: track.executionAttempt,
      metadata: this.taskMetadata.get(track.ref.taskId) ?? null,
      trigger_type: track.triggerType,
      delivery_attempt: attempt,
    };
  }

  /** The current secret, then the previous one while its grace period lasts. */
  private secretsOf(project: ProjectInfo, nowMs: number): string[] {
    const secrets: string[] = [];
    if (project.secret) secrets.push(project.secret);
    if (project.previousSecret && project.previousValidUntil !== null && project.previousValidUntil > nowMs) secrets.push(project.previousSecret);
    return secrets;
  }
}

/**
 * The endpoint as events show it: without credentials and without the query's values (webhook URLs
 * often carry a token there).
 */
export function displayUrl(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    return `${url.protocol}//${url.host}${url.pathname}${url.search ? '?…' : ''}`;
  } catch {
    return maskUrl(endpoint);
  }
}

function intentKey(track: Track, delivery: number): string {
  return `${track.ref.executionId}#${track.executionAttempt}#${delivery}`;
}

/** The execution has ended for good (a failed attempt that will be retried is not an end). */
function isFinal(event: ExecutionEvent): boolean {
  return ['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionCancelled', 'ExecutionTimedOut', 'ExecutionMissed', 'ExecutionSkipped'].includes(event.type);
}
