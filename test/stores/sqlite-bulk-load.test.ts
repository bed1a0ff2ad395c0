// The embedded read store during a bulk load (a rebuild): its WAL is checkpointed rarely, and at the end.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { PositionedOperation } from '../../src/stores/read/read-store';
import { SqliteReadStore } from '../../src/stores/read/sqlite-read-store';
import { makeTempDir } from '../support/temp-dir';

describe('SqliteReadStore bulk loads', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let file: string;
  let store: SqliteReadStore;
  let round = 0;

  beforeEach(async () => {
    temp = makeTempDir('bulk-load-');
    file = join(temp.dir, 'read.db');
    store = SqliteReadStore.open({ file });
    await store.ensureCollection({ name: 'docs', indexes: [] });
  });

  afterEach(async () => {
    await store.close();
    temp.cleanup();
  });

  /** About 2,000 pages of documents in one transaction: twice what a commit may leave in the WAL outside a bulk load. */
  async function writeEightMiB(): Promise<void> {
    round++;
    const text = 'x'.repeat(4000);
    const operations: PositionedOperation[] = Array.from({ length: 2000 }, (_, i) => ({
      op: 'upsert',
      collection: 'docs',
      id: `r${round}-${i}`,
      doc: { id: `r${round}-${i}`, text },
      position: round,
    }));
    await store.applyBatch(operations, { name: 'bulk', position: round });
  }

  const databaseBytes = () => statSync(file).size;

  it('copies a large commit into the database at once outside a bulk load', async () => {
    await writeEightMiB();
    expect(databaseBytes()).toBeGreaterThan(8_000_000);
  });

  it('leaves large commits in the WAL while a load is under way, and copies them when the last load ends', async () => {
    const endFirst = store.beginBulkLoad();
    const endSecond = store.beginBulkLoad();
    await writeEightMiB();
    await writeEightMiB();
    expect(databaseBytes()).toBeLessThan(1_000_000);
    await endFirst();
    // Ending one load twice counts once: the other is still under way.
    await endFirst();
    await writeEightMiB();
    expect(databaseBytes()).toBeLessThan(1_000_000);
    await endSecond();
    expect(databaseBytes()).toBeGreaterThan(24_000_000);
    expect((await store.get('docs', 'r3-1999'))?.id).toBe('r3-1999');
  });
});
