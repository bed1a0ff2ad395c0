import { join } from 'node:path';
import type { Projection } from '../../src/projections/projection';
import { ProjectionRegistry } from '../../src/projections/projection-registry';
import { ProjectionRunner } from '../../src/projections/projection-runner';
import type { EventStore } from '../../src/stores/events/event-store';
import type { CollectionSpec, ReadStore } from '../../src/stores/read/read-store';
import { SqliteReadStore } from '../../src/stores/read/sqlite-read-store';
import { silentLogger } from '../support/silent-logger';
import { streamStatsProjection } from '../support/stream-stats-projection';
import { makeTempDir } from '../support/temp-dir';
import { openTestEventStore, openTestReadStore } from '../support/test-stores';
import { testEvent } from '../support/test-events';

describe('rebuild of a fresh generation', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let events: EventStore;
  let reads: ReadStore;
  let runner: ProjectionRunner;
  let registry: ProjectionRegistry;
  /** What the store was asked, in order: ensureCollection with its index counts (built now + deferred), applyBatch with its operations. */
  let calls: string[];

  function start(projection: Projection) {
    registry = new ProjectionRegistry(reads);
    runner = new ProjectionRunner([projection], events, reads, registry, silentLogger);
    const ensure = reads.ensureCollection.bind(reads);
    jest.spyOn(reads, 'ensureCollection').mockImplementation((spec: CollectionSpec) => {
      calls.push(`ensure ${spec.name} ${spec.indexes.length}+${spec.deferredIndexes?.length ?? 0}`);
      return ensure(spec);
    });
    const apply = reads.applyBatch.bind(reads);
    jest.spyOn(reads, 'applyBatch').mockImplementation((operations, checkpoint) => {
      calls.push(`apply ${operations.map((op) => op.op).join(',')}`);
      return apply(operations, checkpoint);
    });
  }

  beforeEach(async () => {
    temp = makeTempDir();
    events = openTestEventStore(temp.dir);
    reads = await openTestReadStore(temp.dir);
    calls = [];
    for (let s = 0; s < 20; s++) await events.append(`task-${s}`, [testEvent('Created'), testEvent('Changed')], 'no_stream');
  });
  afterEach(async () => {
    await runner.stop();
    await events.close();
    await reads.close();
    temp.cleanup();
  });

  it('builds the secondary indexes after catching up, before switching queries over', async () => {
    start(streamStatsProjection());
    await runner.rebuild('streamstats');
    const streams = 'streamstats_g1_streams';
    expect(calls.filter((c) => c.startsWith('ensure streamstats'))).toEqual([`ensure ${streams} 0+1`, 'ensure streamstats_g1_categories 0+0', `ensure ${streams} 1+0`]);
    expect(calls.at(-1)).toBe(`ensure ${streams} 1+0`);
    expect(registry.collection('streamstats', 'streams')).toBe(streams);
    // The query plan is the embedded store's; on MongoDB the ensure calls above are what this checks.
    if (reads instanceof SqliteReadStore) expect(reads.explainFind(streams, { filter: { category: 'task' } }).join(' ')).toMatch(/USING (COVERING )?INDEX/);
    expect(await reads.count(streams, { category: 'task' })).toBe(20);
  });

  it('builds a collection’s indexes before a filtered delete on it, which would otherwise scan the table', async () => {
    const base = streamStatsProjection();
    start({
      ...base,
      async handle(event, reader) {
        const operations = await base.handle(event, reader);
        return event.streamId === 'task-10' && event.revision === 1 ? [...operations, { op: 'deleteMany', collection: 'streams', filter: { category: 'none' } }] : operations;
      },
    });
    await runner.rebuild('streamstats');
    const deleting = calls.findIndex((c) => c.includes('deleteMany'));
    expect(deleting).toBeGreaterThan(0);
    expect(calls.slice(0, deleting)).toContain('ensure streamstats_g1_streams 1+0');
    expect(calls.filter((c) => c === 'ensure streamstats_g1_streams 1+0')).toHaveLength(1);
  });
});
