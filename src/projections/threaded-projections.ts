import type { Worker } from 'node:worker_threads';
import type { Config } from '../config/config';
import type { UnknownEventCount } from '../events/event-upcasting';
import type { Logger } from '../logging/logger';
import type { EventStore, Position } from '../stores/events/event-store';
import type { ReadStore } from '../stores/read/read-store';
import { startWorker } from '../threads/start-worker';
import { type Clock, systemClock } from '../time/clock';
import { allProjections } from './all-projections';
import type { ProjectionRegistry } from './projection-registry';
import { ProjectionRunner, type ProjectionStatus } from './projection-runner';
import type { FromProjectionThread, ProjectionThreadData, ToProjectionThread } from './projection-thread-protocol';

/** After the thread died unexpectedly, it is started again after this long. */
const RESTART_DELAY_MS = 1000;
/** How long a stopping thread may take to finish its batch and close its stores before it is terminated. */
const STOP_GRACE_MS = 10_000;

/**
 * The projections of a server. While the instance leads, a worker thread (projection-thread.ts) applies
 * them, and this thread follows: its runner keeps the registry on the active generations and answers
 * read-your-writes waits from the progress the thread reports. Otherwise it only follows the leader.
 */
export class ThreadedProjections {
  private readonly follower: ProjectionRunner;
  private thread: Worker | null = null;
  private applying = false;
  private readonly rebuilds = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  private nextRequest = 1;
  private unknownInThread: UnknownEventCount[] = [];

  constructor(
    private readonly config: Config,
    events: EventStore,
    reads: ReadStore,
    registry: ProjectionRegistry,
    private readonly logger: Logger,
    /** Dates projection status's time behind (the status is read here, not in the thread). */
    clock: Pick<Clock, 'now'> = systemClock,
  ) {
    this.follower = new ProjectionRunner(allProjections(), events, reads, registry, logger, clock);
  }

  /** Applies the projections (in the thread) and follows them here. */
  async start(): Promise<void> {
    this.applying = true;
    if (!this.thread) await this.startThread();
    await this.follower.follow({ progressPushed: true });
  }

  /** Follows another instance's projections (polling their checkpoints); stops applying them here. */
  async follow(): Promise<void> {
    this.applying = false;
    await this.follower.follow();
    await this.stopThread();
  }

  async stop(): Promise<void> {
    this.applying = false;
    await this.follower.stop();
    await this.stopThread();
  }

  status(): Promise<ProjectionStatus[]> {
    return this.follower.status();
  }

  whenCaughtUp(timeoutMs?: number): Promise<void> {
    return this.follower.whenCaughtUp(timeoutMs);
  }

  waitForPosition(position: Position | null, timeoutMs?: number): Promise<void> {
    return this.follower.waitForPosition(position, timeoutMs);
  }

  /** Events the projection thread met and could not upcast, as it last reported them. */
  unknownEvents(): UnknownEventCount[] {
    return this.unknownInThread;
  }

  /** Rebuilds a projection in the thread beside the live generation; resolves once queries use the new one. */
  async rebuild(name: string): Promise<void> {
    const thread = this.thread;
    if (!thread) throw new Error('Projections are rebuilt by the leading instance');
    const id = this.nextRequest++;
    await new Promise<void>((done, fail) => {
      this.rebuilds.set(id, { resolve: done, reject: fail });
      thread.postMessage({ type: 'rebuild', id, name } satisfies ToProjectionThread);
    });
    await this.follower.refreshGenerations();
  }

  private startThread(): Promise<void> {
    const data: ProjectionThreadData = { config: this.config };
    const thread = startWorker(__dirname, 'projection-thread', data);
    this.thread = thread;
    return new Promise<void>((ready, fail) => {
      let started = false;
      thread.on('message', (message: FromProjectionThread) => {
        switch (message.type) {
          case 'ready':
            started = true;
            ready();
            return;
          case 'progress':
            this.follower.noteProgress(message);
            return;
          case 'unknown-events':
            this.unknownInThread = message.counts;
            return;
          case 'rebuilt': {
            const request = this.rebuilds.get(message.id);
            this.rebuilds.delete(message.id);
            if (message.error === null) request?.resolve();
            else request?.reject(new Error(message.error));
            return;
          }
        }
      });
      thread.on('error', (err) => {
        this.logger.error({ err }, 'projection thread failed');
        if (!started) fail(err);
      });
      thread.on('exit', (code) => {
        if (this.thread === thread) this.thread = null;
        for (const request of this.rebuilds.values()) request.reject(new Error('The projection thread stopped'));
        this.rebuilds.clear();
        if (!started) fail(new Error(`The projection thread exited (code ${code}) before it was ready`));
        else if (this.applying && this.thread === null) this.restartLater();
      });
    });
  }

  private restartLater(): void {
    this.logger.error({ delayMs: RESTART_DELAY_MS }, 'projection thread stopped unexpectedly; restarting it');
    setTimeout(() => {
      if (!this.applying || this.thread) return;
      this.startThread().catch((err) => this.logger.error({ err }, 'projection thread did not restart'));
    }, RESTART_DELAY_MS).unref();
  }

  /** Lets the thread finish its batch and close its stores, then waits for it to end. */
  private async stopThread(): Promise<void> {
    const thread = this.thread;
    if (!thread) return;
    this.thread = null;
    const exited = new Promise<void>((done) => thread.once('exit', () => done()));
    thread.postMessage({ type: 'stop' } satisfies ToProjectionThread);
    const overdue = setTimeout(() => void thread.terminate(), STOP_GRACE_MS);
    await exited;
    clearTimeout(overdue);
  }
}
