import { StaleFencingTokenError } from '../../src/errors/store-errors';
import { LeaderLease, type LeaseOptions } from '../../src/leadership/leader-lease';
import type { EventStore } from '../../src/stores/events/event-store';
import type { ReadStore } from '../../src/stores/read/read-store';
import { capturedLogger } from '../support/captured-logger';
import { ManualClock } from '../support/manual-clock';
import { silentLogger } from '../support/silent-logger';
import { makeTempDir } from '../support/temp-dir';
import { openTestEventStore, openTestReadStore } from '../support/test-stores';
import { testEvent } from '../support/test-events';
import { waitFor } from '../support/wait-for';

const OPTIONS: LeaseOptions = { ttlMs: 6_000, renewEveryMs: 1_500 };
/** For the tests that wait for a lease to lapse: it lapses by the store's (real) clock. */
const SHORT: LeaseOptions = { ttlMs: 400, renewEveryMs: 100 };

/**
 * The instances' clocks are ManualClocks: they drive renewals and measure each instance's own time,
 * while the lease lapses by the read store's clock. So a test that needs a lapse waits for real time.
 */
describe('leader lease', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let reads: ReadStore;
  let events: EventStore;
  let clock: ManualClock;
  const leases: LeaderLease[] = [];

  beforeEach(async () => {
    temp = makeTempDir();
    reads = await openTestReadStore(temp.dir);
    events = openTestEventStore(temp.dir);
    clock = new ManualClock('2026-03-01T00:00:00Z');
  });
  afterEach(async () => {
    for (const lease of leases.splice(0)) await lease.stop();
    await events.close();
    await reads.close();
    temp.cleanup();
  });

  /** `starting` runs when the instance is elected, before the term is recorded: how long starting to lead takes. */
  function lease(options = OPTIONS, { store = reads, instanceClock = clock, logger = silentLogger, starting = async () => {} } = {}) {
    const terms: string[] = [];
    const l = new LeaderLease(
      store,
      events,
      instanceClock,
      logger,
      {
        elected: async (token: number) => {
          await starting();
          terms.push(`elected ${token}`);
        },
        deposed: async () => void terms.push('deposed'),
      },
      options,
    );
    leases.push(l);
    return { lease: l, terms };
  }

  /** A dead (or frozen) process renews nothing: stop its timer without releasing the lease. */
  function freeze(l: LeaderLease): void {
    (l as unknown as { stopped: boolean }).stopped = true;
  }

  /** Lets the instances' renewals run (their clock) until `l` leads, which takes the store's time. */
  async function tookOver(l: LeaderLease): Promise<void> {
    await waitFor(
      async () => {
        await clock.advance(SHORT.renewEveryMs);
        return l.isLeader;
      },
      { what: 'the other instance to take over' },
    );
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
    // Starting the projections and process managers took longer than two thirds of the lease.
    const slow = lease(OPTIONS, { starting: async () => clock.set(new Date(clock.now().getTime() + OPTIONS.ttlMs)) });
    await slow.lease.start();
    expect(slow.lease.isLeader).toBe(true);
    await clock.advance(30_000);
    expect(slow.terms).toEqual(['elected 1']);
  });

  it('a start that outlasted the lease while another instance took over ends in stepping down', async () => {
    const other = lease(SHORT);
    // The start takes so long that the lease lapses by the store's clock and the other instance takes it.
    const slow = lease(SHORT, {
      starting: async () => {
        await other.lease.start();
        await tookOver(other.lease);
      },
    });
    await slow.lease.start();
    expect(other.lease.isLeader).toBe(true);
    expect(slow.lease.isLeader).toBe(false);
    expect(slow.terms).toEqual(['elected 1', 'deposed']);
  });

  it('hands over when the leader dies, with a larger fencing token, only once the lease has lapsed by the store clock', async () => {
    const first = lease(SHORT);
    const second = lease(SHORT);
    await first.lease.start();
    const lastRenewal = Date.now();
    await second.lease.start();
    expect(first.lease.isLeader).toBe(true);
    freeze(first.lease);
    await tookOver(second.lease);
    expect(Date.now() - lastRenewal).toBeGreaterThanOrEqual(SHORT.ttlMs - 50);
    expect(second.lease.token).toBe(2);
    expect(second.terms).toEqual(['elected 2']);
  });

  it('an instance whose clock runs far ahead cannot take a lease that has not lapsed by the store clock', async () => {
    const first = lease();
    await first.lease.start();
    freeze(first.lease);
    const ahead = new ManualClock('2026-03-01T01:00:00Z');
    const second = lease(OPTIONS, { instanceClock: ahead });
    await second.lease.start();
    await ahead.advance(OPTIONS.ttlMs * 10);
    expect(second.lease.isLeader).toBe(false);
    expect(second.terms).toEqual([]);
  });

  it('a leader that cannot reach the store steps down before its lease can lapse', async () => {
    const failing = Object.create(reads) as ReadStore;
    const first = lease(SHORT, { store: failing });
    const second = lease(SHORT);
    await first.lease.start();
    await second.lease.start();
    expect(first.lease.isLeader).toBe(true);
    failing.acquireLease = () => Promise.reject(new Error('store unreachable'));
    const lapsesAt = clock.now().getTime() + SHORT.ttlMs;
    let deposedAt: number | null = null;
    while (first.lease.isLeader) {
      await clock.advance(50);
      if (!first.lease.isLeader) deposedAt = clock.now().getTime();
    }
    expect(first.terms).toEqual(['elected 1', 'deposed']);
    expect(deposedAt!).toBeLessThan(lapsesAt);
    await tookOver(second.lease);
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
    expect(second.lease.token).toBe(2);
  });

  it('a new leader raises the event store fence before acting: the old term is refused from then on', async () => {
    const first = lease(SHORT);
    const second = lease(SHORT);
    await first.lease.start();
    await second.lease.start();
    await events.append('task-1', [testEvent('A')], 'any', { fencingToken: 1 });
    freeze(first.lease);
    await tookOver(second.lease);
    // The new leader has not written anything yet; the fence stands anyway.
    const refused = await events.append('task-1', [testEvent('B')], 'any', { fencingToken: 1 }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(StaleFencingTokenError);
    expect((await events.readStream('task-1')).map((e) => e.type)).toEqual(['A']);
  });

  it('a fence above the lease tokens (read.db rebuilt, say) makes the leader take a later term past it', async () => {
    await events.raiseFence(7);
    const only = lease();
    await only.lease.start();
    expect(only.lease.isLeader).toBe(false);
    await clock.advance(OPTIONS.renewEveryMs);
    expect(only.lease.isLeader).toBe(true);
    expect(only.terms).toEqual(['elected 8']);
  });

  it('a refused write ends the term at once and says so in the log; a refusal from an ended term changes nothing', async () => {
    const logs = capturedLogger();
    const only = lease(OPTIONS, { logger: logs.logger });
    await only.lease.start();
    // Another leader's fence, as if this one had been paused past its lease.
    await events.raiseFence(2);
    const refused = await events.append('task-1', [testEvent('A')], 'any', { fencingToken: 1 }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(StaleFencingTokenError);
    await only.lease.lost(1, refused as StaleFencingTokenError);
    expect(only.terms).toEqual(['elected 1', 'deposed']);
    expect(logs.entries().some((line) => line.msg === 'no longer leader: stopped acting' && String(line.reason).startsWith('lost the lease'))).toBe(true);
    await clock.advance(2 * OPTIONS.renewEveryMs);
    expect(only.terms).toEqual(['elected 1', 'deposed', 'elected 3']);
    await only.lease.lost(1, refused as StaleFencingTokenError);
    expect(only.lease.isLeader).toBe(true);
  });
});
