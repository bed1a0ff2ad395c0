import { ProjectionRegistry, checkpointName, metaKey, physicalCollection } from '../../src/projections/projection-registry';
import { ProjectionRunner } from '../../src/projections/projection-runner';
import { SKIPPED_SAVE_DELAY_MS } from '../../src/projections/checkpoint-saves';
import { readModelHash } from '../../src/projections/read-model-hash';
import { silentLogger } from '../support/silent-logger';
import { streamStatsProjection } from '../support/stream-stats-projection';
import { ManualClock } from '../support/manual-clock';
import { waitFor } from '../support/wait-for';
import { openTestReadStore, productionEngines, storesEachTest } from '../support/test-stores';
import { testEvent } from '../support/test-events';

describe('projection runner', () => {
  const stores = storesEachTest();

  function runner(version = 1) {
    const registry = new ProjectionRegistry(stores.reads);
    const r = new ProjectionRunner([streamStatsProjection(version)], stores.events, stores.reads, registry, silentLogger);
    stores.stopAfter(r);
    return { runner: r, registry };
  }

  let round = 0;
  /** Odd streams are tasks, even ones executions; each call writes new streams. */
  async function appendHistory(streams: number, eventsPerStream: number) {
    round++;
    for (let s = 0; s < streams; s++) {
      const stream = `${s % 2 ? 'task' : 'execution'}-r${round}s${s}`;
      for (let e = 0; e < eventsPerStream; e++) await stores.events.append(stream, [testEvent(`Event${e % 3}`)], e === 0 ? 'no_stream' : e - 1);
    }
    await stores.events.append('project-ignored', [testEvent('NotForThisProjection')], 'any');
  }

  it('builds read models live from the checkpoint and reports no lag once caught up', async () => {
    const { runner: r, registry } = runner();
    await r.start();
    await appendHistory(10, 5);
    await r.whenCaughtUp();
    const categories = await stores.reads.find(registry.collection('streamstats', 'categories'), { sort: [['id', 1]] });
    expect(categories.items).toEqual([
      { id: 'execution', name: 'execution', events: 25 },
      { id: 'task', name: 'task', events: 25 },
    ]);
    const stream = await stores.reads.get(registry.collection('streamstats', 'streams'), `task-r${round}s1`);
    expect(stream).toMatchObject({ types: ['Event0', 'Event1', 'Event2', 'Event0', 'Event1'], lastRevision: 4 });
    const [status] = await r.status();
    expect(status).toMatchObject({ name: 'streamstats', lag: 0, error: null });
  });

  it('reports how far behind it is in events and in seconds by the clock, and 0/0 once caught up', async () => {
    const at = (iso: string, type: string) => {
      const event = testEvent(type);
      return { ...event, metadata: { ...event.metadata, occurredAt: iso } };
    };
    // Skipped by the projection: not lag, however old.
    await stores.events.append('project-p1', [at('2026-03-01T09:00:00.000Z', 'Old')], 'no_stream');
    await stores.events.append('task-t1', [at('2026-03-01T10:00:00.000Z', 'Event0'), at('2026-03-01T10:00:01.000Z', 'Event1')], 'no_stream');
    await stores.events.append('project-p2', [at('2026-03-01T10:00:02.000Z', 'Between')], 'no_stream');
    await stores.events.append('execution-e1', [at('2026-03-01T10:00:03.000Z', 'Event0')], 'no_stream');
    // EventStoreDB cannot count events cheaply: there lag is null and only the time behind says how far.
    const counted = (events: number) => (productionEngines.eventStoreUrl ? null : events);
    const clock = new ManualClock('2026-03-01T10:01:30.500Z');
    const registry = new ProjectionRegistry(stores.reads);
    // A follower applies nothing: it reports the checkpoint of whoever applies (nobody yet) of the stored generation.
    await stores.reads.setMeta(metaKey('streamstats'), { version: 1, generation: 1 });
    const follower = new ProjectionRunner([streamStatsProjection()], stores.events, stores.reads, registry, silentLogger, clock);
    stores.stopAfter(follower);
    await follower.follow();
    expect(await follower.status()).toEqual([
      expect.objectContaining({ name: 'streamstats', position: null, lag: counted(4), behindSeconds: 90.5 }),
    ]);
    expect(await stores.events.behind(null)).toEqual({ events: counted(5), oldestUnreadAt: '2026-03-01T09:00:00.000Z' });

    const { runner: leader } = runner();
    await leader.start();
    await leader.whenCaughtUp();
    clock.set('2026-03-01T11:00:00.000Z');
    const [caughtUp] = await follower.status();
    expect(caughtUp).toMatchObject({ lag: 0, behindSeconds: 0 });
    expect(caughtUp!.position).toBe(await stores.events.headPosition());
    // Events it skips after its checkpoint leave it caught up.
    await stores.events.append('project-p3', [at('2026-03-01T10:30:00.000Z', 'Later')], 'no_stream');
    expect(await follower.status()).toEqual([expect.objectContaining({ lag: 0, behindSeconds: 0 })]);
    expect(await stores.events.behind(caughtUp!.position)).toEqual({ events: counted(1), oldestUnreadAt: '2026-03-01T10:30:00.000Z' });
  });

  it('resumes from its checkpoint after a restart without applying anything twice', async () => {
    const first = runner();
    await first.runner.start();
    await appendHistory(4, 3);
    await first.runner.whenCaughtUp();
    await first.runner.stop();
    await appendHistory(2, 2);
    const second = runner();
    await second.runner.start();
    await second.runner.whenCaughtUp();
    const categories = await stores.reads.find(second.registry.collection('streamstats', 'categories'), { sort: [['id', 1]] });
    expect(categories.items.map((c) => c.events)).toEqual([6 + 2, 6 + 2]);
  });

  it('saves how far the store searched when only events it skips came in, so a restart reads none of them', async () => {
    const first = runner();
    await first.runner.start();
    await appendHistory(1, 1);
    await first.runner.whenCaughtUp();
    // Events of streams the projection does not follow: the store's checkpoint carries the worker past them.
    for (let i = 0; i < 20; i++) await stores.events.append(`project-p${i}`, [testEvent('Other')], 'no_stream');
    const head = await stores.events.headPosition();
    const checkpoint = checkpointName('streamstats', first.registry.generationOf('streamstats')!.generation);
    await waitFor(async () => (await stores.reads.getCheckpoint(checkpoint)) === head);
    await first.runner.stop();

    const pulledBefore = stores.events.eventsPulled();
    const second = runner();
    await second.runner.start();
    await second.runner.whenCaughtUp();
    expect(stores.events.eventsPulled() - pulledBefore).toBe(0);
    await stores.events.append('task-t9', [testEvent('Event0')], 'no_stream');
    await second.runner.whenCaughtUp();
    expect((await second.runner.status())[0]).toMatchObject({ position: await stores.events.headPosition(), lag: 0 });
  });

  it('saves a position reached by searching past events once for many searches, not once per batch', async () => {
    const { runner: r, registry } = runner();
    await r.start();
    await appendHistory(1, 1);
    await r.whenCaughtUp();
    const checkpoint = checkpointName('streamstats', registry.generationOf('streamstats')!.generation);
    const applyBatch = stores.reads.applyBatch.bind(stores.reads);
    let saves = 0;
    jest.spyOn(stores.reads, 'applyBatch').mockImplementation((operations, at) => {
      if (operations.length === 0 && at.name === checkpoint) saves++;
      return applyBatch(operations, at);
    });
    // Each skipped event alone, caught up before the next: one search, and one position reached, each.
    const started = performance.now();
    const searches = 30;
    for (let i = 0; i < searches; i++) {
      await stores.events.append(`project-skipped${i}`, [testEvent('Other')], 'no_stream');
      const head = await stores.events.headPosition();
      await waitFor(async () => (await r.status())[0]!.position === head);
    }
    const elapsed = performance.now() - started;
    await r.stop();
    // At most one save per SKIPPED_SAVE_DELAY_MS of the run, and one at the stop.
    expect(saves).toBeLessThanOrEqual(Math.ceil(elapsed / SKIPPED_SAVE_DELAY_MS) + 1);
    expect(await stores.reads.getCheckpoint(checkpoint)).toBe(await stores.events.headPosition());
  });

  it('rebuilds to the same canonical hash as the live build, twice, while appends continue', async () => {
    const { runner: r, registry } = runner();
    await r.start();
    await appendHistory(20, 10);
    await r.whenCaughtUp();
    const projection = streamStatsProjection();
    const liveHash = await readModelHash(stores.reads, projection, registry.generationOf('streamstats')!.generation);

    const progress: number[] = [];
    const rebuilding = r.rebuild('streamstats', { stayLive: true, onProgress: (p) => progress.push(p.eventsApplied) });
    // The live generation keeps serving while the rebuild runs.
    await appendHistory(3, 2);
    await rebuilding;
    await r.whenCaughtUp();
    expect(registry.generationOf('streamstats')!.generation).toBe(2);
    expect(progress.length).toBeGreaterThan(0);

    await r.rebuild('streamstats', { stayLive: true });
    await r.whenCaughtUp();
    expect(registry.generationOf('streamstats')!.generation).toBe(3);

    // Compare with a fresh live build over the same stores.events.
    await r.stop();
    const freshReads = await openTestReadStore(stores.dir, 'fresh.db');
    const freshRegistry = new ProjectionRegistry(freshReads);
    const fresh = new ProjectionRunner([projection], stores.events, freshReads, freshRegistry, silentLogger);
    await fresh.start();
    await fresh.whenCaughtUp();
    const rebuiltHash = await readModelHash(stores.reads, projection, 3);
    const freshHash = await readModelHash(freshReads, projection, 1);
    await fresh.stop();
    await freshReads.close();
    expect(rebuiltHash).toBe(freshHash);
    expect(rebuiltHash).not.toBe(liveHash); // more events arrived after the first hash
    // Old generations are dropped once the switch is done.
    const collections = await stores.reads.listCollections();
    expect(collections).not.toContain(physicalCollection('streamstats', 1, 'streams'));
    expect(collections).not.toContain(physicalCollection('streamstats', 2, 'streams'));
  });

  it('keeps a rebuilt generation exact when it goes on live and a burst larger than a transaction follows', async () => {
    const { runner: r } = runner();
    const failures = jest.spyOn(silentLogger, 'error');
    await r.start();
    await appendHistory(20, 10);
    await r.rebuild('streamstats', { stayLive: true });
    // 1,500 events in one append, read at once: the live worker applies them 500 a transaction. Then a
    // stream the rebuild wrote.
    await stores.events.append('execution-burst', Array.from({ length: 1500 }, (_, e) => testEvent(`Event${e % 3}`)), 'no_stream');
    await stores.events.append(`task-r${round}s1`, [testEvent('Event0')], 9);
    await r.whenCaughtUp();
    await r.stop();
    // Applied as ordinary batches, not after a failed one.
    expect(failures).not.toHaveBeenCalled();
    failures.mockRestore();
    const projection = streamStatsProjection();
    const freshReads = await openTestReadStore(stores.dir, 'fresh.db');
    const fresh = new ProjectionRunner([projection], stores.events, freshReads, new ProjectionRegistry(freshReads), silentLogger);
    await fresh.start();
    await fresh.whenCaughtUp();
    const freshHash = await readModelHash(freshReads, projection, 1);
    await fresh.stop();
    await freshReads.close();
    expect(await readModelHash(stores.reads, projection, 2)).toBe(freshHash);
  });

  it('gathers a rebuild into transactions larger than one read, and finishes when its last read was full', async () => {
    // 10,000 events: exactly two full reads of 5,000, and nothing after the second.
    for (let s = 0; s < 100; s++) {
      await stores.events.append(`task-full${s}`, Array.from({ length: 100 }, (_, e) => testEvent(`Event${e % 3}`)), 'no_stream');
    }
    const { runner: r, registry } = runner();
    const applied = jest.spyOn(stores.reads, 'applyBatch');
    await r.rebuild('streamstats', { stayLive: false });
    expect(applied).toHaveBeenCalledTimes(1);
    const categories = await stores.reads.find(registry.collection('streamstats', 'categories'));
    expect(categories.items).toEqual([{ id: 'task', name: 'task', events: 10_000 }]);
  });

  it('holds the read store in a bulk load while a rebuild catches up and builds its indexes, and ends it when the rebuild fails', async () => {
    await appendHistory(4, 3);
    const ends: string[] = [];
    const begin = jest.spyOn(stores.reads, 'beginBulkLoad').mockImplementation(() => async () => {
      ends.push('ended');
    });
    const indexes = jest.spyOn(stores.reads, 'ensureCollection');
    const { runner: r } = runner();
    await r.rebuild('streamstats', { stayLive: false });
    expect(begin).toHaveBeenCalledTimes(1);
    expect(ends).toEqual(['ended']);
    // The deferred indexes were built inside the load: their ensureCollection came after it began.
    expect(begin.mock.invocationCallOrder[0]).toBeLessThan(indexes.mock.invocationCallOrder[indexes.mock.invocationCallOrder.length - 1]!);

    const head = jest.spyOn(stores.events, 'headPosition').mockRejectedValue(new Error('event store down'));
    await expect(r.rebuild('streamstats', { stayLive: false })).rejects.toThrow('event store down');
    expect(ends).toEqual(['ended', 'ended']);
    head.mockRestore();
  });

  it('follows a switch made by another process (the rebuild CLI)', async () => {
    const server = runner();
    await server.runner.start();
    await appendHistory(5, 4);
    await server.runner.whenCaughtUp();
    const cli = runner();
    await cli.runner.rebuild('streamstats', { stayLive: false });
    await cli.runner.stop();
    // The server notices the new generation, serves it and keeps it up to date.
    const { waitFor } = await import('../support/wait-for');
    await waitFor(() => server.registry.generationOf('streamstats')?.generation === 2, { what: 'switch to generation 2' });
    await appendHistory(1, 1);
    await server.runner.whenCaughtUp();
    const categories = await stores.reads.find(server.registry.collection('streamstats', 'categories'), { sort: [['id', 1]] });
    expect(categories.items.map((c) => c.events)).toEqual([12 + 1, 8]);
  });

  it('rebuilds in the background when the projection version changes, serving the old generation meanwhile', async () => {
    const v1 = runner(1);
    await v1.runner.start();
    await appendHistory(6, 3);
    await v1.runner.whenCaughtUp();
    await v1.runner.stop();
    const v2 = runner(2);
    await v2.runner.start();
    expect(v2.registry.generationOf('streamstats')).toEqual({ version: 1, generation: 1 });
    const { waitFor } = await import('../support/wait-for');
    await waitFor(() => v2.registry.generationOf('streamstats')?.version === 2, { what: 'version 2 active' });
    await v2.runner.whenCaughtUp();
    expect(await stores.reads.getMeta('projection:streamstats')).toEqual({ version: 2, generation: 2 });
  });
});
