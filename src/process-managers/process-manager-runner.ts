import type { Logger } from '../logging/logger';
import { type QuarantineRecord, RETRY_DONE_KEY, RETRY_REQUEST_KEY, type RetryDone, type RetryOutcome, type RetryRequest } from '../quarantine/quarantine-store';
import type { EventStore, Position } from '../stores/events/event-store';
import type { ReadStore } from '../stores/read/read-store';
import { DEFAULT_SNAPSHOT_POLICY, ManagerLoop, type SnapshotPolicy } from './manager-loop';
import type { ProcessManager } from './process-manager';
import { replayTogether } from './shared-replay';

/** How often the leader looks for a `retry-quarantined` request. */
const RETRY_POLL_MS = 1000;

/**
 * Runs every process manager on the leader. Each start builds fresh managers (their state is restored or rebuilt by
 * replay), so an instance can lead, step down and lead again.
 */
export class ProcessManagerRunner {
  private loops: ManagerLoop[] = [];
  private readonly createManagers: () => ProcessManager[];
  /** Told of every event a manager quarantines (the server alerts the admins). */
  onQuarantine: ((record: QuarantineRecord) => void) | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private answering: Promise<void> | null = null;
  private ready: Promise<void> = Promise.resolve();
  /** Lets a term's managers go on (to their end) when the runner stops before `ready`. */
  private unblock: () => void = () => {};

  /** Takes a factory (the server: fresh managers per term of leadership) or fixed managers (tests). */
  constructor(
    managers: ProcessManager[] | (() => ProcessManager[]),
    private readonly events: EventStore,
    private readonly reads: ReadStore,
    private readonly logger: Logger,
    private readonly snapshotPolicy: SnapshotPolicy = DEFAULT_SNAPSHOT_POLICY,
  ) {
    this.createManagers = typeof managers === 'function' ? managers : () => managers;
  }

  /**
   * The managers begin reading the history only once `ready` settles (the server: once it answers), so
   * rebuilding their state, which takes as long as the history is, never holds up a start.
   */
  holdUntil(ready: Promise<unknown>): void {
    this.ready = ready.then(
      () => undefined,
      () => undefined,
    );
  }

  async start(): Promise<void> {
    await this.stop();
    this.retryTimer = setInterval(() => void this.answerRetryRequest(), RETRY_POLL_MS);
    this.retryTimer.unref();
    const started = performance.now();
    const loops = this.createManagers().map(
      (m) => new ManagerLoop(m, this.events, this.reads, this.logger, (record) => this.onQuarantine?.(record), () => wentLive(), this.snapshotPolicy),
    );
    for (const loop of loops) await loop.prepare();
    let waiting = loops.length;
    // Once: how long this term's managers took to rebuild their state and catch up (what a start costs them).
    const wentLive = () => {
      if (--waiting !== 0 || this.loops !== loops) return;
      const restored = loops.filter((loop) => loop.restored).length;
      const replayed = loops.reduce((sum, loop) => sum + loop.replayed, 0);
      this.logger.info({ managers: loops.length, restored, replayed, ms: Math.round(performance.now() - started) }, 'process managers live');
    };
    this.loops = loops;
    // In the background, like each manager's own following: the server answers meanwhile.
    const stopped = new Promise<void>((resolve) => (this.unblock = resolve));
    const replayed = Promise.race([this.ready, stopped])
      .then(() => this.restoreAll(loops))
      .then(() => replayTogether(loops, this.events, () => this.loops !== loops))
      .catch((err) =>
        // Each manager replays what is left through its own subscription.
        this.logger.warn({ err }, 'shared replay of the process managers failed; each replays on its own'),
      );
    for (const loop of loops) loop.begin(replayed);
  }

  /** Each manager begins from its saved state (after the server answers: a large state takes a while to read). */
  private async restoreAll(loops: ManagerLoop[]): Promise<void> {
    for (const loop of loops) {
      if (this.loops !== loops) return;
      await loop.restore(() => this.createManagers().find((manager) => manager.name === loop.manager.name)!);
    }
  }

  async stop(): Promise<void> {
    if (this.retryTimer) clearInterval(this.retryTimer);
    this.retryTimer = null;
    await this.answering;
    const loops = this.loops;
    this.loops = [];
    this.unblock();
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

  /** Answers a `retry-quarantined` request (stored by the CLI) by applying the managers' quarantined events again. */
  answerRetryRequest(): Promise<void> {
    return (this.answering ??= this.retryRequested()
      .catch((err) => this.logger.error({ err }, 'quarantined events of the process managers not retried; trying again'))
      .finally(() => (this.answering = null)));
  }

  private async retryRequested(): Promise<void> {
    const request = await this.reads.getMeta<RetryRequest>(RETRY_REQUEST_KEY);
    const done = await this.reads.getMeta<RetryDone>(RETRY_DONE_KEY);
    if (!request || (done && done.id >= request.id)) return;
    const loops = this.loops.filter((loop) => request.consumer === null || loop.manager.name === request.consumer);
    const outcomes: RetryOutcome[] = [];
    for (const loop of loops) outcomes.push(await loop.retryQuarantined());
    await this.reads.setMeta<RetryDone>(RETRY_DONE_KEY, { id: request.id, outcomes });
    this.logger.info({ outcomes }, 'quarantined events of the process managers retried');
  }

  status(): Array<{ name: string; position: Position | null; live: boolean }> {
    return this.loops.map((loop) => ({ name: loop.manager.name, position: loop.position, live: loop.live }));
  }
}
