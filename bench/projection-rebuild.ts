import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../src/logging/logger';
import type { Projection } from '../src/projections/projection';
import { ProjectionRegistry } from '../src/projections/projection-registry';
import { ProjectionRunner } from '../src/projections/projection-runner';
import { SqliteReadStore } from '../src/stores/read/sqlite-read-store';
import { categoryOf } from '../src/stores/events/stream-names';
import type { BenchRow } from './report';
import { INSERT_CEILING, type PopulatedStore } from './store';

/** One upsert per event (the stream's latest state) and one counter per category: a typical read model. */
const benchProjection: Projection = {
  name: 'benchstreams',
  version: 1,
  collections: [
    { name: 'streams', indexes: [{ fields: [['category', 1], ['revision', -1]] }] },
    { name: 'categories', indexes: [] },
  ],
  handle(event) {
    const category = categoryOf(event.streamId);
    return [
      { op: 'upsert', collection: 'streams', id: event.streamId, doc: { id: event.streamId, category, revision: event.revision, type: event.type } },
      { op: 'inc', collection: 'categories', id: category, fields: { events: 1 } },
    ];
  },
};

/** Rebuilds the bench projection from position zero into a fresh SQLite read store. */
export async function projectionRebuildFigure({ store, events }: PopulatedStore): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'rebuild-bench-'));
  const reads = SqliteReadStore.open({ file: join(dir, 'read.db') });
  try {
    const runner = new ProjectionRunner([benchProjection], store, reads, new ProjectionRegistry(reads), createLogger('silent'));
    const started = process.hrtime.bigint();
    await runner.rebuild(benchProjection.name, { stayLive: false });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    await runner.stop();
    return [{ figure: 'projection rebuild into SQLite read store', value: events / seconds, unit: 'events/s', baseline: INSERT_CEILING }];
  } finally {
    await reads.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
