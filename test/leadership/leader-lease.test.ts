import { join } from 'node:path';
import { LeaderLease, type LeaseOptions } from '../../src/leadership/leader-lease';
import { SqliteReadStore } from '../../src/stores/read/sqlite-read-store';
import { ManualClock } from '../support/manual-clock';
import { silentLogger } from '../support/silent-logger';
import { makeTempDir } from '../support/temp-dir';

const OPTIONS: LeaseOptions = { ttlMs: 6_000, renewEveryMs: 1_500 };

describe('leader lease', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let reads: SqliteReadStore;
  let clock: ManualClock;
  const leases: LeaderLease[] = [];

  beforeEach(() => {
    temp = makeTempDir();
    reads = SqliteReadStore.open({ file: join(temp.dir, 'read.db') });
    clock = new ManualClock('2026-03-01T00:00:00Z');
  });
  afterEach(async () => {
    for (const lease of leases.splice(0)) await lease.stop();
    await reads.close();
    temp.cleanup();
  });

  function lease(store = reads) {
    const terms: string[] = [];
    const l = new LeaderLease(
      store,
      clock,
      silentLogger,
      { elected: async (token) => void terms.push(`elected ${token}`), deposed: async () => void terms.push('deposed') },
      OPTIONS,
    );
    leases.push(l);
    return { lease: l, terms };
  }

  it('elects exactly one of several instances and keeps it while it renews', async () => {
    const instances = [lease(), lease(), lease()];
    await Promise.all(instances.map((i) => i.lease.start()));
    expect(instances.filter((i) => i.lease.isLeader)).toHaveLength(1);
    await clock.advance(60_000);
    const leaders = instances.filter((i) => i.lease.isLeader);
    expect(leaders).toHaveLength(1);
    expect(leaders[0].terms).toEqual(['elected 1']);
  });

  it('keeps leading after a start that outlasts the renewal period (a loaded machine), when nobody else took over', async () => {
    const terms: string[] = [];
    const slow = new LeaderLease(
      reads,
      clock,
      silentLogger,
      {
        elected: async (token) => {
          // Starting the projections and process managers took longer than two thirds of the lease.
          clock.set(new Date(clock.now().getTime() + OPTIONS.ttlMs));
          terms.push(`elected ${token}`);
        },
        deposed: async () => void terms.push('deposed'),
      },
      OPTIONS,
    );
    leases.push(slow);
    await slow.start();
    expect(slow.isLeader).toBe(true);
    await clock.advance(30_000);
    expect(terms).toEqual(['elected 1']);
  });

  it('a start that outlasted the lease while another instance took over ends in stepping down', async () => {
    const other = lease();
    const terms: string[] = [];
    const slow = new LeaderLease(
      reads,
      clock,
      silentLogger,
      {
        elected: async () => {
          clock.set(new Date(clock.now().getTime() + OPTIONS.ttlMs + 1));
          await other.lease.start();
          terms.push('elected');
        },
        deposed: async () => void terms.push('deposed'),
      },
      OPTIONS,
    );
    leases.push(slow);
    await slow.start();
    expect(other.lease.isLeader).toBe(true);
    expect(slow.isLeader).toBe(false);
    expect(terms).toEqual(['elected', 'deposed']);
  });

  it('hands over when the leader dies, with a larger fencing token, after the lease lapses', async () => {
    const first = lease();
    const second = lease();
    await first.lease.start();
    await second.lease.start();
    expect(first.lease.isLeader).toBe(true);
    // A dead process renews nothing: stop its timer without releasing the lease.
    (first.lease as unknown as { stopped: boolean }).stopped = true;
    await clock.advance(OPTIONS.ttlMs - 1_000);
    expect(second.lease.isLeader).toBe(false);
    await clock.advance(2 * OPTIONS.renewEveryMs);
    expect(second.lease.isLeader).toBe(true);
    expect(second.lease.token).toBe(2);
  });

  it('a leader that cannot reach the store steps down before its lease can lapse', async () => {
    const failing = Object.create(reads) as SqliteReadStore;
    const first = lease(failing);
    const second = lease();
    await first.lease.start();
    await second.lease.start();
    expect(first.lease.isLeader).toBe(true);
    failing.compareAndSetMeta = () => Promise.reject(new Error('store unreachable'));
    const lapsesAt = clock.now().getTime() + OPTIONS.ttlMs;
    let deposedAt: number | null = null;
    while (first.lease.isLeader) {
      await clock.advance(500);
      if (!first.lease.isLeader) deposedAt = clock.now().getTime();
    }
    expect(first.terms).toEqual(['elected 1', 'deposed']);
    expect(deposedAt!).toBeLessThan(lapsesAt);
    await clock.advance(OPTIONS.ttlMs + OPTIONS.renewEveryMs);
    expect(second.lease.isLeader).toBe(true);
  });

  it('releases the lease on a clean stop so another instance takes over at once', async () => {
    const first = lease();
    const second = lease();
    await first.lease.start();
    await second.lease.start();
    await first.lease.stop();
    expect(first.terms).toEqual(['elected 1', 'deposed']);
    await clock.advance(OPTIONS.renewEveryMs);
    expect(second.lease.isLeader).toBe(true);
  });
});
