/**
 * The embedded event store's file: opening a connection with the settings every connection needs, the
 * schema, and the row shapes the reader (sqlite-event-store.ts) and the writer (event-writer.ts) share.
 */
import Database from 'better-sqlite3';

export type Synchronous = 'FULL' | 'NORMAL';

const BUSY_TIMEOUT_MS = 5000;
const WAL_AUTOCHECKPOINT_PAGES = 10_000;

/**
 * `position` is the global position: AUTOINCREMENT so a position is never reused even if rows are
 * deleted one day. Stream names live once in `streams` (which also holds the tombstone); events refer
 * to them by integer id, which keeps the `(stream_id, revision)` index small: every commit rewrites
 * that index's page of each stream it appends to, so its entry size shows in appends/s.
 * `category` (the stream name up to its first `-`) indexed with position serves the usual `$all`
 * filter (`task-`, `execution-`) as one index range already in position order, however large the
 * store grows.
 * `fences` holds the newest fencing token granted to a leader (one row, `leader`): a write carrying an
 * older one is refused inside the transaction that would have stored it (event-writer.ts).
 *
 * `idempotent_appends` records each append made for a request sent with an Idempotency-Key (its
 * scope: caller, route and key, hashed), in the append's transaction: keyed by stream first, so a
 * commit dirties the same few pages as the events' own stream index. `idempotent_answers` holds a
 * request's HTTP answer once known. Both go by `created_at` (ms by the store's clock): records expire
 * after a day, a few at a time as new ones arrive.
 *
 * `hash` is the event's link in its stream's tamper-evident chain (event-chain.ts), NULL only for events
 * stored before the file was upgraded to version 3: `store_facts` keeps the position up to which
 * events may lack one (CHAIN_STARTS_AFTER), so an unhashed event after it reads as a broken link.
 */
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS streams (
    id      INTEGER PRIMARY KEY,
    name    TEXT    NOT NULL UNIQUE,
    deleted INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE IF NOT EXISTS events (
    position  INTEGER PRIMARY KEY AUTOINCREMENT,
    stream_id INTEGER NOT NULL,
    revision  INTEGER NOT NULL,
    category  TEXT    NOT NULL,
    type      TEXT    NOT NULL,
    data      TEXT    NOT NULL,
    metadata  TEXT    NOT NULL,
    hash      BLOB
  );
  CREATE UNIQUE INDEX IF NOT EXISTS events_by_stream ON events (stream_id, revision);
  CREATE INDEX IF NOT EXISTS events_by_category ON events (category, position);
  CREATE TABLE IF NOT EXISTS fences (
    name  TEXT    PRIMARY KEY,
    token INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS idempotent_appends (
    stream_id     INTEGER NOT NULL,
    scope         TEXT    NOT NULL,
    step          INTEGER NOT NULL,
    request_hash  TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    from_revision INTEGER NOT NULL,
    to_revision   INTEGER NOT NULL,
    position      INTEGER NOT NULL,
    PRIMARY KEY (stream_id, scope, step)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS idempotent_appends_by_age ON idempotent_appends (created_at);
  CREATE TABLE IF NOT EXISTS idempotent_answers (
    scope        TEXT    PRIMARY KEY,
    request_hash TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    status       INTEGER NOT NULL,
    body         TEXT    NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS idempotent_answers_by_age ON idempotent_answers (created_at);
  CREATE TABLE IF NOT EXISTS store_facts (
    name  TEXT    PRIMARY KEY,
    value INTEGER NOT NULL
  ) WITHOUT ROWID;
`;
const SCHEMA_VERSION = 3;

/** The position of the last event stored before the chain began: 0 in a file created with it. */
export const CHAIN_STARTS_AFTER = 'chain_starts_after';

/** An event as stored: JSON still as text. */
export type EventRow = [position: number, stream: string, revision: number, type: string, data: string, metadata: string];

/** A stream's row; none for a name never written nor deleted. */
export interface StreamState {
  id: number;
  /** Revision of the last event, null when the stream has none. */
  revision: number | null;
  deleted: 0 | 1;
}

export const SELECT_STREAM_STATE = `SELECT id, deleted, (SELECT max(revision) FROM events WHERE stream_id = streams.id) AS revision
  FROM streams WHERE name = ?`;

export const LEADER_FENCE = 'leader';

/** Opens (and creates, the first time) the file with WAL, the durability asked for and a busy timeout. */
export function openEventDatabase(file: string, synchronous: Synchronous): Database.Database {
  const db = new Database(file);
  try {
    // busy_timeout first: switching to WAL takes a lock another process may hold.
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${synchronous}`);
    // Each commit rewrites the index pages of every stream it touches; checkpointing every 1000
    // pages (the default) copied those same pages back to the database over and over. A larger WAL
    // lets one checkpoint write a page once for many commits (about 1.5× the appends/s in bench/store.ts).
    db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    db.exec(SCHEMA);
    if (userVersion(db) < SCHEMA_VERSION) upgrade(db);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

function userVersion(db: Database.Database): number {
  return Number(db.pragma('user_version', { simple: true }));
}

/**
 * Version 2 only added tables, which SCHEMA creates in a version-1 file. Version 3 adds the chain's
 * `hash` column and records where the chain begins: events already stored keep no hash (nothing could
 * prove them now), every later one has one. Immediate, so two processes opening an old file upgrade it once.
 */
function upgrade(db: Database.Database): void {
  db.transaction(() => {
    if (userVersion(db) >= SCHEMA_VERSION) return;
    const columns = db.prepare<[], { name: string }>('PRAGMA table_info(events)').all();
    if (!columns.some((column) => column.name === 'hash')) db.exec('ALTER TABLE events ADD COLUMN hash BLOB');
    db.prepare('INSERT OR IGNORE INTO store_facts (name, value) VALUES (?, (SELECT coalesce(max(position), 0) FROM events))').run(CHAIN_STARTS_AFTER);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}
