import type { Logger } from '../logging/logger';
import {
  type Consumer,
  POISON_RETRY_DELAYS_MS,
  QUARANTINE_CHECKPOINT,
  type QuarantineRecord,
  RETRY_DONE_KEY,
  RETRY_REQUEST_KEY,
  type RetryDone,
  type RetryOutcome,
  type RetryRequest,
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
import { lostLease, type ProcessManager } from './process-manager';
import { replayTogether } from './shared-replay';

const MAX_BATCH = 500;
const RETRY_DELAY_MS = 1000;
/** How often the leader looks for a `retry-quarantined` request. */
const RETRY_POLL_MS = 1000;
/**
 * A live manager saves its checkpoint at most this often: read.db has one writer at a time and the
 * projection thread writes it constantly, so a write per batch would keep this thread waiting for the lock.
 * Under steady traffic every manager saves at this rate (the engine's checkpoints move them past events
 * they do not follow), a transaction each: at 50 ms that was a twentieth of the HTTP thread's time. A
 * checkpoint only bounds what a restart handles again (idempotently, through acknowledged events) and how
 * soon a deletion sees the scheduler pass its task.
 */
const CHECKPOINT_INTERVAL_MS = 250;

export function processManagerCheckpoint(name: string): string {
  return `process-manager:${name}`;
}

/** Feeds one process manager: replay to rebuild its state (shared with the others up to its checkpoint), then live, checkpointing as it goes. */
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
  private turn: Promise<void> = Promise.resolve();

  constructor(
    readonly manager: ProcessManager,
    private readonly events: EventStore,
    private readonly reads: ReadStore,
    private readonly logger: Logger,
    private readonly onQuarantine: ((record: QuarantineRecord) => void) | null,
    private readonly onLive: () => void = () => {},
  ) {}

  get filter(): StreamFilter | undefined {
    return this.manager.filter;
  }

  /** Loads the saved checkpoint: the events up to it rebuild state (replayed), later ones are acted on. */
  async prepare(): Promise<void> {
    await ensureQuarantine(this.reads);
    this.savedCheckpoint = await this.reads.getCheckpoint(processManagerCheckpoint(this.manager.name));
  }

  /** Follows the store once `replayed` (the replay shared with the other managers) has settled. */
  begin(replayed: Promise<void>): void {
    this.running = replayed.then(() => (this.stopped ? undefined : this.run()));
  }

  get replayThrough(): Position | null {
    return this.stopped ? null : this.savedCheckpoint;
  }

  replay(batch: RecordedEvent[], through: Position): Promise<void> {
    return this.exclusively(async () => {
      for (const event of batch) {
        const applying = this.applyOrQuarantine(event, true);
        if (applying) await applying;
        this.position = event.position;
      }
      if (this.position === null || through > this.position) this.position = through;
    });
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
              const applying = this.applyOrQuarantine(event, replaying);
              if (applying) await applying;
              this.position = event.position;
            }
          });
          if (batch.length > 0 && this.live) this.checkpointSoon();
          await this.goLiveIfCaughtUp(head);
          for (const wake of [...this.waiters]) {
            this.waiters.delete(wake);
            wake();
          }
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
    for (const wake of [...this.waiters]) {
      this.waiters.delete(wake);
      wake();
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
      (m) => new ManagerLoop(m, this.events, this.reads, this.logger, (record) => this.onQuarantine?.(record), () => wentLive()),
    );
    let waiting = loops.length;
    // Once: how long this term's managers took to rebuild their state and catch up (what a start costs them).
    const wentLive = () => {
      if (--waiting === 0 && this.loops === loops) this.logger.info({ managers: loops.length, ms: Math.round(performance.now() - started) }, 'process managers live');
    };
    this.loops = loops;
    for (const loop of loops) await loop.prepare();
    // In the background, like each manager's own following: the server answers meanwhile.
    const stopped = new Promise<void>((resolve) => (this.unblock = resolve));
    const replayed = Promise.race([this.ready, stopped])
      .then(() => replayTogether(loops, this.events, () => this.loops !== loops))
      .catch((err) =>
        // Each manager replays what is left through its own subscription.
        this.logger.warn({ err }, 'shared replay of the process managers failed; each replays on its own'),
      );
    for (const loop of loops) loop.begin(replayed);
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
