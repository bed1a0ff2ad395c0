import type { Logger } from '../logging/logger';
import { type Clock, systemClock } from '../time/clock';
import { type QuarantineRecord, type RetryOutcome, dropQuarantineOf, listQuarantined } from '../quarantine/quarantine-store';
import type { EventStore, Position } from '../stores/events/event-store';
import type { ReadStore } from '../stores/read/read-store';
import { GenerationWorker } from './generation-worker';
import type { Projection } from './projection';
import { type ProjectionGeneration, type ProjectionRegistry, checkpointName, metaKey } from './projection-registry';

export interface ProjectionStatus {
  name: string;
  version: number;
  generation: number;
  position: Position | null;
  /**
   * Events stored from the oldest one it has yet to apply up to the head: 0 exactly when caught up (on
   * every engine); null when behind and the event store cannot count them cheaply
   * (EventStoreDB always; the embedded store past BEHIND_COUNT_LIMIT).
   */
  lag: number | null;
  /** Age of the oldest event it has yet to apply, by the clock; 0 when caught up. */
  behindSeconds: number;
  error: string | null;
  rebuilding: { generation: number; position: Position | null } | null;
}

/** Where a live projection stands, as the runner that applies it reports after every batch. */
export interface ProjectionProgress {
  name: string;
  generation: number;
  position: Position | null;
  error: string | null;
}

export interface RebuildProgress {
  projection: string;
  position: Position | null;
  head: Position | null;
  eventsApplied: number;
}

export interface RebuildOptions {
  onProgress?: (progress: RebuildProgress) => void;
  /** Keep the new generation running live after the switch (a server); false for the CLI. */
  stayLive?: boolean;
}

const GENERATION_CHECK_MS = 1000;
const FOLLOWER_POLL_MS = 20;

/**
 * The one projection runner: keeps a live worker per projection, rebuilds a projection into a new
 * generation beside the live one and switches queries over when it has caught up, and follows
 * switches made by another process (the `projections rebuild` CLI).
 */
export class ProjectionRunner {
  private readonly live = new Map<string, GenerationWorker>();
  private readonly rebuilding = new Map<string, GenerationWorker>();
  private generationTimer: NodeJS.Timeout | null = null;
  /** True while this instance only follows the leader's read models (see follow()). */
  private following = false;
  /** A follower told of progress by noteProgress (the projection thread), rather than polling checkpoints. */
  private progressPushed = false;
  private switching: Promise<void> | null = null;
  private readonly progressListeners = new Set<(progress: ProjectionProgress) => void>();
  /** Told of every event a worker of this runner quarantines. */
  onQuarantine: ((record: QuarantineRecord) => void) | null = null;

  constructor(
    private readonly projections: Projection[],
    private readonly events: EventStore,
    private readonly reads: ReadStore,
    private readonly registry: ProjectionRegistry,
    private readonly logger: Logger,
    private readonly clock: Pick<Clock, 'now'> = systemClock,
  ) {}

  /** Starts every projection live; a projection whose code version changed is rebuilt in the background. */
  async start(): Promise<void> {
    for (const projection of this.projections) {
      const stored = await this.reads.getMeta<ProjectionGeneration>(metaKey(projection.name));
      const active = stored ?? { version: projection.version, generation: 1 };
      if (!stored) await this.reads.setMeta(metaKey(projection.name), active);
      this.registry.set(projection.name, active);
      await this.dropStaleGenerations(projection, active.generation);
      await this.startLive(projection, active.generation);
      if (active.version !== projection.version) {
        this.logger.info({ projection: projection.name, from: active.version, to: projection.version }, 'projection version changed: rebuilding');
        void this.rebuild(projection.name, { stayLive: true }).catch((err) =>
          this.logger.error({ err, projection: projection.name }, 'projection rebuild failed'),
        );
      }
    }
    this.generationTimer = setInterval(() => void this.refreshGenerations(), GENERATION_CHECK_MS);
    this.generationTimer.unref();
  }

  /**
   * Follower mode (another instance is the leader): apply nothing, keep the registry in step with the
   * stored generations and answer waitForPosition from the leader's stored checkpoints.
   */
  async follow(options: { progressPushed?: boolean } = {}): Promise<void> {
    // Switching between polled and pushed progress keeps the workers, so no wait finds none to wait for.
    this.progressPushed = options.progressPushed ?? false;
    if (this.following) return;
    this.following = true;
    await this.refreshGenerations();
    this.generationTimer = setInterval(() => void this.refreshGenerations(), GENERATION_CHECK_MS);
    this.generationTimer.unref();
  }

  /** Reports every live projection's progress after each batch it applies (the projection thread forwards it). */
  onProgress(listener: (progress: ProjectionProgress) => void): () => void {
    this.progressListeners.add(listener);
    return () => this.progressListeners.delete(listener);
  }

  /** A follower learns the applying runner's progress (see follow({progressPushed})). */
  noteProgress(progress: ProjectionProgress): void {
    const worker = this.live.get(progress.name);
    if (!worker) return;
    if (progress.generation > worker.generation) void this.refreshGenerations();
    else if (progress.generation === worker.generation) worker.noteProgress(progress.position, progress.error);
  }

  /** Follows generation switches made elsewhere now (one at a time) rather than at the next periodic check. */
  refreshGenerations(): Promise<void> {
    return (this.switching ??= this.followSwitches().finally(() => (this.switching = null)));
  }

  async stop(): Promise<void> {
    this.following = false;
    this.progressPushed = false;
    if (this.generationTimer) clearInterval(this.generationTimer);
    await Promise.all([...this.live.values(), ...this.rebuilding.values()].map((w) => w.stop()));
    this.live.clear();
    this.rebuilding.clear();
  }

  async status(): Promise<ProjectionStatus[]> {
    const statuses: ProjectionStatus[] = [];
    for (const projection of this.projections) {
      const worker = this.live.get(projection.name);
      if (!worker) continue;
      if (this.following) await worker.refreshFromCheckpoint();
      const behind = await worker.behind();
      const building = this.rebuilding.get(projection.name);
      statuses.push({
        name: projection.name,
        version: projection.version,
        generation: worker.generation,
        position: worker.position,
        lag: behind.events,
        behindSeconds: secondsSince(behind.oldestUnreadAt, this.clock.now()),
        error: worker.lastError,
        rebuilding: building ? { generation: building.generation, position: building.position } : null,
      });
    }
    return statuses;
  }

  /** Resolves when every live projection has processed everything stored when it was called. */
  async whenCaughtUp(timeoutMs = 30_000): Promise<void> {
    await this.waitForPosition(await this.events.headPosition(), timeoutMs);
  }

  /** Resolves when every live projection has processed every event up to `position` (read-your-writes). */
  async waitForPosition(position: Position | null, timeoutMs = 30_000): Promise<void> {
    const wait = this.following && !this.progressPushed ? pollWorker : waitForWorker;
    await Promise.all([...this.live.values()].map((worker) => wait(worker, position, timeoutMs)));
  }

  /**
   * Builds a new generation from position zero while the live one keeps serving, then switches the
   * registry (and the stored meta, for other processes) over and retires the old generation.
   */
  async rebuild(name: string, options: RebuildOptions = {}): Promise<void> {
    const projection = this.projections.find((p) => p.name === name);
    if (!projection) throw new Error(`Unknown projection "${name}"; known: ${this.projections.map((p) => p.name).join(', ')}`);
    if (this.rebuilding.has(name)) throw new Error(`Projection "${name}" is already being rebuilt`);
    const current = (await this.reads.getMeta<ProjectionGeneration>(metaKey(name))) ?? { version: projection.version, generation: 0 };
    const next = current.generation + 1;
    await this.reads.deleteCheckpoint(checkpointName(name, next));
    const worker = this.newWorker(projection, next);
    await this.dropGeneration(worker);
    await worker.prepare({ deferIndexes: true, empty: true });
    this.rebuilding.set(name, worker);
    try {
      const report = async () => options.onProgress?.({ projection: name, position: worker.position, head: await this.events.headPosition(), eventsApplied: worker.eventsApplied });
      const unsubscribe = worker.onProgress(() => void report());
      // Nothing reads the new generation until the switch: large batches, secondary indexes built at the end.
      const endBulkLoad = this.reads.beginBulkLoad();
      try {
        worker.catchingUp = true;
        worker.start();
        await waitForWorker(worker, await this.events.headPosition(), Number.POSITIVE_INFINITY);
        await worker.buildDeferredIndexes();
        worker.catchingUp = false;
        // Take in what arrived while the indexes were built.
        await waitForWorker(worker, await this.events.headPosition(), Number.POSITIVE_INFINITY);
      } finally {
        await endBulkLoad();
      }
      unsubscribe();
      await report();
      const active = { version: projection.version, generation: next };
      await this.reads.setMeta(metaKey(name), active);
      this.registry.set(name, active);
      this.logger.info({ projection: name, generation: next, events: worker.eventsApplied }, 'projection rebuilt and switched over');
    } catch (err) {
      await worker.stop();
      throw err;
    } finally {
      this.rebuilding.delete(name);
    }
    const old = this.live.get(name);
    if (options.stayLive) {
      this.live.set(name, worker);
      this.reportProgressOf(worker);
    } else {
      await worker.stop();
    }
    if (old) {
      await old.stop();
      if (options.stayLive) await this.dropGeneration(old);
    }
  }

  /** Another process switched a projection to a new generation: follow it and retire ours. */
  private async followSwitches(): Promise<void> {
    for (const projection of this.projections) {
      if (this.rebuilding.has(projection.name)) continue;
      const stored = await this.reads.getMeta<ProjectionGeneration>(metaKey(projection.name)).catch(() => null);
      const worker = this.live.get(projection.name);
      if (!stored || stored.generation === worker?.generation) continue;
      this.registry.set(projection.name, stored);
      if (worker) await worker.stop();
      this.live.delete(projection.name);
      await this.startLive(projection, stored.generation);
      // The old generation's collections belong to whoever applies batches; a follower leaves them alone.
      if (worker && !this.following) await this.dropGeneration(worker);
    }
  }

  /**
   * Applies the quarantined events of the active generations again (all projections', or one's) after
   * a fix, by rebuilding each projection that has any beside its live generation: every event in order,
   * so counters and documents that later events changed come out exactly as if nothing had failed.
   * Events that still fail are quarantined again, under the new generation. A running server follows
   * the switch (see rebuild).
   */
  async retryQuarantined(name?: string, options: RebuildOptions = {}): Promise<RetryOutcome[]> {
    const targets = name === undefined ? this.projections : this.projections.filter((p) => p.name === name);
    const outcomes: RetryOutcome[] = [];
    for (const projection of targets) {
      const active = await this.reads.getMeta<ProjectionGeneration>(metaKey(projection.name));
      const records = (await listQuarantined(this.reads, projection.name)).filter((r) => r.generation === active?.generation);
      if (!active || records.length === 0) continue;
      await this.rebuild(projection.name, options);
      // The old generation is dropped by whoever applies it live; its records go now, so none is listed twice.
      await dropQuarantineOf(this.reads, projection.name, active.generation);
      const next = (await this.reads.getMeta<ProjectionGeneration>(metaKey(projection.name)))!.generation;
      const still = (await listQuarantined(this.reads, projection.name)).filter((r) => r.generation === next);
      outcomes.push({ consumer: projection.name, applied: records.length - still.length, stillFailing: still.map((r) => ({ id: r.id, error: r.error })) });
    }
    return outcomes;
  }

  private newWorker(projection: Projection, generation: number): GenerationWorker {
    const worker = new GenerationWorker(projection, generation, this.events, this.reads, this.logger);
    worker.onQuarantine = (record) => this.onQuarantine?.(record);
    return worker;
  }

  private async startLive(projection: Projection, generation: number): Promise<void> {
    const worker = this.newWorker(projection, generation);
    if (this.following) {
      await worker.refreshFromCheckpoint();
    } else {
      await worker.prepare();
      this.reportProgressOf(worker);
      worker.start();
    }
    this.live.set(projection.name, worker);
  }

  private reportProgressOf(worker: GenerationWorker): void {
    worker.onProgress(() => {
      const progress = { name: worker.projection.name, generation: worker.generation, position: worker.position, error: worker.lastError };
      for (const listener of this.progressListeners) listener(progress);
    });
  }

  private async dropGeneration(worker: GenerationWorker): Promise<void> {
    for (const spec of worker.projection.collections) await this.reads.dropCollection(worker.physical(spec.name));
    await this.reads.deleteCheckpoint(worker.checkpoint);
    await dropQuarantineOf(this.reads, worker.projection.name, worker.generation);
  }

  /** Collections left behind by generations that are no longer active (e.g. a rebuild interrupted by a crash). */
  private async dropStaleGenerations(projection: Projection, activeGeneration: number): Promise<void> {
    const prefix = `${projection.name}_g`;
    for (const collection of await this.reads.listCollections()) {
      if (!collection.startsWith(prefix)) continue;
      const generation = Number(collection.slice(prefix.length).split('_')[0]);
      if (Number.isInteger(generation) && generation !== activeGeneration) {
        await this.reads.dropCollection(collection);
        await this.reads.deleteCheckpoint(checkpointName(projection.name, generation));
        await dropQuarantineOf(this.reads, projection.name, generation);
      }
    }
  }
}

/** Seconds since `instant` (0 for none, or one the clock has not reached: the writer's clock may run ahead). */
function secondsSince(instant: string | null, now: Date): number {
  const millis = instant === null ? Number.NaN : now.getTime() - Date.parse(instant);
  return Number.isFinite(millis) ? Math.max(0, millis) / 1000 : 0;
}

async function pollWorker(worker: GenerationWorker, target: Position | null, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await worker.refreshFromCheckpoint();
    if (await worker.hasProcessed(target)) return;
    if (Date.now() > deadline) throw new Error(`Projection ${worker.projection.name} did not reach position ${target} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, FOLLOWER_POLL_MS));
  }
}

async function waitForWorker(worker: GenerationWorker, target: Position | null, timeoutMs: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    let timer: NodeJS.Timeout | null = null;
    const check = () =>
      worker.hasProcessed(target).then((done) => {
        if (!done) return;
        if (timer) clearTimeout(timer);
        unsubscribe();
        resolve();
      }, reject);
    // Listen before the first check, so a batch applied in between is not missed.
    const unsubscribe = worker.onProgress(() => void check());
    if (Number.isFinite(timeoutMs)) {
      timer = setTimeout(() => {
        unsubscribe();
        reject(new Error(`Projection ${worker.projection.name} did not reach position ${target} within ${timeoutMs} ms`));
      }, timeoutMs);
    }
    void check();
  });
}
