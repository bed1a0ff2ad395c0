// SQLite internals: how the embedded read store writes a document's row and its index columns.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { PositionedOperation } from '../../src/stores/read/read-store';
import { SqliteReadStore } from '../../src/stores/read/sqlite-read-store';
import { makeTempDir } from '../support/temp-dir';

const DOCS = 5000;
const INDEXED = ['taskId', 'projectId', 'status', 'scheduledAt'] as const;

function execution(i: number, change: Partial<Record<'status' | 'taskId' | 'n', string | number>> = {}) {
  const id = `e${String(i).padStart(5, '0')}`;
  return { id, taskId: `t${i % 50}`, projectId: `p${i % 7}`, status: 'RUNNING', scheduledAt: new Date(Date.UTC(2024, 0, 1, 0, i)).toISOString(), n: 0, ...change };
}

describe('replacing a document in the embedded read store', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let file: string;
  let store: SqliteReadStore;
  let raw: Database.Database;
  let position = 0;

  const replace = (ids: number[], change: Parameters<typeof execution>[1], at?: number) =>
    ids.map((i): PositionedOperation => ({ op: 'upsert', collection: 'executions', id: execution(i).id, doc: execution(i, change), position: at ?? ++position }));
  const apply = (ops: PositionedOperation[]) => store.applyBatch(ops, { name: 'executions#1', position: ++position });
  /** Pages written to the WAL since the last call (each frame is one page). */
  const pagesWritten = () => {
    // Every frame is copied back: the next commit starts the WAL again from its beginning.
    const [{ log }] = raw.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number }>;
    return log;
  };

  beforeEach(async () => {
    temp = makeTempDir('table-writes-');
    file = join(temp.dir, 'read.db');
    store = SqliteReadStore.open({ file });
    await store.ensureCollection({ name: 'executions', indexes: INDEXED.map((field) => ({ fields: [[field, 1]] as Array<[string, 1]> })) });
    await apply(replace(Array.from({ length: DOCS }, (_, i) => i), {}));
    raw = new Database(file);
    pagesWritten();
  });

  afterEach(async () => {
    raw.close();
    await store.close();
    temp.cleanup();
  });

  /** Rows whose index columns do not hold what their document says. */
  const stale = () =>
    raw.prepare(`SELECT count(*) FROM executions WHERE ${INDEXED.map((f) => `"$.${f}" IS NOT json_extract(doc, '$.${f}')`).join(' OR ')}`).pluck().get();

  it('writes no index page when the indexed fields keep their values', async () => {
    // 50 documents spread over the table: about 50 of its pages, and as many of each index's if they were set.
    const spread = Array.from({ length: 50 }, (_, k) => k * 100);
    await apply(replace(spread, { n: 1 }));
    const keeping = pagesWritten();
    await apply(replace(spread, { n: 2, status: 'SUCCESS' }));
    const changingOne = pagesWritten();
    expect(keeping).toBeLessThan(spread.length + 15);
    // The status index's pages now, and only those.
    expect(changingOne).toBeGreaterThan(keeping);
    expect(changingOne).toBeLessThan(2 * spread.length + 15);
    expect(stale()).toBe(0);
  });

  it('keeps every index column equal to its document, whichever fields change', async () => {
    await apply([...replace([1, 2, 3], { status: 'SUCCESS' }), ...replace([4, 5], { taskId: 'moved', status: 'FAILED' }), ...replace([6], { n: 9 })]);
    expect(stale()).toBe(0);
    const ids = (where: string) => raw.prepare(`SELECT id FROM executions WHERE ${where} ORDER BY id`).pluck().all();
    expect(ids(`"$.status" = 'SUCCESS'`)).toEqual(['e00001', 'e00002', 'e00003']);
    expect(ids(`"$.taskId" = 'moved'`)).toEqual(['e00004', 'e00005']);
    expect(ids(`"$.status" = 'RUNNING' AND id <= 'e00006'`)).toEqual(['e00000', 'e00006']);
  });

  it('leaves a document written at a later position as it is, whether its indexed fields would change or not', async () => {
    await apply(replace([7], { status: 'SUCCESS', n: 1 }));
    const stored = raw.prepare(`SELECT doc, pos FROM executions WHERE id = 'e00007'`).get();
    // Redelivered from before the stored write: the position guard refuses both kinds of replacement.
    await apply([...replace([7], { status: 'FAILED' }, 1), ...replace([7], { status: 'SUCCESS', n: 5 }, 2)]);
    expect(raw.prepare(`SELECT doc, pos FROM executions WHERE id = 'e00007'`).get()).toEqual(stored);
    expect(stale()).toBe(0);
  });
});
