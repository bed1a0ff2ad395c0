import { randomUUID } from 'node:crypto';
import { StaleFencingTokenError } from '../errors/store-errors';
import type { Logger } from '../logging/logger';
import type { EventStore } from '../stores/events/event-store';
import type { LeaseRecord, ReadStore } from '../stores/read/read-store';
import type { Clock } from '../time/clock';

export type { LeaseRecord };

export interface LeaseOptions {
  ttlMs: number;
  renewEveryMs: number;
}

/** Renewed every 1.5 s; a dead leader is replaced within about 5 s. */
export const DEFAULT_LEASE: LeaseOptions = { ttlMs: 5_000, renewEveryMs: 1_500 };

const LEASE_KEY = 'leader-lease';

export interface LeadershipListener {
  elected(token: number): Promise<void>;
  deposed(): Promise<void>;
}

/**
 * One leader among the instances sharing the stores runs projections and process managers.
 *
 * The lease lives in the read store (a record, so renewals never touch the event log) and lapses by the
 * STORE's clock (ReadStore.acquireLease): no two hosts' clocks are ever compared. Each new holder gets a
 * larger fencing token and raises the event store's fence to it before acting, and every write of its
 * process managers carries that token (fenced-event-store.ts), so a leader that was paused past its
 * lease has its writes refused by the event store even before it notices. This instance's clock only
 * measures how long ago it last renewed: a leader that has not renewed for two thirds of the lease
 * stops acting, well before anyone else may take over.
 */
export class LeaderLease {
  readonly instanceId = randomUUID();
  private record: LeaseRecord | null = null;
  private lastRenewedAt = 0;
  /** The fence was found above the lease's tokens (e.g. read.db rebuilt): the next term starts past it. */
  private minToken = 1;
  private cancelTimer: (() => void) | null = null;
  private ticking: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly reads: ReadStore,
    private readonly events: Pick<EventStore, 'raiseFence'>,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly listener: LeadershipListener,
    private readonly options: LeaseOptions = DEFAULT_LEASE,
  ) {}

  get isLeader(): boolean {
    return this.record !== null;
  }

  get token(): number | null {
    return this.record?.token ?? null;
  }

  /** Tries once at once (a lone instance leads from its first request on), then on every renewal tick. */
  async start(): Promise<void> {
    await this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelTimer?.();
    await this.ticking;
    if (this.record) {
      // Hand over at once instead of letting the others wait for the lease to lapse.
      await this.reads.releaseLease(LEASE_KEY, this.instanceId).catch(() => undefined);
      await this.stepDown('shutting down');
    }
  }

  /**
   * The event store refused a write of term `token`: another instance leads now. Ends that term at once
   * (unless it already ended), whatever this instance's own view of the lease says.
   */
  lost(token: number, error: StaleFencingTokenError): Promise<void> {
    this.ticking = this.ticking.then(async () => {
      if (this.record?.token !== token) return;
      await this.stepDown(`lost the lease: ${error.message}`);
    });
    return this.ticking;
  }

  private tick(): Promise<void> {
    this.ticking = this.ticking.then(async () => {
      if (this.stopped) return;
      try {
        if (this.record) await this.renew();
        else await this.tryAcquire();
      } catch (err) {
        this.logger.warn({ err }, 'leader lease: the store did not answer');
      }
      if (this.record && this.clock.now().getTime() - this.lastRenewedAt > (this.options.ttlMs * 2) / 3) {
        await this.stepDown('could not renew the lease in time');
      }
      if (!this.stopped) this.cancelTimer = this.clock.setTimer(new Date(this.clock.now().getTime() + this.options.renewEveryMs), () => void this.tick());
    });
    return this.ticking;
  }

  private async tryAcquire(): Promise<void> {
    const askedAt = this.clock.now().getTime();
    const record = await this.reads.acquireLease(LEASE_KEY, this.instanceId, this.options.ttlMs, this.minToken);
    if (record.holder !== this.instanceId) return;
    try {
      // Before acting: from now on the previous leader's writes are refused.
      await this.events.raiseFence(record.token);
    } catch (err) {
      if (!(err instanceof StaleFencingTokenError)) throw err;
      this.minToken = err.fence + 1;
      this.logger.warn({ instance: this.instanceId, token: record.token, fence: err.fence }, 'leader lease: the event store has a newer fence; taking a later term');
      await this.reads.releaseLease(LEASE_KEY, this.instanceId);
      return;
    }
    this.record = record;
    this.lastRenewedAt = askedAt;
    this.logger.info({ instance: this.instanceId, token: record.token }, 'elected leader');
    await this.listener.elected(record.token);
    // Starting to lead (the projection thread, the process managers) can outlast the renewal period on a
    // loaded machine: renew now (stepping down if another instance took over meanwhile), rather than
    // count the start as a failure to renew and step down from a lease nobody else wants.
    await this.renew();
  }

  private async renew(): Promise<void> {
    const askedAt = this.clock.now().getTime();
    const record = await this.reads.acquireLease(LEASE_KEY, this.instanceId, this.options.ttlMs, this.minToken);
    if (record.holder === this.instanceId && record.token === this.record!.token) {
      this.record = record;
      this.lastRenewedAt = askedAt;
    } else {
      // Another instance took the lapsed lease: this term is over.
      await this.stepDown('lost the lease: another term has begun');
    }
  }

  private async stepDown(reason: string): Promise<void> {
    if (!this.record) return;
    this.logger.warn({ instance: this.instanceId, token: this.record.token, reason }, 'no longer leader: stopped acting');
    this.record = null;
    await this.listener.deposed();
  }
}
