import { randomUUID } from 'node:crypto';
import type { Logger } from '../logging/logger';
import type { ReadStore } from '../stores/read/read-store';
import type { Clock } from '../time/clock';

/** The lease record, one row in the read store's meta, changed only by compare-and-set. */
export interface LeaseRecord {
  holder: string;
  /** Fencing token: grows by one with every change of leader. */
  token: number;
  /** Epoch milliseconds. */
  expiresAt: number;
}

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
 * One leader among the instances sharing a read store runs projections and process managers. The lease
 * lives in the read store (a record, so renewals never touch the event log). A leader that has not
 * renewed for two thirds of the lease stops acting, well before anyone else may take over.
 */
export class LeaderLease {
  readonly instanceId = randomUUID();
  private record: LeaseRecord | null = null;
  private lastRenewedAt = 0;
  private cancelTimer: (() => void) | null = null;
  private ticking: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly reads: ReadStore,
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
      const released = { ...this.record, expiresAt: 0 };
      await this.reads.compareAndSetMeta(LEASE_KEY, this.record, released).catch(() => false);
      await this.stepDown('shutting down');
    }
  }

  private tick(): Promise<void> {
    this.ticking = this.ticking.then(async () => {
      if (this.stopped) return;
      try {
        if (this.record) await this.renew();
        else await this.tryAcquire();
      } catch (err) {
        this.logger.warn({ err }, 'leader lease: the read store did not answer');
      }
      if (this.record && this.clock.now().getTime() - this.lastRenewedAt > (this.options.ttlMs * 2) / 3) {
        await this.stepDown('could not renew the lease in time');
      }
      if (!this.stopped) this.cancelTimer = this.clock.setTimer(new Date(this.clock.now().getTime() + this.options.renewEveryMs), () => void this.tick());
    });
    return this.ticking;
  }

  private async tryAcquire(): Promise<void> {
    const now = this.clock.now().getTime();
    const current = await this.reads.getMeta<LeaseRecord>(LEASE_KEY);
    if (current && current.expiresAt > now && current.holder !== this.instanceId) return;
    const next: LeaseRecord = { holder: this.instanceId, token: (current?.token ?? 0) + 1, expiresAt: now + this.options.ttlMs };
    if (!(await this.reads.compareAndSetMeta(LEASE_KEY, current, next))) return;
    this.record = next;
    this.lastRenewedAt = now;
    this.logger.info({ instance: this.instanceId, token: next.token }, 'elected leader');
    await this.listener.elected(next.token);
    // Starting to lead (the projection thread, the process managers) can outlast the renewal period on a
    // loaded machine: renew now (stepping down if another instance took over meanwhile), rather than
    // count the start as a failure to renew and step down from a lease nobody else wants.
    await this.renew();
  }

  private async renew(): Promise<void> {
    const now = this.clock.now().getTime();
    const next = { ...this.record!, expiresAt: now + this.options.ttlMs };
    if (await this.reads.compareAndSetMeta(LEASE_KEY, this.record, next)) {
      this.record = next;
      this.lastRenewedAt = now;
    } else {
      await this.stepDown('another instance holds the lease');
    }
  }

  private async stepDown(reason: string): Promise<void> {
    if (!this.record) return;
    this.logger.warn({ instance: this.instanceId, token: this.record.token, reason }, 'no longer leader');
    this.record = null;
    await this.listener.deposed();
  }
}
