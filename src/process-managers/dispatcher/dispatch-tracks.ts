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
import { STREAM_CATEGORIES, streamPrefix } from '../../events/streams';
import { TASK_EVENT_TYPES, type TaskEvent } from '../../events/task-events';
import type { RecordedEvent } from '../../stores/events/event-store';

/** What the dispatcher knows of a project, folded from the project's own stream events (never from a read model). */
export interface ProjectInfo {
  endpoint: string | null;
  secret: string | null;
  previousSecret: string | null;
  previousValidUntil: number | null;
}

/** A push execution whose dispatch is not over yet. */
export interface Track {
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
  /**
   * This process gave its steps up (the store kept failing, or the lease was lost); the events still
   * leave the dispatch open, so the track is kept for a snapshot until they end it.
   */
  givenUp: boolean;
  cancelTimer: (() => void) | null;
}

/** What this process alone knows of a track (not folded from events): how a new or restored track starts. */
type LiveFields = Pick<Track, 'busy' | 'stepErrors' | 'givenUp' | 'cancelTimer'>;
const liveFields = (): LiveFields => ({ busy: false, stepErrors: 0, givenUp: false, cancelTimer: null });
type TrackState = Omit<Track, keyof LiveFields>;

/** The folded state as JSON (process-manager.ts, StateSnapshots); a retry's template is the current track itself when it still is. */
interface TracksSnapshot {
  projects: Array<[string, ProjectInfo]>;
  taskMetadata: Array<[string, JsonObject | null]>;
  tracks: TrackState[];
  retried: Array<[string, TrackState | null]>;
}

/** What the folding asks of the dispatcher, which alone acts (and only once live). */
export interface TrackHost {
  /** Looks at what a track needs now. */
  resume(track: Track): void;
  /** Gives a track up: a retry's new dispatch replaces it. */
  drop(track: Track): void;
  /** A push run was replaced by a newer one (overlap policy `replace`). */
  replaced(event: ExecutionCancelled): void;
}

/**
 * The dispatcher's state, folded from the project, task, execution and execution-log streams: each
 * project's endpoint and signing secrets, each task's metadata, and a track per push execution whose
 * dispatch is not over yet. Every change to a track is handed to the host's `resume`.
 */
export class DispatchTracks {
  private readonly projects = new Map<string, ProjectInfo>();
  private readonly taskMetadata = new Map<string, JsonObject | null>();
  private readonly tracks = new Map<string, Track>();
  /** Open push executions with a retry policy → their first track, the template of a retry's track. */
  private readonly retried = new Map<string, Track>();

  constructor(private readonly host: TrackHost) {}

  apply(event: RecordedEvent): void {
    const { streamId } = event;
    const logPrefix = streamPrefix(STREAM_CATEGORIES.executionLog);
    if (streamId.startsWith(logPrefix)) {
      // By its stream: the dispatcher reads log batches without their data (its filter's withoutData).
      const executionId = streamId.slice(logPrefix.length);
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

  /** Every track whose dispatch is not over. */
  all(): IterableIterator<Track> {
    return this.tracks.values();
  }

  project(projectId: string): ProjectInfo | undefined {
    return this.projects.get(projectId);
  }

  /** The task's metadata (null when it has none, or the task is unknown). */
  metadataOf(taskId: string): JsonObject | null {
    return this.taskMetadata.get(taskId) ?? null;
  }

  snapshot(): TracksSnapshot {
    const folded = ({ busy: _busy, stepErrors: _errors, givenUp: _givenUp, cancelTimer: _timer, ...state }: Track): TrackState => state;
    return {
      projects: [...this.projects],
      taskMetadata: [...this.taskMetadata],
      tracks: [...this.tracks.values()].map(folded),
      retried: [...this.retried].map(([executionId, first]) => [executionId, this.tracks.get(executionId) === first ? null : folded(first)]),
    };
  }

  restore(state: unknown): void {
    const { projects, taskMetadata, tracks, retried } = state as TracksSnapshot;
    for (const [projectId, project] of projects) this.projects.set(projectId, project);
    for (const [taskId, metadata] of taskMetadata) this.taskMetadata.set(taskId, metadata);
    for (const track of tracks) this.tracks.set(track.ref.executionId, { ...track, ...liveFields() });
    for (const [executionId, first] of retried) this.retried.set(executionId, first ? { ...first, ...liveFields() } : this.tracks.get(executionId)!);
  }

  /** Forgets a track that is over, unless a retry's track has taken its place already. */
  forget(track: Track): void {
    if (this.tracks.get(track.ref.executionId) === track) this.tracks.delete(track.ref.executionId);
  }

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
    if (event.type === 'ExecutionCancelled' && event.data.replacedBy !== undefined) this.host.replaced(event);
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
      ...liveFields(),
    };
    if (data.retry) this.retried.set(data.executionId, track);
    this.tracks.set(data.executionId, track);
    this.host.resume(track);
  }

  /** A retry is a new dispatch of the execution (deliveries count from 1), with its attempt number. */
  private retryStarted(event: RecordedEvent & ExecutionRetryStarted): void {
    const { executionId, attempt, at } = event.data;
    const first = this.retried.get(executionId);
    if (!first) return;
    const cause = { eventId: event.metadata.eventId, correlationId: event.metadata.correlationId };
    const track: Track = { ...first, executionAttempt: attempt, createdAt: at, cause, attempts: 0, intent: null, nextAttemptAt: null };
    Object.assign(track, { reported: false, done: false, ...liveFields() });
    const previous = this.tracks.get(executionId);
    if (previous) this.host.drop(previous);
    this.tracks.set(executionId, track);
    this.host.resume(track);
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
    this.host.resume(track);
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
    this.host.resume(track);
  }

  /** A status report, a log line or an end: no (further) attempt. */
  private reportSeen(executionId: string): void {
    const track = this.tracks.get(executionId);
    if (!track || track.reported) return;
    track.reported = true;
    this.host.resume(track);
  }
}

/** The execution has ended for good (a failed attempt that will be retried is not an end). */
function isFinal(event: ExecutionEvent): boolean {
  return ['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionCancelled', 'ExecutionTimedOut', 'ExecutionMissed', 'ExecutionSkipped'].includes(event.type);
}
