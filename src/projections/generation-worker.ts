import type { Logger } from '../logging/logger';
import type { EventStore, Position, Subscription } from '../stores/events/event-store';
import type { PositionedOperation, ReadStore } from '../stores/read/read-store';
import { BatchOverlay } from './batch-overlay';
import type { Projection } from './projection';
import { checkpointName, physicalCollection } from './projection-registry';

export interface WorkerProgress {
  position: Position | null;
  eventsApplied: number;
}

const MAX_BATCH = 500;
const RETRY_DELAY_MS = 1000;

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

  async prepare(): Promise<void> {
    for (const spec of this.projection.collections) {
      await this.reads.ensureCollection({ ...spec, name: this.physical(spec.name) });
    }
    this.position = await this.reads.getCheckpoint(this.checkpoint);
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
  }

  /** Called after every applied batch, and when a batch failed (see lastError). */
  onProgress(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** True when no event this projection consumes lies after its checkpoint up to `target`. */
  async hasProcessed(target: Position | null): Promise<boolean> {
    if (target === null) return true;
    if (this.position !== null && this.position >= target) return true;
    const [next] = await this.events.readAll({ after: this.position, filter: this.projection.filter, maxCount: 1 });
    return next === undefined || next.position > target;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        this.subscription = this.events.subscribeToAll({ after: this.position, filter: this.projection.filter, maxBatch: MAX_BATCH });
        for await (const batch of this.subscription) {
          if (this.stopped) break;
          await this.applyEvents(batch);
          this.lastError = null;
          await new Promise((resolve) => setImmediate(resolve));
        }
      } catch (err) {
        if (this.stopped) break;
        this.lastError = err instanceof Error ? err.message : String(err);
        this.logger.error({ err, projection: this.projection.name, generation: this.generation }, 'projection batch failed; retrying from checkpoint');
        this.position = await this.reads.getCheckpoint(this.checkpoint).catch(() => this.position);
        this.notify();
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
      } finally {
        await this.subscription?.close().catch(() => undefined);
        this.subscription = null;
      }
    }
  }

  private async applyEvents(batch: Awaited<ReturnType<EventStore['readAll']>>): Promise<void> {
    let overlay = new BatchOverlay(this.reads, (c) => this.physical(c));
    let operations: PositionedOperation[] = [];
    let count = 0;
    const flush = async (position: Position) => {
      await this.reads.applyBatch(operations, { name: this.checkpoint, position });
      this.position = position;
      this.eventsApplied += count;
      operations = [];
      count = 0;
      overlay = new BatchOverlay(this.reads, (c) => this.physical(c));
    };
    for (const event of batch) {
      const produced = await this.projection.handle(event, overlay);
      let endsBatch = false;
      for (const op of produced) {
        overlay.record(op);
        operations.push({ ...op, collection: this.physical(op.collection), position: event.position });
        if (op.op === 'deleteMany') endsBatch = true;
      }
      count++;
      // The overlay cannot see through a filtered delete, so apply it before reading on.
      if (endsBatch) await flush(event.position);
    }
    const last = batch.at(-1);
    if (last && (count > 0 || operations.length > 0)) await flush(last.position);
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
