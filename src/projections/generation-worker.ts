import type { Logger } from '../logging/logger';
import { POISON_RETRY_DELAYS_MS, QUARANTINE_CHECKPOINT, ensureQuarantine, isOutage, type QuarantineRecord, quarantineOperation, quarantineRecord } from '../quarantine/quarantine-store';
import type { Behind, EventStore, Position, RecordedEvent, Subscription } from '../stores/events/event-store';
import type { ReadStore } from '../stores/read/read-store';
import { BatchOverlay } from './batch-overlay';
import { CheckpointSaves } from './checkpoint-saves';
import { type Projection, readFilterOf } from './projection';
import { applyInOrder, projectionConsumer } from './projection-quarantine';
import { checkpointName, physicalCollection } from './projection-registry';
import { WrittenIds } from './written-ids';

export interface WorkerProgress {
  position: Position | null;
  eventsApplied: number;
}

/** Events per transaction, and between yields to the event loop, so HTTP requests are never held up for long. */
const MAX_BATCH = 500;
/** Events read at a time while a fresh generation catches up (a rebuild). */
const CATCH_UP_BATCH = 5000;
/**
 * Events per transaction while a fresh generation catches up: hot documents are written once per
 * transaction, and a commit rewrites every page it touched, so fewer, larger commits write far less.
 * It still yields every MAX_BATCH events.
 */
const CATCH_UP_TRANSACTION = 25_000;
const RETRY_DELAY_MS = 1000;
/** After a failed batch, its events are applied this many to a transaction, and one by one where that fails. */
const ISOLATED_TRANSACTION = 50;
/** Live, a worker waits this long after a batch before reading the next: read-your-writes waits a little longer, but under load a transaction takes many events. */
const LIVE_GATHER_MS = 5;

/**
 * Feeds one generation of one projection from its checkpoint: catch-up, then live. Batches are small
 * and the worker yields to the event loop between them, so HTTP requests are never held up for long.
 */
export class GenerationWorker {
  position: Position | null = null;
  eventsApplied = 0;
  lastError: string | null = null;
  private subscription: Subscription | null = null;
  private stopped = false;
  private running: Promise<void> | null = null;
  private readonly listeners = new Set<() => void>();
  /** Set while a rebuild catches up (nothing reads this generation yet): larger transactions. */
  catchingUp = false;
  /** Events handled and not yet applied, with what they produced (see applyEvents). */
  private pending: { overlay: BatchOverlay; events: number; position: Position | null } | null = null;
  /** Logical collections whose non-unique indexes are not built yet (see prepare). */
  private readonly deferredIndexes = new Set<string>();
  /** The last event read from the store, applied or not. */
  private lastRead: Position | null = null;
  /** After a failed batch, the events up to here are applied one per transaction (see applyIsolated). */
  private isolateThrough: Position | null = null;
  /** The last search for the first consumed event after a checkpoint (see firstConsumedAfter). */
  private firstAfter: { after: Position | null; next: Promise<RecordedEvent | undefined> } | null = null;
  /** The saves of this generation's checkpoint. */
  private readonly saves = new CheckpointSaves(
    () => this.position,
    (position) => this.reads.applyBatch([], { name: this.checkpoint, position }),
    (err) => this.logger.warn({ err, projection: this.projection.name, generation: this.generation }, 'projection checkpoint not saved; a later one will be'),
  );
  /** Told of every event this worker quarantines (the server alerts the admins). */
  onQuarantine: ((record: QuarantineRecord) => void) | null = null;
  /**
   * What this worker wrote to a generation it started empty (prepare({empty})), so reads of documents
   * it never wrote skip the store while it catches up; dropped for good once it has caught up, and after
   * a failed batch, whose retries write through other batches.
   */
  private written: WrittenIds | null = null;

  constructor(
    readonly projection: Projection,
    readonly generation: number,
    private readonly events: EventStore,
    private readonly reads: ReadStore,
    private readonly logger: Logger,
  ) {}

  get checkpoint(): string {
    return checkpointName(this.projection.name, this.generation);
  }

  physical(collection: string): string {
    return physicalCollection(this.projection.name, this.generation, collection);
  }

  /**
   * Creates the generation's collections. `deferIndexes` (a fresh generation, see ProjectionRunner.rebuild)
   * leaves out the non-unique indexes until buildDeferredIndexes: a store builds an index over a full
   * table much faster than it maintains it row by row. Unique indexes stay: a write may have to fail on them.
   * `empty`: the generation's collections were just dropped, so every document in them will be one this
   * worker wrote (see WrittenIds).
   */
  async prepare(options: { deferIndexes?: boolean; empty?: boolean } = {}): Promise<void> {
    await ensureQuarantine(this.reads);
    for (const spec of this.projection.collections) {
      const deferredIndexes = options.deferIndexes === true ? spec.indexes.filter((index) => !index.unique) : [];
      if (deferredIndexes.length > 0) this.deferredIndexes.add(spec.name);
      const indexes = spec.indexes.filter((index) => !deferredIndexes.includes(index));
      await this.reads.ensureCollection({ ...spec, name: this.physical(spec.name), indexes, deferredIndexes });
    }
    this.position = await this.reads.getCheckpoint(this.checkpoint);
    this.saves.stored(this.position);
    if (options.empty === true && this.position === null) this.written = new WrittenIds();
  }

  /** Creates the indexes prepare({deferIndexes}) left out, of the given (logical) collections or all. */
  async buildDeferredIndexes(collections: string[] = [...this.deferredIndexes]): Promise<void> {
    for (const name of collections) {
      if (!this.deferredIndexes.delete(name)) continue;
      const spec = this.projection.collections.find((c) => c.name === name)!;
      await this.reads.ensureCollection({ ...spec, name: this.physical(name) });
    }
  }

  /** A follower does not apply batches; it learns the leader's progress from the stored checkpoint. */
  async refreshFromCheckpoint(): Promise<void> {
    this.position = await this.reads.getCheckpoint(this.checkpoint);
  }

  start(): void {
    this.running ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.subscription?.close();
    await this.running;
    this.running = null;
    // What the engine searched past since the last save: a restart need not search it again.
    await this.saves.saveNow();
  }

  /** Called after every applied batch, and when a batch failed (see lastError). */
  onProgress(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * What this projection has yet to apply, counted from the oldest event it consumes after its checkpoint
   * (the events it skips before that one are not lag); caught up when there is none.
   */
  async behind(): Promise<Behind> {
    const next = await this.nextEventAfter(this.position);
    if (next === undefined) return { events: 0, oldestUnreadAt: null };
    // Counted after that event (a stored position, which every engine reads from), plus the event itself.
    const { events } = await this.events.behind(next.position);
    return { events: events === null ? null : events + 1, oldestUnreadAt: next.metadata.occurredAt };
  }

  /** True when no event this projection consumes lies after its checkpoint up to `target`. */
  async hasProcessed(target: Position | null): Promise<boolean> {
    if (target === null) return true;
    const after = this.position;
    if (after !== null && after >= target) return true;
    const next = await this.firstConsumedAfter(after);
    return next === undefined || next.position > target;
  }

  /**
   * The first event this projection consumes after `after`: one search shared by every read-your-writes
   * wait at the same checkpoint (dozens per applied batch under load). An event found stays the answer
   * until the checkpoint moves, since later appends get later positions. "None" is not shared: it holds
   * only up to what that search could see, and the store may answer from events it has been told of
   * while newer commits of its own are still being reported (recent-events.ts), so a wait that got
   * "none" from a search it did not start searches again.
   */
  private async firstConsumedAfter(after: Position | null): Promise<RecordedEvent | undefined> {
    const shared = this.firstAfter;
    if (shared !== null && shared.after === after) {
      const next = await shared.next;
      if (next !== undefined) return next;
    }
    const next = this.nextEventAfter(after);
    const entry = { after, next };
    this.firstAfter = entry;
    next.catch(() => {
      if (this.firstAfter === entry) this.firstAfter = null;
    });
    return next;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        if (this.catchingUp && this.isolateThrough === null) {
          await this.catchUpInPages();
          // Stopped meanwhile: a subscription opened now would wait for events nobody stops it for.
          if (this.stopped) break;
        }
        const maxBatch = this.catchingUp ? CATCH_UP_BATCH : MAX_BATCH;
        this.subscription = this.events.subscribeToAll({
          after: this.position,
          filter: readFilterOf(this.projection),
          maxBatch,
          onCheckpoint: (position) => this.passCheckpoint(position),
        });
        for await (const batch of this.subscription) {
          if (this.stopped) break;
          this.lastRead = batch[batch.length - 1]?.position ?? this.lastRead;
          const rest = await this.applyIsolated(batch);
          if (rest.length > 0) await this.applyEvents(rest, batch.length === maxBatch);
          this.lastError = null;
          // A small batch means the projection is live: let the next events gather for a moment, so
          // that many share one read-store transaction (the commits cost more than the events).
          if (batch.length < maxBatch) await new Promise((resolve) => setTimeout(resolve, LIVE_GATHER_MS));
          else await new Promise((resolve) => setImmediate(resolve));
        }
      } catch (err) {
        if (this.stopped) break;
        this.lastError = err instanceof Error ? err.message : String(err);
        this.pending = null;
        this.written = null;
        // Whatever failed lies between the checkpoint and the last event read: apply those one by one.
        if (this.lastRead !== null && (this.isolateThrough === null || this.lastRead > this.isolateThrough)) this.isolateThrough = this.lastRead;
        this.logger.error({ err, projection: this.projection.name, generation: this.generation }, 'projection batch failed; retrying from checkpoint, one event at a time');
        this.position = await this.reads.getCheckpoint(this.checkpoint).catch(() => this.position);
        this.notify();
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
      } finally {
        await this.subscription?.close().catch(() => undefined);
        this.subscription = null;
      }
    }
  }

  /**
   * A rebuild's catch-up, through the events stored when it starts: read a page at a time, which the
   * embedded store does ahead on another thread while this one applies (the subscription reads on this
   * thread). Everything is applied at the end, so the subscription goes on from the position applied.
   */
  private async catchUpInPages(): Promise<void> {
    const head = await this.events.headPosition();
    if (head === null || (this.position !== null && this.position >= head)) return;
    const pages = this.events.readAllPages({ after: this.position, through: head, filter: readFilterOf(this.projection), pageSize: CATCH_UP_BATCH });
    for await (const page of pages) {
      if (this.stopped) return;
      this.lastRead = page[page.length - 1]?.position ?? this.lastRead;
      await this.applyEvents(page, page.length === CATCH_UP_BATCH);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await this.flush();
  }

  /**
   * Handles a batch of events and applies what they produced, with the checkpoint, in transactions of
   * MAX_BATCH events. While catching up, a full batch's events may wait in the overlay for the next
   * batches, up to CATCH_UP_TRANSACTION events (unapplied events are read again after a failure).
   */
  private async applyEvents(batch: Awaited<ReturnType<EventStore['readAll']>>, full: boolean): Promise<void> {
    const limit = this.catchingUp ? CATCH_UP_TRANSACTION : MAX_BATCH;
    if (this.written && !this.catchingUp && this.pending?.position == null) {
      // Caught up, nothing held: from here on the generation may be live, so reads go to the store again.
      this.written = null;
      this.pending = null;
    }
    const overlay = (this.pending ??= { overlay: new BatchOverlay(this.reads, (c) => this.physical(c), this.written), events: 0, position: null }).overlay;
    let handled = 0;
    // Indexed loops: this async function's array iterators allocated a result object per step (a few per event).
    for (let e = 0; e < batch.length; e++) {
      const event = batch[e]!;
      const producing = this.projection.handle(event, overlay);
      const produced = producing instanceof Promise ? await producing : producing;
      let endsBatch = false;
      for (let o = 0; o < produced.length; o++) {
        const op = produced[o]!;
        overlay.record(op, event.position);
        if (op.op !== 'deleteMany') continue;
        endsBatch = true;
        // A filtered delete needs its collection's indexes, or it scans the whole table.
        await this.buildDeferredIndexes([op.collection]);
      }
      this.pending.events++;
      this.pending.position = event.position;
      // The overlay cannot see through a filtered delete, so apply it before reading on.
      if (endsBatch || this.pending.events >= limit) await this.flush();
      if (++handled % MAX_BATCH === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    // Keep gathering only while more events are there to read now: the subscription waits otherwise.
    if (this.catchingUp && full && (await this.nextEventAfter(this.pending.position)) !== undefined) return;
    await this.flush();
  }

  /**
   * Applies the batch's events up to isolateThrough (the events of a failed batch) in small
   * transactions, and the events of a small transaction that fails one by one, quarantining one that
   * cannot be applied; returns the events after them, for an ordinary batch.
   */
  private async applyIsolated(batch: RecordedEvent[]): Promise<RecordedEvent[]> {
    const through = this.isolateThrough;
    if (through === null) return batch;
    let end = 0;
    while (end < batch.length && batch[end]!.position <= through) end++;
    for (let start = 0; start < end; start += ISOLATED_TRANSACTION) {
      const chunk = batch.slice(start, Math.min(start + ISOLATED_TRANSACTION, end));
      const advance = (position: Position) => {
        const before = this.position ?? -1;
        this.eventsApplied += chunk.filter((e) => e.position > before && e.position <= position).length;
        this.position = position;
        this.lastError = null;
        this.notify();
      };
      try {
        await this.saves.write(() => applyInOrder(this.projection, this.generation, chunk, this.reads, this.checkpoint, advance));
      } catch {
        for (const event of chunk) {
          if (this.position !== null && event.position <= this.position) continue;
          await this.applyOrQuarantine(event);
          advance(event.position);
        }
      }
    }
    if ((this.position ?? -1) >= through) this.isolateThrough = null;
    return batch.slice(end);
  }

  /**
   * Applies one event of a failed transaction alone; one that keeps failing (see
   * POISON_RETRY_DELAYS_MS) is poison, not an outage, and is quarantined. Before that, the store must
   * take a write (the bookkeeping checkpoint) and the event fail once more: a store that is down throws
   * here, and the run loop retries from the checkpoint as for any failed batch, quarantining nothing.
   */
  private async applyOrQuarantine(event: RecordedEvent): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.saves.write(() => applyInOrder(this.projection, this.generation, [event], this.reads, this.checkpoint, () => undefined));
        return;
      } catch (err) {
        if (this.stopped || isOutage(err)) throw err;
        if (attempt <= POISON_RETRY_DELAYS_MS.length) {
          this.logger.warn({ err, projection: this.projection.name, position: event.position, attempt }, 'projection failed on an event applied alone; trying it again');
          await new Promise((resolve) => setTimeout(resolve, POISON_RETRY_DELAYS_MS[attempt - 1]));
          continue;
        }
        await this.reads.applyBatch([], { name: QUARANTINE_CHECKPOINT, position: event.position });
        try {
          await this.saves.write(() => applyInOrder(this.projection, this.generation, [event], this.reads, this.checkpoint, () => undefined));
          return;
        } catch (last) {
          if (isOutage(last)) throw last;
          const record = quarantineRecord(projectionConsumer(this.projection, this.generation), event, last, new Date());
          await this.saves.write(() => this.reads.applyBatch([quarantineOperation(record)], { name: this.checkpoint, position: event.position }));
          this.logger.error({ err: last, projection: this.projection.name, generation: this.generation, quarantined: record.id, type: event.type, stream: event.streamId }, 'projection cannot apply an event: quarantined it and goes on');
          this.onQuarantine?.(record);
          return;
        }
      }
    }
  }

  /** The first event this projection consumes after `position`, if one is stored. */
  private async nextEventAfter(position: Position | null): Promise<RecordedEvent | undefined> {
    const [next] = await this.events.readAll({ after: position, filter: this.projection.filter, maxCount: 1 });
    return next;
  }

  /**
   * The engine searched up to `position` and found nothing this projection consumes (a filtered
   * subscription's checkpoint): reached at once, and saved soon, so a restart does not search that
   * stretch again (checkpoint-saves.ts). Never past events still waiting in the overlay.
   */
  private passCheckpoint(position: Position): void {
    if (this.stopped || this.pending?.position != null || (this.position !== null && position <= this.position)) return;
    this.position = position;
    this.notify();
    this.saves.searchedPast();
  }

  /** Applies the pending operations with the checkpoint of the last event handled. */
  private async flush(): Promise<void> {
    const pending = this.pending;
    if (!pending || pending.position === null) return;
    const position = pending.position;
    await this.saves.write(() => this.reads.applyBatch(pending.overlay.take(), { name: this.checkpoint, position }));
    this.saves.wrote(position);
    this.position = position;
    this.eventsApplied += pending.events;
    pending.events = 0;
    pending.position = null;
    this.notify();
  }

  /** A follower's worker takes the applying worker's progress from a message (see ProjectionRunner.noteProgress). */
  noteProgress(position: Position | null, error: string | null): void {
    this.position = position;
    this.lastError = error;
    this.notify();
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}
