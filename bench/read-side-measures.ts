/**
 * What the read-side and cost-curves benches measure besides query times: files' sizes, the pages in use,
 * how fast a projection's events can merely be read, and a rebuild's ceiling (its rows inserted raw).
 */
import { existsSync, rmSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Projection } from '../src/projections/projection';
import type { SqliteEventStore } from '../src/stores/events/sqlite-event-store';
import { SqliteReadStore } from '../src/stores/read/sqlite-read-store';

/**
 * The ceiling of a rebuild: the rows a projection ended with (`tables` of the rebuilt read.db), inserted
 * in the order the rebuild first wrote them with one plain prepared INSERT each, in transactions of
 * 100,000 rows, into a fresh database that the read store opened (its pragmas) with the same tables and
 * generated columns; then the same secondary indexes are built, as a rebuild builds them at its end.
 * Timed from the first insert to the last index. No JSON is parsed or written: the rows are copied as stored.
 */
export function rawInsertCeiling(sourceFile: string, file: string, tables: string[]): { rows: number; seconds: number; cpuSeconds: number } {
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  const source = new Database(sourceFile, { readonly: true });
  const schema = (type: string, table: string) =>
    (source.prepare(`SELECT sql FROM sqlite_schema WHERE type = ? AND tbl_name = ? AND sql IS NOT NULL ORDER BY rowid`).all(type, table) as Array<{ sql: string }>).map((r) => r.sql);
  // The read store's own pragmas (SqliteReadStore.open), set by opening it.
  void SqliteReadStore.open({ file }).close();
  const target = new Database(file);
  target.pragma('journal_mode = WAL');
  target.pragma('synchronous = NORMAL');
  for (const table of tables) for (const sql of schema('table', table)) target.exec(sql);
  let rows = 0;
  const started = performance.now();
  const cpu = process.cpuUsage();
  for (const table of tables) {
    const insert = target.prepare(`INSERT INTO "${table}" (id, doc, pos) VALUES (?, ?, ?)`);
    const read = (source.prepare(`SELECT id, doc, pos FROM "${table}" ORDER BY rowid`).raw().iterate() as IterableIterator<unknown[]>)[Symbol.iterator]();
    // Rows go from the source straight into the transaction: a batch held in memory was a gigabyte of log chunks.
    const write = target.transaction((): boolean => {
      for (let n = 0; n < 100_000; n++) {
        const next = read.next();
        if (next.done) return false;
        insert.run(next.value);
        rows++;
      }
      return true;
    });
    while (write()) continue;
    for (const sql of schema('index', table)) target.exec(sql);
  }
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  target.close();
  source.close();
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  return { rows, seconds, cpuSeconds: (used.user + used.system) / 1e6 };
}

/** How fast the projection's events can merely be read (pages of 500, as the projection worker reads them). */
export async function readRateOf(events: SqliteEventStore, projection: Projection): Promise<{ count: number; perSecond: number }> {
  let count = 0;
  let after: number | null = null;
  const started = performance.now();
  for (;;) {
    const page = await events.readAll({ after, filter: projection.filter, maxCount: 500 });
    if (page.length === 0) break;
    count += page.length;
    after = page[page.length - 1]!.position;
  }
  return { count, perSecond: count / ((performance.now() - started) / 1000) };
}

export function fileSize(file: string): number {
  let total = 0;
  for (const suffix of ['', '-wal', '-shm']) if (existsSync(file + suffix)) total += statSync(file + suffix).size;
  return total;
}

/**
 * Bytes of the pages that hold data: the file less its free pages. A rebuild writes a new generation of
 * tables and drops the old one; SQLite keeps the freed pages in the file for reuse, so the file's size
 * depends on how many rebuilds ran, while the pages in use depend on the history alone.
 */
export function usedBytes(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    const pages = (db.pragma('page_count', { simple: true }) as number) - (db.pragma('freelist_count', { simple: true }) as number);
    return pages * (db.pragma('page_size', { simple: true }) as number);
  } finally {
    db.close();
  }
}

/** Bytes of the tables (and their indexes) whose names start with a prefix, from SQLite's dbstat. */
export function tableBytes(file: string, prefix: string): number {
  const db = new Database(file, { readonly: true });
  try {
    const row = db
      .prepare(
        `SELECT coalesce(sum(pgsize), 0) AS bytes FROM dbstat WHERE name IN (
           SELECT name FROM sqlite_schema WHERE tbl_name LIKE ? ESCAPE '\\')`,
      )
      .get(`${prefix.replace(/_/g, '\\_')}%`) as { bytes: number };
    return row.bytes;
  } catch {
    return 0;
  } finally {
    db.close();
  }
}
