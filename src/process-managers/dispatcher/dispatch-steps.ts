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
import { StreamDeletedError, StreamNotFoundError } from '../../errors/store-errors';
import type { ExecutionCancelled } from '../../events/execution-events';
import { executionLogStream, executionStream } from '../../events/streams';
import type { Logger } from '../../logging/logger';
import type { EventStore } from '../../stores/events/event-store';
import type { Clock } from '../../time/clock';
import { sendCancelNotice } from './cancel-notice';
import { deliveryOutcome } from './delivery-outcome';
import { dispatchHeaders, dispatchPayload, displayUrl, signingSecrets } from './dispatch-request';
import type { DispatchSettings } from './dispatch-settings';
import type { DispatchTracks, Track } from './dispatch-tracks';
import { type SendResult, type SentRequest, sendWebhook } from './webhook-sender';

export interface DispatchServices {
  events: EventStore;
  clock: Clock;
  logger: Logger;
  config: Pick<Config, 'outbound'>;
}

/**
 * What the dispatcher does for a track, each step recorded on the execution's stream through the
 * dispatch decider, as `actor`: a delivery attempt (checks, intent, request, outcome), an outcome left
 * unknown by a restart, an abandonment; and the cancel notice of a replaced run. Which step a track
 * needs, and when, is the dispatcher's to decide.
 */
export class DispatchSteps {
  /** `${executionId}#${attempt}` of intents this process recorded (their outcome is this process's to record). */
  private readonly ownIntents = new Set<string>();
  private readonly requests = new Set<SentRequest>();

  constructor(
    private readonly services: DispatchServices,
    private readonly settings: DispatchSettings,
    private readonly tracks: DispatchTracks,
    private readonly actor: string,
  ) {}

  /** Whether this process recorded the intent of the track's delivery `attempt`. */
  ownsIntent(track: Track, attempt: number): boolean {
    return this.ownIntents.has(intentKey(track, attempt));
  }

  forgetIntents(track: Track): void {
    for (let attempt = 1; attempt <= track.attempts; attempt++) this.ownIntents.delete(intentKey(track, attempt));
  }

  abortRequests(): void {
    for (const request of this.requests) request.abort();
  }

  /** One attempt: checks, intent, request, outcome. */
  async attempt(track: Track, attempt: number): Promise<void> {
    const { clock } = this.services;
    const { executionId, projectId } = track.ref;
    if (track.reported || track.queued || track.intent !== null) return; // resume() decides what to record
    const project = this.tracks.project(projectId);
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

    const body = JSON.stringify(dispatchPayload(track, this.tracks.metadataOf(track.ref.taskId), attempt));
    const signedAt = Math.floor(clock.now().getTime() / 1000);
    const secrets = signingSecrets(project, clock.now().getTime());
    const headers = dispatchHeaders(executionId, attempt, secrets, signedAt, body);
    if (secrets.length === 0) this.services.logger.warn({ projectId }, 'project has no signing secret: dispatch sent unsigned');

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

  recordUnknown(track: Track): Promise<void> {
    const attempt = track.intent;
    if (attempt === null) return Promise.resolve();
    const reason = 'the server stopped while this request was in flight; whether the executor got it is unknown, so it is not sent again';
    return this.command(track, { type: 'RecordDispatchOutcome', attempt, outcome: { kind: 'unknown', reason }, at: this.services.clock.now().toISOString() }).then(() => {
      track.intent = null;
      track.done = true;
    });
  }

  async abandon(track: Track, reason: string): Promise<void> {
    await this.command(track, { type: 'AbandonDispatch', reason, at: this.services.clock.now().toISOString() });
    track.done = true;
  }

  /** A push run replaced by a newer one (overlap policy `replace`): its executor is told (cancel-notice.ts). Null: no endpoint to tell. */
  notifyCancelled(event: ExecutionCancelled): Promise<void> | null {
    const project = this.tracks.project(event.data.projectId);
    if (!project?.endpoint) return null;
    const { events, clock, logger, config } = this.services;
    const secrets = signingSecrets(project, clock.now().getTime());
    const deps = { events, clock, logger, outbound: config.outbound, timeoutMs: this.settings.timeoutMs, requests: this.requests };
    return sendCancelNotice(deps, project.endpoint, secrets, event.data);
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

  /** Runs a dispatch command on the execution's stream; null when the stream is gone (the execution was deleted). */
  private async command(track: Track, command: DispatchCommand) {
    const context: CommandContext = { actor: this.actor, correlationId: track.cause.correlationId, causationId: track.cause.eventId };
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

  private async hasLogs(executionId: string): Promise<boolean> {
    try {
      return (await this.services.events.readStream(executionLogStream(executionId), { maxCount: 1 })).length > 0;
    } catch (err) {
      if (err instanceof StreamNotFoundError) return false;
      if (err instanceof StreamDeletedError) return true;
      throw err;
    }
  }
}

function intentKey(track: Track, delivery: number): string {
  return `${track.ref.executionId}#${track.executionAttempt}#${delivery}`;
}
