import { afterTimeCriticalWork } from '../commands/loop-share';
import type { Logger } from '../logging/logger';
import {
  type Consumer,
  POISON_RETRY_DELAYS_MS,
  QUARANTINE_CHECKPOINT,
  type QuarantineRecord,
  type RetryOutcome,
  ensureQuarantine,
  errorText,
  eventAt,
  isOutage,
  isQuarantined,
  listQuarantined,
  releaseOperations,
  quarantineId,
  quarantineOperation,
  quarantineRecord,
} from '../quarantine/quarantine-store';
import type { EventStore, Position, RecordedEvent, StreamFilter, Subscription } from '../stores/events/event-store';
import type { ReadStore } from '../stores/read/read-store';
import { ensureManagerSnapshots, loadSnapshot, snapshotWrites } from './manager-snapshots';
import { lostLease, type ProcessManager } from './process-manager';

const MAX_BATCH = 500;
const RETRY_DELAY_MS = 1000;
/**
 * A live manager saves its checkpoint at most this often: read.db has one writer at a time and the
 * projection thread writes it constantly, so a write per batch would keep this thread waiting for the lock.
 * Under steady traffic every manager saves at this rate (the engine's checkpoints move them past events
 * they do not follow), a transaction each: at 50 ms that was a twentieth of the HTTP thread's time. A
 * checkpoint only bounds what a restart handles again (idempotently, through acknowledged events) and how
 * soon a deletion sees the scheduler pass its task.
 */
const CHECKPOINT_INTERVAL_MS = 250;
/**
 * A manager with snapshots saves its state with a checkpoint once it has applied this many events since
 * the last save (or its start), and no sooner than this long after it; also at every stop. Saving holds
 * the thread for as long as the state is large (the scheduler's, at 100,000 tasks: 0.25–0.6 s to take 38 MB
 * of JSON, then its parts' writes), while what a crash costs is replaying the events applied since: a few
 * minutes of them is a second or two of work.
 */
export const DEFAULT_SNAPSHOT_POLICY: SnapshotPolicy = { events: 10_000, intervalMs: 300_000, afterTicksWithinMs: 2_000 };

/** When a live manager saves its state (tests shorten them). */
export interface SnapshotPolicy {
  events: number;
  intervalMs: number;
  /**
   * A periodic save, being one long stretch of the thread, waits until the scheduler's ticks firing then,
   * or else the next instant's, are committed; this long at most when none fire.
   */
  afterTicksWithinMs: number;
}

export function processManagerCheckpoint(name: string): string {
  return `process-manager:${name}`;
}
/** Feeds one process manager: replay to rebuild its state (shared with the others up to its checkpoint), then live, checkpointing as it goes. */
export class ManagerLoop {
  position: Position | null = null;
  live = false;
  private savedCheckpoint: Position | null = null;
  /** Where the state restored or last saved stands (null: built from the first event). */
  private statePosition: Position | null = null;
  /** Whether this start began from the manager's saved state. */
  restored = false;
  /** Events handed over as replayed this start (state only): what a snapshot spares. */
  replayed = 0;
  private appliedSinceSnapshot = 0;
  /** When the state was last saved; a start counts as one (the first periodic save comes an interval later). */
  private snapshotTakenAt = performance.now();
  private checkpointTimer: NodeJS.Timeout | null = null;
  private stateSaveWaiting = false;
  /** Ends the waits of state saves for the ticks of the moment (stop). */
  private readonly stopping = new AbortController();
  private checkpointWrite: Promise<void> = Promise.resolve();
  private subscription: Subscription | null = null;
  private stopped = false;
  private running: Promise<void> | null = null;
  private readonly waiters = new Set<() => void>();
  private turn: Promise<void> = Promise.resolve();

  constructor(
    /** Replaced only when its saved state could not be restored (restore). */
    public manager: ProcessManager,
    private readonly events: EventStore,
    private readonly reads: ReadStore,
    private readonly logger: Logger,
    private readonly onQuarantine: ((record: QuarantineRecord) => void) | null,
    private readonly onLive: () => void = () => {},
    private readonly snapshotPolicy: SnapshotPolicy = DEFAULT_SNAPSHOT_POLICY,
  ) {}

  get filter(): StreamFilter | undefined {
    return this.manager.filter;
  }

  /** Loads the saved checkpoint: the events up to it rebuild state (replayed), later ones are acted on. */
  async prepare(): Promise<void> {
    await ensureQuarantine(this.reads);
    await ensureManagerSnapshots(this.reads);
    this.savedCheckpoint = await this.reads.getCheckpoint(processManagerCheckpoint(this.manager.name));
  }

  /**
   * Begins from the manager's saved state, when it has one that fits its checkpoint: it then replays only
   * the events after it. A state that cannot be restored may have been restored in part, so the manager
   * is replaced by `fresh()`, a new one, which replays the history.
   */
  async restore(fresh: () => ProcessManager): Promise<void> {
    const saving = this.manager.snapshots;
    // No checkpoint (a manager reset, or read.db new): whatever state lies there is not to be trusted.
    if (!saving || this.savedCheckpoint === null || this.stopped) return;
    try {
      const saved = await loadSnapshot(this.reads, this.manager.name, saving.version);
      if (!saved || saved.position > this.savedCheckpoint) return;
      saving.restore(saved.state);
      this.position = this.statePosition = saved.position;
      this.restored = true;
    } catch (err) {
      this.logger.error({ err, manager: this.manager.name }, 'process manager state not restored from its snapshot; replaying the history instead');
      this.manager = fresh();
    }
  }

  /** Follows the store once `replayed` (the replay shared with the other managers) has settled. */
  begin(replayed: Promise<void>): void {
    this.running = replayed.then(() => (this.stopped ? undefined : this.run()));
  }

  get replayThrough(): Position | null {
    return this.stopped ? null : this.savedCheckpoint;
  }

  /** The position its restored state already covers (null: it replays from the first event). */
  get replayAfter(): Position | null {
    return this.restored ? this.statePosition : null;
  }

  replay(batch: RecordedEvent[], through: Position): Promise<void> {
    return this.exclusively(async () => {
      for (const event of batch) {
        const applying = this.applyOrQuarantine(event, true);
        if (applying) await applying;
        this.position = event.position;
      }
      this.appliedSinceSnapshot += batch.length;
      this.replayed += batch.length;
      if (this.position === null || through > this.position) this.position = through;
      this.wakeWaiters();
    });
  }

  private wakeWaiters(): void {
    for (const wake of [...this.waiters]) {
      this.waiters.delete(wake);
      wake();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    await this.subscription?.close();
    await this.running;
    if (this.checkpointTimer || this.snapshotDue('stopping')) this.saveCheckpoint('stopping');
    await this.checkpointWrite;
    await this.manager.stop?.();
  }

  /**
   * Resolves when the manager is live and has seen every event it follows up to `target`. Live too: a
   * manager restored from a snapshot has seen the events up to it before it has done what going live
   * does (arming timers, recording a downtime).
   */
  async waitFor(target: Position | null): Promise<void> {
    while (!(this.live && (await this.hasSeen(target)))) await new Promise<void>((resolve) => this.waiters.add(resolve));
  }

  private async hasSeen(target: Position | null): Promise<boolean> {
    if (target === null || (this.position !== null && this.position >= target)) return true;
    const [next] = await this.events.readAll({ after: this.position, filter: this.manager.filter, maxCount: 1 });
    return next === undefined || next.position > target;
  }

  private async run(): Promise<void> {
    const head = await this.events.headPosition();
    await this.goLiveIfCaughtUp(head);
    while (!this.stopped) {
      try {
        this.subscription = this.events.subscribeToAll({
          after: this.position,
          filter: this.manager.filter,
          maxBatch: MAX_BATCH,
          onCheckpoint: (position) => this.exclusively(async () => this.passCheckpoint(position)),
        });
        for await (const batch of this.subscription) {
          await this.exclusively(async () => {
            for (const event of batch) {
              const replaying = this.savedCheckpoint !== null && event.position <= this.savedCheckpoint;
              if (replaying) this.replayed++;
              const applying = this.applyOrQuarantine(event, replaying);
              if (applying) await applying;
              this.position = event.position;
            }
            this.appliedSinceSnapshot += batch.length;
          });
          if (batch.length > 0 && this.live) this.checkpointSoon();
          await this.goLiveIfCaughtUp(head);
          this.wakeWaiters();
          await new Promise((resolve) => setImmediate(resolve));
        }
      } catch (err) {
        // A refused write ends this term: stop feeding the manager (the lease stops the runner), and do
        // not checkpoint past an event it could not act on.
        if (this.stopped || lostLease(err)) break;
        this.logger.error({ err, manager: this.manager.name }, 'process manager subscription failed; resubscribing');
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
      }
    }
  }

  /** Runs `work` when no batch or retry of this manager is in progress (a manager applies one event at a time). */
  private exclusively<T>(work: () => Promise<T>): Promise<T> {
    const result = this.turn.then(work);
    this.turn = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Applies this manager's quarantined events again (as live events), removing those that now apply. */
  retryQuarantined(): Promise<RetryOutcome> {
    return this.exclusively(async () => {
      const outcome: RetryOutcome = { consumer: this.manager.name, applied: 0, stillFailing: [] };
      for (const record of await listQuarantined(this.reads, this.manager.name)) {
        const event = await eventAt(this.events, record.position);
        try {
          if (!event) throw new Error(`no event is stored at position ${record.position}`);
          await this.manager.apply(event, false);
          await this.reads.applyBatch(releaseOperations(record.id, record.position), { name: QUARANTINE_CHECKPOINT, position: record.position });
          outcome.applied++;
        } catch (err) {
          outcome.stillFailing.push({ id: record.id, error: errorText(err) });
        }
      }
      return outcome;
    });
  }

  /**
   * Applies an event. Most applications are synchronous (a replay is a million of them at 1M events),
   * so only an asynchronous one or a failure is awaited: nothing when `manager.apply` returned nothing.
   */
  private applyOrQuarantine(event: RecordedEvent, replaying: boolean): Promise<void> | undefined {
    let applying: void | Promise<void>;
    try {
      applying = this.manager.apply(event, replaying);
    } catch (err) {
      return this.afterFailure(event, replaying, err);
    }
    // A `void` apply may still hand back a value (an arrow function returning Map.set): only a promise is awaited.
    return applying instanceof Promise ? applying.catch((err: unknown) => this.afterFailure(event, replaying, err)) : undefined;
  }

  /**
   * One bad event must not stop a manager from following the rest: after a few attempts, and once both
   * stores have answered (a store that is down throws, and the subscription is retried from here), it is
   * quarantined. An event quarantined before (met again in the replay after a restart) is set aside at once.
   */
  private async afterFailure(event: RecordedEvent, replaying: boolean, firstError: unknown): Promise<void> {
    const consumer: Consumer = { name: this.manager.name, kind: 'process-manager', generation: null };
    let known: boolean | null = null;
    let err = firstError;
    for (let attempt = 1; ; attempt++) {
      if (this.stopped || lostLease(err) || isOutage(err)) throw err;
      known ??= await isQuarantined(this.reads, quarantineId(consumer, event.position));
      if (!known && attempt <= POISON_RETRY_DELAYS_MS.length) {
        this.logger.warn({ err, manager: this.manager.name, position: event.position, attempt }, 'process manager failed on an event; trying it again');
        await new Promise((resolve) => setTimeout(resolve, POISON_RETRY_DELAYS_MS[attempt - 1]));
        try {
          await this.manager.apply(event, replaying);
          return;
        } catch (again) {
          err = again;
          continue;
        }
      }
      if (known) return;
      await Promise.all([this.events.ping(), this.reads.ping()]);
      const record = quarantineRecord(consumer, event, err, new Date());
      await this.reads.applyBatch([quarantineOperation(record)], { name: QUARANTINE_CHECKPOINT, position: event.position });
      this.logger.error({ err, manager: this.manager.name, quarantined: record.id, type: event.type, stream: event.streamId }, 'process manager cannot apply an event: quarantined it and goes on');
      this.onQuarantine?.(record);
      return;
    }
  }

  private async goLiveIfCaughtUp(head: Position | null): Promise<void> {
    if (this.live || !(await this.hasSeen(head))) return;
    this.live = true;
    await this.manager.goLive?.();
    this.onLive();
    this.wakeWaiters();
    // The events applied while catching up are done too: record it now rather than at the next batch,
    // which may be long in coming (the deletion saga reads the scheduler's checkpoint as its acknowledgement).
    if (this.position !== null && (this.savedCheckpoint === null || this.position > this.savedCheckpoint)) {
      this.saveCheckpoint();
      await this.checkpointWrite;
    }
  }

  /** The engine searched up to `position` and found nothing this manager follows: a restart need not search it again. */
  private passCheckpoint(position: Position): void {
    if (this.position !== null && position <= this.position) return;
    this.position = position;
    if (this.live) this.checkpointSoon();
    this.wakeWaiters();
  }

  private checkpointSoon(): void {
    this.checkpointTimer ??= setTimeout(() => this.saveCheckpoint(), CHECKPOINT_INTERVAL_MS);
  }

  /** Saves the position reached, with the state when a snapshot is due (one write at a time, in order). */
  private saveCheckpoint(moment: SnapshotMoment = 'periodic'): void {
    if (this.checkpointTimer) clearTimeout(this.checkpointTimer);
    this.checkpointTimer = null;
    if (this.position === null) return;
    const name = processManagerCheckpoint(this.manager.name);
    const due = this.snapshotDue(moment);
    if (due && moment === 'periodic') this.saveStateAfterTicks();
    const withState = due && moment !== 'periodic';
    this.checkpointWrite = this.checkpointWrite
      .then(async () => {
        if (!withState) return this.reads.applyBatch([], { name, position: this.position! });
        // Taken between batches, so that the state is exactly that of the events up to the position.
        const { text, position } = await this.exclusively(async () => this.takeSnapshot());
        const { parts, head } = snapshotWrites(this.manager.name, this.manager.snapshots!.version, position, text);
        // Written after the next instant's ticks, a part a batch, a turn of the loop apart: tens of megabytes
        // in one batch held the thread most of a second.
        if (moment === 'after-ticks') await this.afterTicks();
        for (const part of parts) {
          await this.reads.applyBatch([part], { name, position: this.position! });
          await new Promise((resolve) => setImmediate(resolve));
        }
        // The checkpoint may have moved on meanwhile: the events past the state's position are replayed onto it.
        await this.reads.applyBatch(head, { name, position: Math.max(position, this.position!) });
        this.logger.debug({ manager: this.manager.name, position, chars: text.length }, 'process manager state saved');
      })
      .catch((err) => this.logger.error({ err, manager: this.manager.name }, 'process manager checkpoint not saved; saving it later'));
  }

  /**
   * Takes the state once the ticks due about now are committed: at 100,000 tasks, taking it and writing it
   * as JSON holds the thread for about half a second, which falling on an instant would add to its ticks'
   * lateness (right after one, the loop has the rest of the second). Its parts are written after the next
   * instant's. Checkpoints go on being saved until the state is taken, then wait behind its writes.
   */
  private saveStateAfterTicks(): void {
    if (this.stateSaveWaiting) return;
    this.stateSaveWaiting = true;
    void this.afterTicks().then(() => {
      this.stateSaveWaiting = false;
      if (!this.stopped) this.saveCheckpoint('after-ticks');
    });
  }

  private afterTicks(): Promise<void> {
    return afterTimeCriticalWork(this.snapshotPolicy.afterTicksWithinMs, this.stopping.signal);
  }

  /**
   * At a stop, whenever something was applied since the last save; otherwise once enough events and time
   * have passed since the last save or the start. Not on going live, even after a long replay: a large
   * state's save then competes with the first ticks for the disk (a 100,000-task scheduler's, measured:
   * tick commit lateness p99 up by about 80 ms for the next 20 s).
   */
  private snapshotDue(moment: SnapshotMoment): boolean {
    if (!this.manager.snapshots || this.position === null || this.appliedSinceSnapshot === 0) return false;
    if (moment === 'stopping') return true;
    return this.appliedSinceSnapshot >= this.snapshotPolicy.events && performance.now() - this.snapshotTakenAt >= this.snapshotPolicy.intervalMs;
  }

  private takeSnapshot(): { text: string; position: Position } {
    const position = this.position!;
    const text = JSON.stringify(this.manager.snapshots!.take());
    this.appliedSinceSnapshot = 0;
    this.snapshotTakenAt = performance.now();
    this.statePosition = position;
    return { text, position };
  }
}

/** 'after-ticks': a periodic save that has waited for the ticks of the moment (saveStateAfterTicks). */
type SnapshotMoment = 'periodic' | 'after-ticks' | 'stopping';
