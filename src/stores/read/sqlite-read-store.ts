/**
 * The embedded ReadStore: `DATA_DIR/read.db` (separate from events.db), better-sqlite3 in WAL mode.
 *
 * - One table per collection: `(id TEXT PRIMARY KEY, doc TEXT JSON, pos INTEGER)`, where `pos` is the
 *   position of the last operation applied to the document (the same redelivery rule as on MongoDB).
 * - Each declared index field has a column `"$.a.b"` = `json_extract(doc, '$."a"."b"')` (stored and kept
 *   in step by the writes, or generated in tables made before: sqlite-table-writes.ts) with a real index
 *   on it; `id` ends every non-unique index so keyset pages are answered from the index.
 *   Fields without an index still work through json_extract.
 * - `_checkpoints(name, position)` and `_meta(key, value)` hold projection checkpoints and small records.
 * - applyBatch runs every operation and the checkpoint in ONE transaction: all or nothing.
 *
 * better-sqlite3 is synchronous; the methods are async only to fit the port.
 */
import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { UnavailableError, ValidationError } from '../../errors/app-error';
import { toAppError } from './sqlite-read-errors';
import { SqliteBulkLoads, WAL_SIZE_LIMIT_BYTES } from './sqlite-bulk-loads';
import { leaveCheckpointsToThread, WalCheckpoints } from './sqlite-wal-checkpoints';
import { applyOps, type CollectionStep, type DocWrite, opsAfter, planBatch, unguarded } from './batch-plan';
import { encodeCursor } from './cursor';
import { countSql, planFind } from './sqlite-find-plan';
import { validateCollectionName } from './field-path';
import { CollectionColumns, filterSql, quoteIdent, type SqlValue } from './filter-sql';
import { fieldColumnsOf, TableWrites } from './sqlite-table-writes';
import { createCollectionTable, declareCollection } from './sqlite-collection-schema';
import { validateIndexes } from './index-spec';
import { normalizeFilter } from './query';
import type { Checkpoint, CollectionSpec, Doc, Filter, FindQuery, FindResult, LeaseRecord, PositionedOperation, ReadStore } from './read-store';
import { validateLease } from './read-store';
import type { Position } from '../events/event-store';

export interface SqliteReadStoreOptions {
  file: string;
  /**
   * NORMAL by default: in WAL mode a crash loses nothing and the read models can always be rebuilt from
   * the events, so read.db does not pay FULL's fsync per transaction (events.db does).
   */
  synchronous?: 'OFF' | 'NORMAL' | 'FULL';
  /** A bulk load that ends with at least this much WAL has it copied by the checkpoint thread (sqlite-bulk-loads.ts). */
  backgroundCheckpointMinBytes?: number;
}

/**
 * SQLite's page cache per connection, at most (filled only as pages are read). Its default, 2 MiB, holds
 * few of a large table's index pages: a stats rebuild at 1M executions of 100,000 tasks, whose bucket
 * ids land all over their index, ran about 10% faster with 64 MiB (bench: `read-side`).
 */
const PAGE_CACHE_MIB = 64;
/**
 * Helper threads SQLite's sorter may start for one statement: CREATE INDEX sorts its keys in parallel.
 * A rebuild builds its indexes at the end (generation-worker.ts), and the seven of the history at 1M
 * executions took 8.1–8.5 s with one helper against 10.2–11.1 s without (more helpers gained nothing
 * on two cores).
 */
const SORTER_THREADS = Math.min(availableParallelism() - 1, 2);
/** Another process (the projections CLI) may hold the write lock for a moment. */
const BUSY_TIMEOUT_MS = 5000;
/** Statements are cached by their SQL text; filters of one shape reuse one statement. */
const STATEMENT_CACHE_LIMIT = 500;
export class SqliteReadStore implements ReadStore {
  private readonly statements = new Map<string, Database.Statement>();
  /** Collection tables seen so far and their indexed fields. */
  private readonly collections = new Map<string, CollectionColumns>();
  /** Write statements by collection (sqlite-table-writes.ts). */
  private readonly writes = new Map<string, TableWrites>();
  private readonly bulkLoads: SqliteBulkLoads;
  private readonly checkpoints: WalCheckpoints;

  private constructor(
    private readonly db: Database.Database,
    file: string,
    backgroundCheckpointMinBytes: number,
  ) {
    this.checkpoints = new WalCheckpoints(file, BUSY_TIMEOUT_MS);
    this.bulkLoads = new SqliteBulkLoads(db, this.checkpoints, backgroundCheckpointMinBytes);
  }

  static open({ file, synchronous = 'NORMAL', backgroundCheckpointMinBytes = WAL_SIZE_LIMIT_BYTES }: SqliteReadStoreOptions): SqliteReadStore {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const db = new Database(file);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${synchronous}`);
      db.pragma(`cache_size = -${PAGE_CACHE_MIB * 1024}`);
      db.pragma(`threads = ${SORTER_THREADS}`);
      leaveCheckpointsToThread(db);
      db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      db.exec(`
        CREATE TABLE IF NOT EXISTS _checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS _meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      `);
    } catch (err) {
      db.close();
      throw new UnavailableError(`Cannot open the read store ${file}: ${(err as Error).message}`);
    }
    return new SqliteReadStore(db, file, backgroundCheckpointMinBytes);
  }

  async ensureCollection(spec: CollectionSpec): Promise<void> {
    validateCollectionName(spec.name);
    const indexes = validateIndexes(spec.indexes);
    const deferred = validateIndexes(spec.deferredIndexes);
    this.run(() => this.db.transaction(() => declareCollection(this.db, spec.name, indexes, deferred)).immediate());
    this.forgetSchema();
  }

  async dropCollection(name: string): Promise<void> {
    validateCollectionName(name);
    this.run(() => this.db.exec(`DROP TABLE IF EXISTS ${quoteIdent(name)}`));
    this.forgetSchema();
  }

  async listCollections(): Promise<string[]> {
    const rows = this.statement(
      `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name`,
    ).all() as Array<{ name: string }>;
    return rows.map((r) => r.name);
  }

  async get<T extends Doc = Doc>(collection: string, id: string): Promise<T | null> {
    validateCollectionName(collection);
    if (!this.columns(collection)) return null;
    const row = this.statement(`SELECT doc FROM ${quoteIdent(collection)} WHERE id = ?`).get(id) as { doc: string } | undefined;
    return row ? (JSON.parse(row.doc) as T) : null;
  }

  async find<T extends Doc = Doc>(collection: string, query: FindQuery = {}): Promise<FindResult<T>> {
    const plan = planFind(collection, query, (name) => this.columns(name));
    if (!plan.columns) return query.count ? { items: [], total: 0 } : { items: [] };
    const items: T[] = [];
    if (plan.select) {
      for (const row of this.statement(plan.select.sql).all(...plan.select.params) as Array<{ doc: string }>) {
        items.push(JSON.parse(row.doc) as T);
      }
    }
    const result: FindResult<T> = { items };
    if (plan.limit !== undefined && items.length > plan.limit) {
      items.length = plan.limit;
      result.nextCursor = encodeCursor(plan.sort, items[items.length - 1]!);
    }
    if (query.count) result.total = this.countWhere(plan.columns, plan.filter);
    return result;
  }

  /**
   * The query plan SQLite chooses for a find (EXPLAIN QUERY PLAN details), to check that declared
   * indexes serve a query; tests and diagnostics only.
   */
  explainFind(collection: string, query: FindQuery = {}): string[] {
    const plan = planFind(collection, query, (name) => this.columns(name));
    if (!plan.select) return [];
    const rows = this.db.prepare(`EXPLAIN QUERY PLAN ${plan.select.sql}`).all(...plan.select.params) as Array<{ detail: string }>;
    return rows.map((r) => r.detail);
  }

  async count(collection: string, filter?: Filter): Promise<number> {
    validateCollectionName(collection);
    const comparisons = normalizeFilter(filter);
    const columns = this.columns(collection);
    return columns ? this.countWhere(columns, comparisons) : 0;
  }

  async applyBatch(operations: PositionedOperation[], checkpoint: Checkpoint): Promise<void> {
    // Everything is validated and merged before the transaction starts.
    const plan = planBatch(operations, checkpoint);
    try {
      this.run(() =>
        this.db.transaction(() => {
          for (const [collection, steps] of plan) this.applySteps(collection, steps);
          this.statement(
            'INSERT INTO _checkpoints (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position',
          ).run(checkpoint.name, checkpoint.position);
        }).immediate(),
      );
    } catch (err) {
      // A table created inside the rolled-back transaction is gone again.
      this.forgetSchema();
      throw err;
    }
    if (!this.bulkLoads.loading) this.checkpoints.committed();
  }

  beginBulkLoad(): () => Promise<void> {
    const end = this.bulkLoads.begin();
    return () =>
      end().catch((err: unknown) => {
        throw toAppError(err);
      });
  }

  /**
   * Resolves once the WAL copies asked of the checkpoint thread so far (by commits, and by ended bulk
   * loads) are done; rejects if the last one failed. Nothing needs to wait for them; benchmarks and tests do.
   */
  checkpointed(): Promise<void> {
    return this.checkpoints.copied();
  }

  async getCheckpoint(name: string): Promise<Position | null> {
    const row = this.statement('SELECT position FROM _checkpoints WHERE name = ?').get(name) as { position: number } | undefined;
    return row ? row.position : null;
  }

  async deleteCheckpoint(name: string): Promise<void> {
    this.run(() => this.statement('DELETE FROM _checkpoints WHERE name = ?').run(name));
  }

  async getMeta<T>(key: string): Promise<T | null> {
    const row = this.statement('SELECT value FROM _meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as T) : null;
  }

  async setMeta<T>(key: string, value: T): Promise<void> {
    const json = metaJson(key, value);
    this.run(() =>
      this.statement('INSERT INTO _meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, json),
    );
  }

  async compareAndSetMeta<T>(key: string, expected: T | null, next: T): Promise<boolean> {
    const json = metaJson(key, next);
    const result = this.run(() =>
      expected === null
        ? this.statement('INSERT INTO _meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING').run(key, json)
        : this.statement('UPDATE _meta SET value = ? WHERE key = ? AND value = ?').run(json, key, metaJson(key, expected)),
    );
    return result.changes === 1;
  }

  async acquireLease(key: string, holder: string, ttlMs: number, minToken = 1): Promise<LeaseRecord> {
    validateLease(key, holder, ttlMs, minToken);
    // One statement: SQLite's 'now' is fixed for its whole run, and it is the clock of the host that has
    // the file, the same for every instance sharing it.
    const now = `CAST(unixepoch('subsec') * 1000 AS INTEGER)`;
    const upsert = `INSERT INTO _meta (key, value) VALUES (@key, json_object('holder', @holder, 'token', max(1, @minToken), 'expiresAt', ${now} + @ttlMs))
      ON CONFLICT (key) DO UPDATE SET value = json_object(
        'holder', @holder,
        'token', CASE WHEN value ->> 'holder' = @holder THEN max(value ->> 'token', @minToken)
                      ELSE max(coalesce(value ->> 'token', 0) + 1, @minToken) END,
        'expiresAt', ${now} + @ttlMs)
      WHERE value ->> 'holder' = @holder OR coalesce(value ->> 'expiresAt', 0) <= ${now}`;
    const row = this.run(() =>
      this.db
        .transaction(() => {
          this.statement(upsert).run({ key, holder, ttlMs, minToken });
          return this.statement('SELECT value FROM _meta WHERE key = ?').get(key) as { value: string };
        })
        .immediate(),
    );
    return JSON.parse(row.value) as LeaseRecord;
  }

  async releaseLease(key: string, holder: string): Promise<void> {
    this.run(() =>
      this.statement(`UPDATE _meta SET value = json_set(value, '$.expiresAt', 0) WHERE key = ? AND value ->> 'holder' = ?`).run(key, holder),
    );
  }

  async ping(): Promise<void> {
    this.run(() => this.statement('SELECT 1').get());
  }

  async close(): Promise<void> {
    // Closed at once otherwise: some callers close without waiting, then open the file again.
    const checkpointsClosed = this.checkpoints.close();
    if (checkpointsClosed) await checkpointsClosed;
    if (!this.db.open) return;
    this.statements.clear();
    this.writes.clear();
    // Lets SQLite refresh the statistics its planner uses for the generated-column indexes, on a
    // bounded sample so that closing a large store stays quick.
    this.db.pragma('analysis_limit = 400');
    this.db.pragma('optimize');
    this.db.close();
  }

  // ---- writes ------------------------------------------------------------------------------------

  private applySteps(collection: string, steps: CollectionStep[]): void {
    const columns = this.columns(collection) ?? this.createTable(collection);
    const table = quoteIdent(collection);
    // Documents this batch has written, whose later steps take no position guard (see batch-plan.ts).
    // One step (no deleteMany in the batch) lists each document once: nothing to remember across steps.
    const written = steps.length > 1 ? new Set<string>() : null;
    for (const step of steps) {
      if (step.kind === 'deleteMany') {
        const params: SqlValue[] = [];
        const where = filterSql(step.filter, columns, params);
        // Documents written after the deleteMany's position (a redelivered batch) are spared.
        this.statement(`DELETE FROM ${table} WHERE ${where} AND pos <= ?`).run(...params, step.position);
        continue;
      }
      for (const doc of step.docs) {
        let wrote = written?.has(doc.id) ?? false;
        for (const write of doc.writes) {
          if (this.applyDocWrite(collection, wrote ? unguarded(write) : write)) wrote = true;
        }
        if (wrote) written?.add(doc.id);
      }
    }
  }

  /** Applies one document's merged write; answers whether the document was changed. */
  private applyDocWrite(collection: string, write: DocWrite): boolean {
    const merged = write.merged;
    const writes = this.tableWrites(collection);
    // The fast paths need no read: the position guard sits in the statement.
    switch (merged.kind) {
      case 'delete':
        return writes.deleteGuarded(write.id, write.guard);
      case 'replace':
        if (writes.replaceGuarded(write.id, JSON.stringify(merged.doc), write.position, write.guard)) return true;
        break;
      case 'update':
        if (writes.updateInPlace(write, merged)) return true;
    }
    // Creating, catching up after a partial redelivery, or failing: read, apply the operations one by
    // one in JavaScript (the reference semantics), write.
    const row = writes.select(write.id);
    const ops = row && row.pos >= write.guard ? opsAfter(write, row.pos) : write.ops;
    if (ops.length === 0) return false;
    const next = applyOps(row ? (JSON.parse(row.doc) as Doc) : null, write.id, ops);
    if (next) {
      writes.write(write.id, JSON.stringify(next), write.position);
      return true;
    }
    if (!row) return false;
    writes.deleteRow(write.id);
    return true;
  }

  /** The collection's write statements, for its columns as they are now (forgotten with the schema). */
  private tableWrites(collection: string): TableWrites {
    let writes = this.writes.get(collection);
    if (!writes) {
      writes = new TableWrites(this.db, collection, fieldColumnsOf(this.db, collection).stored);
      this.writes.set(collection, writes);
    }
    return writes;
  }

  /** A batch may write to a collection nobody declared; it gets a table without indexes. */
  private createTable(collection: string): CollectionColumns {
    createCollectionTable(this.db, collection);
    const columns = new CollectionColumns(collection, new Set());
    this.collections.set(collection, columns);
    return columns;
  }

  // ---- reads -------------------------------------------------------------------------------------

  private countWhere(columns: CollectionColumns, filter: ReturnType<typeof normalizeFilter>): number {
    const { sql, params } = countSql(columns, filter);
    return (this.statement(sql).get(...params) as { n: number }).n;
  }

  // ---- schema and statements ---------------------------------------------------------------------

  /** The collection's columns, or null when its table does not exist (reads then find nothing). */
  private columns(collection: string): CollectionColumns | null {
    const known = this.collections.get(collection);
    if (known) return known;
    // Not known to exist: look again, another process may have created it.
    const exists = this.statement(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?`).get(collection);
    const columns = exists ? new CollectionColumns(collection, fieldColumnsOf(this.db, collection).indexed) : null;
    if (columns) this.collections.set(collection, columns);
    return columns;
  }

  private forgetSchema(): void {
    this.collections.clear();
    this.statements.clear();
    this.writes.clear();
  }

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      if (this.statements.size >= STATEMENT_CACHE_LIMIT) this.statements.clear();
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** Runs store work, turning SQLite's failures into the application's errors. */
  private run<T>(work: () => T): T {
    try {
      return work();
    } catch (err) {
      throw toAppError(err);
    }
  }
}

function metaJson(key: string, value: unknown): string {
  if (typeof key !== 'string' || key.length === 0) throw new ValidationError('A meta key must be a non-empty string');
  const json = JSON.stringify(value);
  if (json === undefined) throw new ValidationError(`Meta ${key}: the value is not JSON`);
  return json;
}
