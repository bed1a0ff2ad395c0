import type { Logger } from '../logging/logger';
import type { EventStore, Position, Subscription } from '../stores/events/event-store';
import type { ReadStore } from '../stores/read/read-store';
import { lostLease, type ProcessManager } from './process-manager';

const MAX_BATCH = 500;
const RETRY_DELAY_MS = 1000;
/**
 * A live manager saves its checkpoint at most this often: read.db has one writer at a time and the
 * projection thread writes it constantly, so a write per batch would keep this thread waiting for the lock.
 */
const CHECKPOINT_INTERVAL_MS = 50;

export function processManagerCheckpoint(name: string): string {
  return `process-manager:${name}`;
}

/** Feeds one process manager: replay from zero to rebuild its state, then live, checkpointing as it goes. */
class ManagerLoop {
  position: Position | null = null;
  live = false;
  private savedCheckpoint: Position | null = null;
  private checkpointTimer: NodeJS.Timeout | null = null;
  private checkpointWrite: Promise<void> = Promise.resolve();
  private subscription: Subscription | null = null;
  private stopped = false;
  private running: Promise<void> | null = null;
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly manager: ProcessManager,
    private readonly events: EventStore,
    private readonly reads: ReadStore,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.savedCheckpoint = await this.reads.getCheckpoint(processManagerCheckpoint(this.manager.name));
    this.running = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.subscription?.close();
    await this.running;
    if (this.checkpointTimer) {
      clearTimeout(this.checkpointTimer);
      this.saveCheckpoint();
    }
    await this.checkpointWrite;
    await this.manager.stop?.();
  }

  /** Resolves when the manager has seen every event it follows up to `target`. */
  async waitFor(target: Position | null): Promise<void> {
    while (!(await this.hasSeen(target))) await new Promise<void>((resolve) => this.waiters.add(resolve));
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
        this.subscription = this.events.subscribeToAll({ after: this.position, filter: this.manager.filter, maxBatch: MAX_BATCH });
        for await (const batch of this.subscription) {
          for (const event of batch) {
            const replaying = this.savedCheckpoint !== null && event.position <= this.savedCheckpoint;
            try {
              await this.manager.apply(event, replaying);
            } catch (err) {
              // This term is over: stop feeding the manager (the lease stops the runner), and do not
              // checkpoint past an event it could not act on.
              if (lostLease(err)) return;
              // A manager retries its own commands; one bad event must not stop it from following the rest.
              this.logger.error({ err, manager: this.manager.name, event: event.type, stream: event.streamId }, 'process manager failed on an event');
            }
            this.position = event.position;
          }
          if (batch.length > 0 && this.live) this.checkpointSoon();
          await this.goLiveIfCaughtUp(head);
          for (const wake of [...this.waiters]) {
            this.waiters.delete(wake);
            wake();
          }
          await new Promise((resolve) => setImmediate(resolve));
        }
      } catch (err) {
        if (this.stopped) break;
        this.logger.error({ err, manager: this.manager.name }, 'process manager subscription failed; resubscribing');
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
      }
    }
  }

  private async goLiveIfCaughtUp(head: Position | null): Promise<void> {
    if (this.live || !(await this.hasSeen(head))) return;
    this.live = true;
    await this.manager.goLive?.();
    // The events applied while catching up are done too: record it now rather than at the next batch,
    // which may be long in coming (the deletion saga reads the scheduler's checkpoint as its acknowledgement).
    if (this.position !== null && (this.savedCheckpoint === null || this.position > this.savedCheckpoint)) {
      this.saveCheckpoint();
      await this.checkpointWrite;
    }
  }

  private checkpointSoon(): void {
    this.checkpointTimer ??= setTimeout(() => this.saveCheckpoint(), CHECKPOINT_INTERVAL_MS);
  }

  /** Saves the position reached (one write at a time, in order). */
  private saveCheckpoint(): void {
    if (this.checkpointTimer) clearTimeout(this.checkpointTimer);
    this.checkpointTimer = null;
    const position = this.position;
    if (position === null) return;
    this.checkpointWrite = this.checkpointWrite
      .then(() => this.reads.applyBatch([], { name: processManagerCheckpoint(this.manager.name), position }))
      .catch((err) => this.logger.error({ err, manager: this.manager.name }, 'process manager checkpoint not saved; saving it later'));
  }
}

/**
 * Runs every process manager on the leader. Each start builds fresh managers (their state is rebuilt by
 * replay), so an instance can lead, step down and lead again.
 */
export class ProcessManagerRunner {
  private loops: ManagerLoop[] = [];
  private readonly createManagers: () => ProcessManager[];

  /** Takes a factory (the server: fresh managers per term of leadership) or fixed managers (tests). */
  constructor(
    managers: ProcessManager[] | (() => ProcessManager[]),
    private readonly events: EventStore,
    private readonly reads: ReadStore,
    private readonly logger: Logger,
  ) {
    this.createManagers = typeof managers === 'function' ? managers : () => managers;
  }

  async start(): Promise<void> {
    await this.stop();
    this.loops = this.createManagers().map((m) => new ManagerLoop(m, this.events, this.reads, this.logger));
    for (const loop of this.loops) await loop.start();
  }

  async stop(): Promise<void> {
    const loops = this.loops;
    this.loops = [];
    await Promise.all(loops.map((loop) => loop.stop()));
  }

  /** For tests: resolves when every manager has seen every event stored up to `position`. */
  async waitForPosition(position: Position | null): Promise<void> {
    await Promise.all(this.loops.map((loop) => loop.waitFor(position)));
  }

  /**
   * Resolves when every manager has seen every stored event and the background work that started has
   * settled: what a test waits for before asserting that nothing more will happen.
   */
  async idle(): Promise<void> {
    for (;;) {
      const head = await this.events.headPosition();
      await this.waitForPosition(head);
      await Promise.all(this.loops.map((loop) => loop.manager.idle?.()));
      if ((await this.events.headPosition()) === head) return;
    }
  }

  status(): Array<{ name: string; position: Position | null; live: boolean }> {
    return this.loops.map((loop) => ({ name: loop.manager.name, position: loop.position, live: loop.live }));
  }
}
