// SQLite internals: the columns the embedded read store's indexes use (src/stores/read/sqlite-table-writes.ts).
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { PositionedOperation } from '../../src/stores/read/read-store';
import { SqliteReadStore } from '../../src/stores/read/sqlite-read-store';
import { seededRandom } from '../support/seeded-random';
import { makeTempDir } from '../support/temp-dir';

const INDEXES = [{ fields: [['status', 1], ['meta.at', -1]] as Array<[string, 1 | -1]> }, { fields: [['count', 1]] as Array<[string, 1 | -1]> }];
const FIELDS = ['status', 'meta.at', 'count'];

describe('SQLite read store: index field columns', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let file: string;
  let store: SqliteReadStore;

  beforeEach(async () => {
    temp = makeTempDir('field-columns-');
    file = join(temp.dir, 'read.db');
  });
  afterEach(async () => {
    await store?.close();
    temp.cleanup();
  });

  /** Every row's index columns as stored, beside json_extract of its document now: they must be equal. */
  function columnsAndDocs(collection: string): Array<{ stored: unknown[]; fromDoc: unknown[] }> {
    const raw = new Database(file, { readonly: true });
    try {
      const stored = FIELDS.map((field) => `"$.${field}"`).join(', ');
      const fromDoc = FIELDS.map((field) => `json_extract(doc, '$.${field.split('.').map((s) => `"${s}"`).join('.')}')`).join(', ');
      const rows = raw.prepare(`SELECT ${stored}, ${fromDoc} FROM "${collection}" ORDER BY id`).raw().all() as unknown[][];
      return rows.map((row) => ({ stored: row.slice(0, FIELDS.length), fromDoc: row.slice(FIELDS.length) }));
    } finally {
      raw.close();
    }
  }

  function columnKinds(collection: string): Record<string, number> {
    const raw = new Database(file, { readonly: true });
    try {
      const rows = raw.prepare(`SELECT name, hidden FROM pragma_table_xinfo(?)`).all(collection) as Array<{ name: string; hidden: number }>;
      return Object.fromEntries(rows.filter((row) => row.name.startsWith('$.')).map((row) => [row.name, row.hidden]));
    } finally {
      raw.close();
    }
  }

  it('stores the columns of a new table and keeps them equal to the documents through every kind of write', async () => {
    store = SqliteReadStore.open({ file });
    await store.ensureCollection({ name: 'docs', indexes: INDEXES });
    expect(columnKinds('docs')).toEqual({ '$.status': 0, '$.meta.at': 0, '$.count': 0 });
    const random = seededRandom(19);
    let position = 0;
    for (let round = 0; round < 40; round++) {
      const ops: PositionedOperation[] = [];
      for (let i = 0; i < 25; i++) {
        const id = `d${Math.floor(random() * 30)}`;
        const pick = random();
        position++;
        if (pick < 0.2) ops.push({ op: 'upsert', collection: 'docs', id, doc: { id, status: 'NEW', meta: { at: position }, count: 0, other: 'x' }, position });
        else if (pick < 0.4) ops.push({ op: 'set', collection: 'docs', id, fields: { other: `o${position}` }, position });
        else if (pick < 0.55) ops.push({ op: 'set', collection: 'docs', id, fields: { status: random() < 0.5 ? 'DONE' : null }, position });
        else if (pick < 0.65) ops.push({ op: 'set', collection: 'docs', id, fields: { meta: { at: `t${position}` } }, position });
        else if (pick < 0.75) ops.push({ op: 'set', collection: 'docs', id, fields: { 'meta.at': position * 2 }, position });
        else if (pick < 0.9) ops.push({ op: 'inc', collection: 'docs', id, fields: { count: 1 }, position });
        else ops.push({ op: 'delete', collection: 'docs', id, position });
      }
      await store.applyBatch(ops, { name: 'docs#1', position });
    }
    const rows = columnsAndDocs('docs');
    expect(rows.length).toBeGreaterThan(5);
    for (const row of rows) expect(row.stored).toEqual(row.fromDoc);
    // Queries through the indexes see the edited values.
    const done = await store.find('docs', { filter: { status: 'DONE' } });
    expect(done.items.every((doc) => doc.status === 'DONE')).toBe(true);
    expect(done.items.length).toBe(rows.filter((row) => row.fromDoc[0] === 'DONE').length);
  });

  it('fills a column added for a new index field from the documents already stored', async () => {
    store = SqliteReadStore.open({ file });
    await store.ensureCollection({ name: 'docs', indexes: [INDEXES[0]!] });
    await store.applyBatch(
      Array.from({ length: 20 }, (_, i): PositionedOperation => ({ op: 'upsert', collection: 'docs', id: `d${i}`, doc: { id: `d${i}`, status: 'A', meta: { at: i }, count: i % 4 }, position: i + 1 })),
      { name: 'docs#1', position: 20 },
    );
    await store.ensureCollection({ name: 'docs', indexes: INDEXES });
    for (const row of columnsAndDocs('docs')) expect(row.stored).toEqual(row.fromDoc);
    expect((await store.find('docs', { filter: { count: 3 } })).items.map((doc) => doc.id)).toEqual(['d11', 'd15', 'd19', 'd3', 'd7']);
  });

  it('gives deferred indexes their columns at once, so building the indexes later adds no column (which would rewrite every row)', async () => {
    store = SqliteReadStore.open({ file });
    await store.ensureCollection({ name: 'docs', indexes: [], deferredIndexes: INDEXES });
    expect(columnKinds('docs')).toEqual({ '$.status': 0, '$.meta.at': 0, '$.count': 0 });
    expect(indexesOf('docs')).toEqual([]);
    await store.applyBatch(
      Array.from({ length: 20 }, (_, i): PositionedOperation => ({ op: 'upsert', collection: 'docs', id: `d${i}`, doc: { id: `d${i}`, status: 'A', meta: { at: i }, count: i % 4 }, position: i + 1 })),
      { name: 'docs#1', position: 20 },
    );
    // Written with the documents, before any index exists.
    for (const row of columnsAndDocs('docs')) expect(row.stored).toEqual(row.fromDoc);
    await store.ensureCollection({ name: 'docs', indexes: INDEXES });
    expect(columnKinds('docs')).toEqual({ '$.status': 0, '$.meta.at': 0, '$.count': 0 });
    expect(indexesOf('docs')).toHaveLength(2);
    expect((await store.find('docs', { filter: { count: 3 } })).items.map((doc) => doc.id)).toEqual(['d11', 'd15', 'd19', 'd3', 'd7']);
  });

  function indexesOf(collection: string): string[] {
    const raw = new Database(file, { readonly: true });
    try {
      return (raw.prepare(`SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL`).all(collection) as Array<{ name: string }>).map((row) => row.name);
    } finally {
      raw.close();
    }
  }

  it('keeps writing and querying a table made with generated columns, leaving them generated', async () => {
    const raw = new Database(file);
    raw.exec(`CREATE TABLE docs (id TEXT PRIMARY KEY, doc TEXT NOT NULL, pos INTEGER NOT NULL);
      ALTER TABLE docs ADD COLUMN "$.status" GENERATED ALWAYS AS (json_extract(doc, '$."status"')) VIRTUAL;
      INSERT INTO docs (id, doc, pos) VALUES ('old', '{"id":"old","status":"A","meta":{"at":1},"count":1}', 1);`);
    raw.close();
    store = SqliteReadStore.open({ file });
    await store.ensureCollection({ name: 'docs', indexes: INDEXES });
    // The field it had stays generated; the fields new to it are stored.
    expect(columnKinds('docs')).toEqual({ '$.status': 2, '$.meta.at': 0, '$.count': 0 });
    await store.applyBatch(
      [
        { op: 'set', collection: 'docs', id: 'old', fields: { status: 'B', count: 5 }, position: 2 },
        { op: 'upsert', collection: 'docs', id: 'new', doc: { id: 'new', status: 'B', meta: { at: 2 }, count: 5 }, position: 3 },
      ],
      { name: 'docs#1', position: 3 },
    );
    for (const row of columnsAndDocs('docs')) expect(row.stored).toEqual(row.fromDoc);
    expect((await store.find('docs', { filter: { status: 'B', count: 5 }, sort: [['id', 1]] })).items.map((doc) => doc.id)).toEqual(['new', 'old']);
  });
});
