// SQLite internals: the embedded read store itself; what every engine shares is in read-store-contract.ts.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ValidationError } from '../../src/errors/app-error';
import type { PositionedOperation } from '../../src/stores/read/read-store';
import { SqliteReadStore } from '../../src/stores/read/sqlite-read-store';
import { makeTempDir } from '../support/temp-dir';
import { describeReadStoreContract } from './read-store-contract';

describeReadStoreContract('SQLite', async () => {
  const temp = makeTempDir('read-store-');
  const store = SqliteReadStore.open({ file: join(temp.dir, 'read.db') });
  return {
    store,
    cleanup: async () => {
      await store.close();
      temp.cleanup();
    },
  };
});

describe('SqliteReadStore specifics', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let file: string;
  let store: SqliteReadStore;

  beforeEach(async () => {
    temp = makeTempDir('read-store-');
    file = join(temp.dir, 'data', 'read.db');
    store = SqliteReadStore.open({ file });
    await store.ensureCollection({
      name: 'executions',
      indexes: [{ fields: [['taskId', 1], ['scheduledAt', -1]] }, { fields: [['status', 1]] }],
    });
    const ops: PositionedOperation[] = Array.from({ length: 2000 }, (_, i) => {
      const id = `e${String(i).padStart(5, '0')}`;
      const doc = { id, taskId: `t${i % 20}`, scheduledAt: new Date(Date.UTC(2024, 0, 1, 0, i)).toISOString(), status: i % 9 ? 'SUCCESS' : 'FAILED', n: i };
      return { op: 'upsert', collection: 'executions', id, doc, position: i + 1 };
    });
    await store.applyBatch(ops, { name: 'executions#1', position: 2000 });
  });

  afterEach(async () => {
    await store.close();
    temp.cleanup();
  });

  function plan(query: Parameters<SqliteReadStore['explainFind']>[1]): string {
    return store.explainFind('executions', query).join('\n');
  }

  it('creates DATA_DIR/read.db in WAL mode', () => {
    expect(existsSync(file)).toBe(true);
    const raw = new Database(file, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      const tables = raw.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`).pluck().all();
      expect(tables).toEqual(['_checkpoints', '_meta', 'executions']);
    } finally {
      raw.close();
    }
  });

  it('ensures the same spec again without touching the schema; a changed spec drops and builds only what changed', async () => {
    const indexes = () => (store as unknown as { db: Database.Database }).db
      .prepare(`SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'executions' AND sql IS NOT NULL ORDER BY name`)
      .pluck()
      .all();
    const schemaVersion = () => (store as unknown as { db: Database.Database }).db.pragma('schema_version', { simple: true });
    const before = schemaVersion();
    await store.ensureCollection({ name: 'executions', indexes: [{ fields: [['taskId', 1], ['scheduledAt', -1]] }, { fields: [['status', 1]] }] });
    expect(schemaVersion()).toBe(before);

    // An index an operator added by hand is not the spec's to drop.
    (store as unknown as { db: Database.Database }).db.exec(`CREATE INDEX by_hand ON executions (pos)`);
    await store.ensureCollection({ name: 'executions', indexes: [{ fields: [['taskId', 1], ['scheduledAt', -1]] }, { fields: [['status', 1]], unique: false }, { fields: [['n', -1]] }] });
    expect(indexes()).toEqual(['by_hand', 'executions:n-', 'executions:status+', 'executions:taskId+,scheduledAt-']);
    await store.ensureCollection({ name: 'executions', indexes: [{ fields: [['n', -1]] }] });
    expect(indexes()).toEqual(['by_hand', 'executions:n-']);
    expect(await store.count('executions', { status: 'FAILED' })).toBe(223);
  });

  it('answers a filter on an index prefix and a sort on the next field from the index, with no sort step', async () => {
    const query = { filter: { taskId: 't3' }, sort: [['scheduledAt', -1]] as Array<[string, 1 | -1]>, limit: 10 };
    const firstPage = plan(query);
    expect(firstPage).toMatch(/SEARCH executions USING INDEX executions:taskId\+,scheduledAt- \(\$\.taskId=\?\)/);
    expect(firstPage).not.toMatch(/TEMP B-TREE/);

    const { nextCursor } = await store.find('executions', query);
    const nextPage = plan({ ...query, cursor: nextCursor });
    // The rows after the cursor are one row-value range of the index, not a scan from the start of the
    // task's entries; descending, the rows without the key (nulls sort last) are a second seek.
    expect(nextPage).toMatch(/USING INDEX executions:taskId\+,scheduledAt- \(\$\.taskId=\? AND \(\$\.scheduledAt,id\)<\(\?,\?\)\)/);
    expect(nextPage).toMatch(/USING INDEX executions:taskId\+,scheduledAt- \(\$\.taskId=\? AND \$\.scheduledAt=\?\)/);
    expect(nextPage).not.toMatch(/SCAN executions/);
  });

  it('pages ascending after a cursor as one range of the index, with no merge and no sort step', async () => {
    await store.ensureCollection({ name: 'executions', indexes: [{ fields: [['taskId', 1], ['scheduledAt', -1]] }, { fields: [['status', 1]] }, { fields: [['n', 1]] }] });
    const query = { filter: { status: 'FAILED' }, sort: [['id', 1]] as Array<[string, 1 | -1]>, limit: 10 };
    const nextPage = plan({ ...query, cursor: (await store.find('executions', query)).nextCursor });
    expect(nextPage).toMatch(/^SEARCH executions USING INDEX executions:status\+ \(\$\.status=\? AND id>\?\)$/);
    const byN = { sort: [['n', 1]] as Array<[string, 1 | -1]>, limit: 10 };
    const nPage = plan({ ...byN, cursor: (await store.find('executions', byN)).nextCursor });
    expect(nPage).toMatch(/^SEARCH executions USING INDEX executions:n\+ \(\(\$\.n,id\)>\(\?,\?\)\)$/);
  });

  it('uses an index for equality and range filters on an indexed field, and json_extract otherwise', () => {
    expect(plan({ filter: { status: 'FAILED' } })).toMatch(/USING INDEX executions:status\+ \(\$\.status=\?\)/);
    expect(plan({ filter: { status: { $in: ['FAILED', 'MISSED'] } } })).toMatch(/USING INDEX executions:status\+ \(\$\.status=\?\)/);
    expect(plan({ filter: { taskId: 't1', scheduledAt: { $gte: '2024-01-01T10:00' } } })).toMatch(
      /USING INDEX executions:taskId\+,scheduledAt- \(\$\.taskId=\? AND \$\.scheduledAt>\?\)/,
    );
    expect(plan({ filter: { n: 5 } })).toMatch(/SCAN executions/);
  });

  it('keeps documents, checkpoints, meta and index columns across a reopen', async () => {
    await store.setMeta('registry', { a: 1 });
    await store.close();
    store = SqliteReadStore.open({ file });

    expect(await store.count('executions')).toBe(2000);
    expect(await store.getCheckpoint('executions#1')).toBe(2000);
    expect(await store.getMeta('registry')).toEqual({ a: 1 });
    expect(plan({ filter: { status: 'FAILED' } })).toMatch(/USING INDEX executions:status\+/);
  });

  it('rolls back a batch of thousands of operations when the last one fails', async () => {
    await store.applyBatch([{ op: 'upsert', collection: 'executions', id: 'bad', doc: { id: 'bad', n: 'text' }, position: 2001 }], {
      name: 'executions#1',
      position: 2001,
    });
    const ops: PositionedOperation[] = [
      ...Array.from({ length: 5000 }, (_, i): PositionedOperation => ({ op: 'inc', collection: 'executions', id: `e${String(i % 3000).padStart(5, '0')}`, fields: { n: 1 }, position: 3000 + i })),
      { op: 'deleteMany', collection: 'executions', filter: { status: 'FAILED' }, position: 8000 },
      { op: 'inc', collection: 'executions', id: 'bad', fields: { n: 1 }, position: 8001 },
    ];

    await expect(store.applyBatch(ops, { name: 'executions#1', position: 8001 })).rejects.toThrow(ValidationError);

    expect(await store.count('executions')).toBe(2001);
    expect(await store.count('executions', { n: { $gte: 2000 } })).toBe(0);
    expect(await store.getCheckpoint('executions#1')).toBe(2001);
  });

  it('another connection sees a batch only once it is committed', async () => {
    const other = SqliteReadStore.open({ file });
    try {
      await store.applyBatch([{ op: 'set', collection: 'executions', id: 'e00000', fields: { status: 'CANCELLED' }, position: 2001 }], {
        name: 'executions#1',
        position: 2001,
      });
      expect((await other.get('executions', 'e00000'))?.status).toBe('CANCELLED');
      expect(await other.getCheckpoint('executions#1')).toBe(2001);
    } finally {
      await other.close();
    }
  });
});
