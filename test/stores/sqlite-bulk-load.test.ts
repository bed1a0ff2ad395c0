// The embedded read store during a bulk load (a rebuild): its WAL is checkpointed rarely, and at the end.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { PositionedOperation } from '../../src/stores/read/read-store';
import { SqliteReadStore } from '../../src/stores/read/sqlite-read-store';
import { makeTempDir } from '../support/temp-dir';

/** Between the WAL of one writeEightMiB (about 8.3 MB) and that of two. */
const TWELVE_MIB = 12 * 1024 * 1024;

describe('SqliteReadStore bulk loads', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let file: string;
  let store: SqliteReadStore;
  let round = 0;

  /** Opens the store again (with the default size from which a WAL is copied on a thread of its own, unless given). */
  async function reopen(backgroundCheckpointMinBytes?: number): Promise<void> {
    await store.close();
    store = SqliteReadStore.open({ file, backgroundCheckpointMinBytes });
  }

  beforeEach(async () => {
    round = 0;
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

  /** One bulk load of `rounds` × 8 MiB, by a store that copies a WAL of `backgroundMinBytes` or more on a thread of its own. */
  async function bulkLoad(backgroundMinBytes: number, rounds: number): Promise<void> {
    await reopen(backgroundMinBytes);
    const end = store.beginBulkLoad();
    for (let i = 0; i < rounds; i++) await writeEightMiB();
    expect(databaseBytes()).toBeLessThan(1_000_000);
    await end();
  }

  it('copies a large WAL on a thread of its own, while the store reads and writes on', async () => {
    await bulkLoad(TWELVE_MIB, 2);
    expect((await store.get('docs', 'r2-1999'))?.id).toBe('r2-1999');
    await writeEightMiB();
    await store.checkpointed();
    // Both loads' pages are in the database file; the write after it may still be in the WAL.
    expect(databaseBytes()).toBeGreaterThan(16_000_000);
    // Copied, the store checkpoints as outside a load again.
    await writeEightMiB();
    expect(databaseBytes()).toBeGreaterThan(32_000_000);
    await reopen();
    expect((await store.get('docs', 'r4-1999'))?.id).toBe('r4-1999');
  });

  it('copies a WAL under that size at once, on the connection that loaded', async () => {
    await bulkLoad(TWELVE_MIB, 1);
    expect(databaseBytes()).toBeGreaterThan(8_000_000);
  });

  it('closes once a copy under way is done, the documents all kept', async () => {
    await bulkLoad(0, 1);
    await store.close();
    expect(databaseBytes()).toBeGreaterThan(8_000_000);
    await reopen();
    expect((await store.get('docs', 'r1-1999'))?.id).toBe('r1-1999');
  });
});
