import type { AppServices } from '../../app-services';
import type { ExecutionCancelled } from '../../events/execution-events';
import { STREAM_CATEGORIES, streamPrefix } from '../../events/streams';
import type { RecordedEvent, StreamFilter } from '../../stores/events/event-store';
import { lostLease, type ProcessManager, type StateSnapshots } from '../process-manager';
import { DEFAULT_DISPATCH_SETTINGS, type DispatchSettings } from './dispatch-settings';
import { type DispatchServices, DispatchSteps } from './dispatch-steps';
import { DispatchTracks, type Track } from './dispatch-tracks';

export const DISPATCHER_NAME = 'dispatcher';
export const DISPATCHER_ACTOR = `system:${DISPATCHER_NAME}`;

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
 *
 * This file decides when a track needs a step and runs the steps, `maxConcurrent` at once; the state
 * is folded in dispatch-tracks.ts, and the steps themselves are dispatch-steps.ts.
 */
export class Dispatcher implements ProcessManager {
  readonly name = DISPATCHER_NAME;
  readonly filter: StreamFilter = {
    streamPrefixes: [STREAM_CATEGORIES.project, STREAM_CATEGORIES.task, STREAM_CATEGORIES.execution, STREAM_CATEGORIES.executionLog].map(streamPrefix),
    // A log batch only says a report arrived (dispatch-tracks.ts): its lines are not read.
    withoutData: [streamPrefix(STREAM_CATEGORIES.executionLog)],
  };

  private readonly settings: DispatchSettings;
  private readonly tracks: DispatchTracks;
  private readonly steps: DispatchSteps;
  /** Steps and cancel notices under way (stop() waits for them). */
  private readonly pending = new Set<Promise<void>>();
  private readonly queue: Array<() => Promise<void>> = [];
  private running = 0;
  private live = false;
  private stopped = false;
  readonly snapshots: StateSnapshots = {
    version: 1,
    take: () => this.tracks.snapshot(),
    restore: (state) => this.tracks.restore(state),
  };

  constructor(
    private readonly services: DispatchServices,
    settings: Partial<DispatchSettings> = {},
  ) {
    this.settings = { ...DEFAULT_DISPATCH_SETTINGS, ...settings };
    this.tracks = new DispatchTracks({
      resume: (track) => this.resume(track),
      drop: (track) => this.drop(track),
      replaced: (event) => this.replaced(event),
    });
    this.steps = new DispatchSteps(services, this.settings, this.tracks, DISPATCHER_ACTOR);
  }

  static fromServices(services: AppServices): Dispatcher {
    return new Dispatcher(services, services.dispatch);
  }

  /** `replaying` needs no special case: nothing is done before `goLive`, and then only what the tracks still need. */
  apply(event: RecordedEvent, _replaying: boolean): void {
    this.tracks.apply(event);
  }

  goLive(): void {
    this.live = true;
    for (const track of this.tracks.all()) this.resume(track);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.length = 0;
    for (const track of this.tracks.all()) track.cancelTimer?.();
    // Requests in flight are given up; their outcome is recorded as unknown (never re-sent).
    this.steps.abortRequests();
    await Promise.allSettled([...this.pending]);
  }

  /** Decides what a track needs now (live only, but for forgetting it): an unknown outcome, an abandonment, a retry, a first attempt, or nothing. */
  private resume(track: Track): void {
    if (this.stopped || track.busy) return;
    // Forgetting a finished dispatch is no action: done while replaying too, the replay holds only open ones.
    if (track.done) return this.drop(track);
    if (!this.live) return;
    if (track.givenUp) {
      if (track.reported) this.drop(track);
      return;
    }
    if (track.queued && !track.reported) return;
    if (track.intent !== null) {
      // An intent without outcome that this process did not record: sent before a crash, fate unknown.
      if (!this.steps.ownsIntent(track, track.intent)) this.enqueue(track, () => this.steps.recordUnknown(track));
      return;
    }
    if (track.reported) {
      track.cancelTimer?.();
      track.cancelTimer = null;
      if (track.attempts > 0 && track.nextAttemptAt !== null) {
        this.enqueue(track, () => this.steps.abandon(track, 'a report for this execution arrived, or it ended, before the next attempt; not sent again'));
      } else {
        this.drop(track);
      }
      return;
    }
    if (track.nextAttemptAt !== null) this.arm(track);
    else if (track.attempts === 0) this.enqueue(track, () => this.steps.attempt(track, 1));
  }

  private arm(track: Track): void {
    if (track.cancelTimer || track.busy || track.nextAttemptAt === null || this.stopped) return;
    track.cancelTimer = this.services.clock.setTimer(new Date(track.nextAttemptAt), () => {
      track.cancelTimer = null;
      this.enqueue(track, () => this.steps.attempt(track, track.attempts + 1));
    });
  }

  private drop(track: Track): void {
    track.done = true;
    if (track.busy) return; // the step's end looks again
    track.cancelTimer?.();
    this.tracks.forget(track);
    this.steps.forgetIntents(track);
  }

  /** Stops stepping a track whose steps keep failing here; the next leader (or start) takes it up from the events. */
  private giveUp(track: Track): void {
    track.cancelTimer?.();
    track.cancelTimer = null;
    track.givenUp = true;
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
      if (this.stopped) return;
      if (track.stepErrors >= this.settings.maxAttempts) return this.giveUp(track);
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
      this.keep(run());
    }
  }

  /** Cancel notices go out only for cancellations seen live (a replay would send them again). */
  private replaced(event: ExecutionCancelled): void {
    if (!this.live) return;
    const notice = this.steps.notifyCancelled(event);
    if (notice) this.keep(notice);
  }

  private keep(promise: Promise<void>): void {
    this.pending.add(promise);
    void promise.finally(() => this.pending.delete(promise));
  }
}
