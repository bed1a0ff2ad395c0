/**
 * `npm run bench -- read-store [--docs 100000] [--batch 5000] [--hot 100]`
 *
 * The embedded read store beside raw better-sqlite3 on the same schema, in the same run and on the same
 * disk: upserts through applyBatch against plain INSERTs in one transaction; increments of existing
 * documents (which the adapter does with json_set in SQL, merged per document within a batch) against
 * one raw json_set UPDATE per operation, for distinct documents and for a few hot counters; status
 * changes replacing documents indexed as executions are against raw UPDATEs of the column that
 * changes; keyset paging against one raw SELECT; small transactions as a live projection commits them
 * (a log chunk and its execution's counts), against the same raw statements, their commits copying the
 * WAL as SQLite's auto-checkpoint does or copying nothing, where the store leaves the copies to its
 * checkpoint thread. The raw figures are otherwise ceilings: their connection copies nothing either.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { PositionedOperation } from '../src/stores/read/read-store';
import { SqliteReadStore } from '../src/stores/read/sqlite-read-store';
import { EXECUTIONS, historyProjection } from '../src/projections/history-projection';
import { CHECKPOINT_AFTER_PAGES } from '../src/stores/read/sqlite-wal-checkpoints';
import { type BenchRow, formatTable } from './report';

interface Settings {
  docs: number;
  batch: number;
  hot: number;
}

const INSERT_CEILING = 'raw INSERT, same batches (ceiling)';
const JSON_SET_INC = 'raw json_set UPDATE per increment, same batches';
const JSON_SET_HOT = 'raw json_set UPDATE per increment of hot docs, same batches';
const READ_CEILING = 'raw SELECT of every row (ceiling)';
const STATUS_CEILING = 'raw UPDATE of doc, pos and the status column, same batches (ceiling)';
/** Status changes are replaced a few per live batch, as executors report them. */
const STATUS_BATCH = 20;
/** Log appends per live transaction: a chunk and its execution's counts each. */
const LIVE_BATCH = 4;
const LIVE_CEILING = `raw chunk INSERT and json_set UPDATE per log append, transactions of ${LIVE_BATCH}, commits copying nothing (ceiling)`;

/** The history projection's executions, with their six indexes: what a status report replaces. */
const EXECUTIONS_SPEC = historyProjection.collections.find((collection) => collection.name === EXECUTIONS)!;

const SPEC = { name: 'executions', indexes: [{ fields: [['taskId', 1], ['scheduledAt', -1]] as Array<[string, 1 | -1]> }] };

export async function readStoreBench(args: string[]): Promise<void> {
  const { docs, batch, hot } = parseArgs(args);
  const dir = mkdtempSync(join(tmpdir(), 'read-store-bench-'));
  try {
    const rows: BenchRow[] = [];
    const store = SqliteReadStore.open({ file: join(dir, 'read.db') });
    await store.ensureCollection(SPEC);
    await store.ensureCollection({ ...SPEC, name: 'raw' });
    await store.ensureCollection({ ...SPEC, name: 'hot' });
    // A second connection writes the raw figures into tables of the very same shape.
    const raw = new Database(join(dir, 'read.db'));
    raw.pragma('synchronous = NORMAL');
    raw.pragma('wal_autocheckpoint = 0');
    try {
      rows.push({ figure: INSERT_CEILING, value: rawInsert(raw, docs, batch), unit: 'docs/s' });
      let position = 0;
      const upserts = (i: number): PositionedOperation => ({ op: 'upsert', collection: 'executions', id: docId(i), doc: makeDoc(i), position: ++position });

      rows.push({
        figure: `applyBatch upserts, batches of ${batch}`,
        value: await rate(docs, () => applyInBatches(store, docs, batch, upserts)),
        unit: 'docs/s',
        baseline: INSERT_CEILING,
      });
      rows.push({ figure: JSON_SET_INC, value: rawJsonSetIncrements(raw, 'raw', docs, docs, batch), unit: 'ops/s' });
      const inc = (i: number): PositionedOperation => ({ op: 'inc', collection: 'executions', id: docId(i), fields: { 'logs.count': 1, attempts: 1 }, position: ++position });
      rows.push({
        figure: `applyBatch inc of existing docs, batches of ${batch}`,
        value: await rate(docs, () => applyInBatches(store, docs, batch, inc)),
        unit: 'ops/s',
        baseline: JSON_SET_INC,
      });
      rows.push({ figure: JSON_SET_HOT, value: rawJsonSetIncrements(raw, 'hot', docs, hot, batch), unit: 'ops/s' });
      const hotInc = (i: number): PositionedOperation => ({
        op: 'inc',
        collection: 'hot',
        id: `stats-${i % hot}`,
        fields: { runs: 1, [`byStatus.${i % 3 ? 'SUCCESS' : 'FAILED'}`]: 1 },
        setOnInsert: { taskId: `t${i % hot}` },
        position: ++position,
      });
      rows.push({
        figure: `applyBatch inc of ${hot} hot docs (merged), batches of ${batch}`,
        value: await rate(docs, () => applyInBatches(store, docs, batch, hotInc)),
        unit: 'ops/s',
        baseline: JSON_SET_HOT,
      });

      rows.push(...(await statusReplacements(store, raw, docs, () => ++position)));
      rows.push(...(await liveTransactions(store, raw, docs, () => ++position)));

      rows.push({ figure: READ_CEILING, value: rawSelect(raw, docs), unit: 'docs/s' });
      rows.push({
        figure: 'find, keyset pages of 100 by an indexed sort',
        value: await rate(docs, () => walk(store, 100)),
        unit: 'docs/s',
        baseline: READ_CEILING,
      });
    } finally {
      raw.close();
      await store.close();
    }
    console.log(formatTable(`Read store, ${docs.toLocaleString('en-US')} documents of ~${JSON.stringify(makeDoc(0)).length} bytes, ${tmpdir()}`, rows));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Status changes (RUNNING, then SUCCESS) of a tenth of the documents in a collection indexed as the
 * history's executions are, replaced whole as the projection does, against raw UPDATEs that set the
 * document and the one index column that changes. SQLite rewrites the entry of every index over a
 * column an UPDATE sets, even to its old value, so setting all six would write three times the pages.
 */
async function statusReplacements(store: SqliteReadStore, raw: Database.Database, docs: number, next: () => number): Promise<BenchRow[]> {
  await store.ensureCollection({ ...EXECUTIONS_SPEC, name: 'statuses' });
  await store.ensureCollection({ ...EXECUTIONS_SPEC, name: 'rawstatuses' });
  const executionDoc = (i: number, status: string) => {
    const doc = makeDoc(i);
    return { ...doc, createdAt: doc.scheduledAt, status };
  };
  for (const collection of ['statuses', 'rawstatuses']) {
    await applyInBatches(store, docs, 5000, (i) => ({ op: 'upsert', collection, id: docId(i), doc: executionDoc(i, 'PENDING'), position: next() }));
  }
  const changes = Math.floor(docs / 10);
  // Spread over the collection, as reports of many executions are.
  const changed = (k: number) => (k * 7919) % docs;
  const update = raw.prepare(`UPDATE rawstatuses SET doc = ?, pos = ?, "$.status" = ? WHERE id = ?`);
  let rawPosition = 0;
  const ceiling = await rate(2 * changes, () => {
    for (const status of ['RUNNING', 'SUCCESS']) {
      inTransactions(raw, changes, STATUS_BATCH, (k) => update.run(JSON.stringify(executionDoc(changed(k), status)), ++rawPosition, status, docId(changed(k))));
    }
  });
  const replaced = await rate(2 * changes, async () => {
    for (const status of ['RUNNING', 'SUCCESS']) {
      await applyInBatches(store, changes, STATUS_BATCH, (k) => ({ op: 'upsert', collection: 'statuses', id: docId(changed(k)), doc: executionDoc(changed(k), status), position: next() }));
    }
  });
  return [
    { figure: STATUS_CEILING, value: ceiling, unit: 'docs/s' },
    { figure: `applyBatch status replacements (6 indexes), batches of ${STATUS_BATCH}`, value: replaced, unit: 'docs/s', baseline: STATUS_CEILING },
  ];
}

/**
 * A fifth of the documents' worth of log appends in transactions of LIVE_BATCH, each a new chunk and an
 * increment of its execution's counts, as the history projection commits them while executors report:
 * the store's commits leave the WAL to its checkpoint thread; raw ones either copy nothing (the ceiling)
 * or copy it past 1,000 pages on the committing thread, as SQLite's auto-checkpoint (the store's before) does.
 */
async function liveTransactions(store: SqliteReadStore, raw: Database.Database, docs: number, next: () => number): Promise<BenchRow[]> {
  for (const name of ['livechunks', 'rawchunks']) await store.ensureCollection({ name, indexes: [] });
  const appends = Math.floor(docs / 5);
  const executionOf = (k: number) => docId((k * 7919) % docs);
  const chunk = (k: number) => ({ id: `c-${String(k).padStart(8, '0')}`, executionId: executionOf(k), firstSeq: k, lines: [{ message: `line ${k} `.repeat(20), level: 'info' }] });
  const insert = raw.prepare('INSERT INTO rawchunks (id, doc, pos) VALUES (?, ?, ?)');
  const count = raw.prepare(`UPDATE raw SET doc = json_set(doc, '$.n', coalesce(json_extract(doc, '$.n'), 0) + 1), pos = ? WHERE id = ?`);
  const rawAppends = (first: number) =>
    inTransactions(raw, appends, LIVE_BATCH, (i) => {
      const k = first + i;
      insert.run(chunk(k).id, JSON.stringify(chunk(k)), k);
      count.run(k, executionOf(k));
    });
  // Neither side times the other's copies.
  await store.checkpointed();
  const ceiling = rawAppends(appends);
  raw.pragma('wal_checkpoint(PASSIVE)');
  raw.pragma(`wal_autocheckpoint = ${CHECKPOINT_AFTER_PAGES}`);
  const copying = rawAppends(2 * appends);
  raw.pragma('wal_autocheckpoint = 0');
  // The store's documents of `executions` mirror those of `raw`, which the raw statements counted in.
  const applied = await rate(appends, async () => {
    for (let from = 0; from < appends; from += LIVE_BATCH) {
      const ops: PositionedOperation[] = [];
      for (let k = from; k < Math.min(appends, from + LIVE_BATCH); k++) {
        const position = next();
        ops.push({ op: 'upsert', collection: 'livechunks', id: chunk(k).id, doc: chunk(k), position });
        ops.push({ op: 'inc', collection: 'executions', id: executionOf(k), fields: { n: 1 }, position });
      }
      await store.applyBatch(ops, { name: 'bench', position: ops[ops.length - 1]!.position });
    }
  });
  return [
    { figure: LIVE_CEILING, value: ceiling, unit: 'appends/s' },
    {
      figure: `raw, the same transactions, each commit past ${CHECKPOINT_AFTER_PAGES} WAL pages copying them (SQLite's auto-checkpoint)`,
      value: copying,
      unit: 'appends/s',
      baseline: LIVE_CEILING,
    },
    {
      figure: `applyBatch, the same transactions (the WAL copied on the checkpoint thread)`,
      value: applied,
      unit: 'appends/s',
      baseline: LIVE_CEILING,
    },
  ];
}

function docId(i: number): string {
  return `e-${String(i).padStart(8, '0')}`;
}

function makeDoc(i: number) {
  return {
    id: docId(i),
    taskId: `task-${i % 500}`,
    projectId: 'project-1',
    status: i % 7 ? 'SUCCESS' : 'FAILED',
    scheduledAt: new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString(),
    trigger_type: 'SCHEDULED',
    attempt: 1,
    duration_ms: (i * 37) % 5000,
  };
}

async function rate(count: number, work: () => Promise<void> | void): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return count / (Number(process.hrtime.bigint() - started) / 1e9);
}

async function applyInBatches(store: SqliteReadStore, count: number, batch: number, make: (i: number) => PositionedOperation): Promise<void> {
  for (let from = 0; from < count; from += batch) {
    const ops = Array.from({ length: Math.min(batch, count - from) }, (_, k) => make(from + k));
    await store.applyBatch(ops, { name: 'bench', position: ops[ops.length - 1]!.position });
  }
}

/** Runs `count` statements in transactions of `batch`, like applyBatch does. */
function inTransactions(db: Database.Database, count: number, batch: number, run: (i: number) => void): number {
  const started = process.hrtime.bigint();
  for (let from = 0; from < count; from += batch) {
    db.transaction(() => {
      for (let i = from; i < Math.min(count, from + batch); i++) run(i);
    }).immediate();
  }
  return count / (Number(process.hrtime.bigint() - started) / 1e9);
}

function rawInsert(db: Database.Database, count: number, batch: number): number {
  const insert = db.prepare('INSERT INTO raw (id, doc, pos) VALUES (?, ?, ?)');
  return inTransactions(db, count, batch, (i) => insert.run(docId(i), JSON.stringify(makeDoc(i)), i));
}

/** The SQL-only way to increment: no read into JavaScript, but one UPDATE (and JSON rewrite) per operation. */
function rawJsonSetIncrements(db: Database.Database, table: string, count: number, distinct: number, batch: number): number {
  const inc = db.prepare(
    `INSERT INTO ${table} (id, doc, pos) VALUES (?, json_object('id', ?, 'n', 1), ?)
     ON CONFLICT (id) DO UPDATE SET doc = json_set(doc, '$.n', coalesce(json_extract(doc, '$.n'), 0) + 1), pos = excluded.pos`,
  );
  return inTransactions(db, count, batch, (i) => {
    const id = table === 'raw' ? docId(i % distinct) : `stats-${i % distinct}`;
    inc.run(id, id, i);
  });
}

function rawSelect(db: Database.Database, count: number): number {
  const started = process.hrtime.bigint();
  let n = 0;
  for (const row of db.prepare('SELECT doc FROM executions ORDER BY "$.taskId", "$.scheduledAt" DESC, id DESC').iterate()) {
    JSON.parse((row as { doc: string }).doc);
    n++;
  }
  if (n !== count) throw new Error(`expected ${count} rows, read ${n}`);
  return count / (Number(process.hrtime.bigint() - started) / 1e9);
}

async function walk(store: SqliteReadStore, page: number): Promise<void> {
  let cursor: string | undefined;
  do {
    const result = await store.find('executions', { sort: [['taskId', 1], ['scheduledAt', -1]], limit: page, cursor });
    cursor = result.nextCursor;
  } while (cursor);
}

function parseArgs(args: string[]): Settings {
  const settings: Settings = { docs: 100_000, batch: 5000, hot: 100 };
  for (let i = 0; i < args.length; i += 2) {
    const name = (args[i] ?? '').replace(/^--/, '');
    const value = Number(args[i + 1]);
    if (!(name in settings) || !Number.isSafeInteger(value) || value <= 0) {
      throw new Error(`Unknown or invalid option ${args[i]} ${args[i + 1]}; expected --docs N --batch N --hot N`);
    }
    settings[name as keyof Settings] = value;
  }
  return settings;
}

if (require.main === module) {
  readStoreBench(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
