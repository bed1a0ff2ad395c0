// The embedded read store's WAL: copied into read.db by the checkpoint thread rather than by its commits,
// except during a bulk load (a rebuild), whose commits copy it rarely, and which ends with a copy.
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { PositionedOperation } from '../../src/stores/read/read-store';
import { SqliteReadStore } from '../../src/stores/read/sqlite-read-store';
import { CHECKPOINT_AFTER_PAGES, leaveCheckpointsToThread, WalCheckpoints } from '../../src/stores/read/sqlite-wal-checkpoints';
import { distPath } from '../support/dist';
import { makeTempDir } from '../support/temp-dir';

/** A document of about a page. */
const PAGE_TEXT = 'x'.repeat(4000);
/** Between the WAL of one writeEightMiB (about 8.3 MB) and that of two. */
const TWELVE_MIB = 12 * 1024 * 1024;

describe('WalCheckpoints', () => {
  let temp: ReturnType<typeof makeTempDir>;

  beforeEach(() => {
    temp = makeTempDir('read-store-wal-');
  });

  afterEach(() => temp.cleanup());

  it("counts the WAL pages not yet copied as SQLite's own checkpoint does", () => {
    const file = join(temp.dir, 'read.db');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    leaveCheckpointsToThread(db);
    db.exec('CREATE TABLE docs (id INTEGER PRIMARY KEY, text TEXT)');
    const insert = db.prepare('INSERT INTO docs (text) VALUES (?)');
    db.transaction(() => {
      for (let i = 0; i < 500; i++) insert.run(PAGE_TEXT);
    })();
    const checkpoints = new WalCheckpoints(file, 1000);
    const uncopied = checkpoints.uncopiedPages();
    expect(uncopied).toBeGreaterThan(500);
    const [result] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ busy: number; log: number; checkpointed: number }>;
    expect(result).toEqual({ busy: 0, log: uncopied, checkpointed: uncopied });
    expect(checkpoints.uncopiedPages()).toBe(0);
    // A write after a complete checkpoint starts the WAL over.
    insert.run(PAGE_TEXT);
    expect(checkpoints.uncopiedPages()).toBeGreaterThan(0);
    expect(checkpoints.uncopiedPages()).toBeLessThan(10);
    expect(checkpoints.close()).toBeUndefined();
    db.close();
  });

  it('has no pages to count in memory', () => {
    const checkpoints = new WalCheckpoints(':memory:', 1000);
    expect(checkpoints.uncopiedPages()).toBe(0);
    expect(checkpoints.close()).toBeUndefined();
  });
});

describe("SqliteReadStore's WAL", () => {
  let temp: ReturnType<typeof makeTempDir>;
  let file: string;
  let store: SqliteReadStore;
  let round = 0;

  /** Opens the store again (with the default size from which a bulk load's WAL is copied on the checkpoint thread, unless given). */
  async function reopen(backgroundCheckpointMinBytes?: number): Promise<void> {
    await store.close();
    store = SqliteReadStore.open({ file, backgroundCheckpointMinBytes });
  }

  beforeEach(async () => {
    round = 0;
    temp = makeTempDir('read-store-wal-');
    file = join(temp.dir, 'read.db');
    store = SqliteReadStore.open({ file });
    await store.ensureCollection({ name: 'docs', indexes: [] });
  });

  afterEach(async () => {
    await store.close();
    temp.cleanup();
  });

  /** One transaction of `pages` documents of about a page each, named `r<round>-<i>`. */
  async function write(pages: number): Promise<void> {
    round++;
    const operations: PositionedOperation[] = Array.from({ length: pages }, (_, i) => ({
      op: 'upsert',
      collection: 'docs',
      id: `r${round}-${i}`,
      doc: { id: `r${round}-${i}`, text: PAGE_TEXT },
      position: round,
    }));
    await store.applyBatch(operations, { name: 'writes', position: round });
  }

  /** About 2,000 pages in one transaction: twice what the WAL holds outside a bulk load before it is copied. */
  const writeEightMiB = () => write(2 * CHECKPOINT_AFTER_PAGES);
  const databaseBytes = () => statSync(file).size;

  describe('outside a bulk load', () => {
    it('leaves a large commit in the WAL, for the checkpoint thread to copy', async () => {
      await writeEightMiB();
      // The commit did not copy it (the thread is just starting).
      expect(databaseBytes()).toBeLessThan(1_000_000);
      await store.checkpointed();
      expect(databaseBytes()).toBeGreaterThan(8_000_000);
      expect((await store.get('docs', 'r1-1999'))?.id).toBe('r1-1999');
    });

    it('asks for a copy once the WAL holds 1,000 pages not yet copied', async () => {
      const tenth = CHECKPOINT_AFTER_PAGES / 10;
      for (let i = 0; i < 6; i++) await write(tenth);
      await store.checkpointed();
      // Fewer than 1,000 pages: nothing was asked, all of it is still in the WAL.
      expect(databaseBytes()).toBeLessThan(1_000_000);
      for (let i = 0; i < 6; i++) await write(tenth);
      await store.checkpointed();
      expect(databaseBytes()).toBeGreaterThan(4_000_000);
    });

    it('closes once the copy under way is done, the documents all kept', async () => {
      await writeEightMiB();
      await store.close();
      expect(databaseBytes()).toBeGreaterThan(8_000_000);
      await reopen();
      expect((await store.get('docs', 'r1-1999'))?.id).toBe('r1-1999');
    });

    it('lets a process with nothing else to do end once the store is closed, the checkpoint thread too', async () => {
      // The thread holds the process only while it copies, and while it ends when the store closes.
      const script = `
        const { SqliteReadStore } = require(process.argv[1]);
        (async () => {
          const store = SqliteReadStore.open({ file: process.argv[2] });
          const doc = (i) => ({ op: 'upsert', collection: 'docs', id: 'd' + i, doc: { id: 'd' + i, text: 'x'.repeat(4000) }, position: 1 });
          await store.applyBatch(Array.from({ length: 2000 }, (_, i) => doc(i)), { name: 'writes', position: 1 });
          await store.checkpointed();
          await store.close();
          console.log('closed');
        })();`;
      const child = spawn(process.execPath, ['-e', script, distPath('src/stores/read/sqlite-read-store.ts'), join(temp.dir, 'other.db')], { stdio: ['ignore', 'pipe', 'inherit'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect({ code, output: output.trim() }).toEqual({ code: 0, output: 'closed' });
      expect(statSync(join(temp.dir, 'other.db')).size).toBeGreaterThan(8_000_000);
    });
  });

  describe('in a bulk load', () => {
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

    /** One bulk load of `rounds` × 8 MiB, by a store that copies a WAL of `backgroundMinBytes` or more on the checkpoint thread. */
    async function bulkLoad(backgroundMinBytes: number, rounds: number): Promise<void> {
      await reopen(backgroundMinBytes);
      const end = store.beginBulkLoad();
      for (let i = 0; i < rounds; i++) await writeEightMiB();
      expect(databaseBytes()).toBeLessThan(1_000_000);
      await end();
    }

    it('copies a large WAL on the checkpoint thread, while the store reads and writes on', async () => {
      await bulkLoad(TWELVE_MIB, 2);
      expect((await store.get('docs', 'r2-1999'))?.id).toBe('r2-1999');
      await writeEightMiB();
      await store.checkpointed();
      // Both loads' pages are in the database file.
      expect(databaseBytes()).toBeGreaterThan(16_000_000);
      // The load over, the store's commits ask the thread for copies again.
      await writeEightMiB();
      await store.checkpointed();
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
});
