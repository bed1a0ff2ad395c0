/**
 * The embedded EventStore adapter: one SQLite file (`DATA_DIR/events.db`) through better-sqlite3.
 *
 * Durability: WAL with synchronous=FULL by default, so an acknowledged append survives power loss;
 * NORMAL only survives a process crash. Concurrent appends are group-committed (event-writer.ts,
 * group-commit.ts), on this connection or, with `writerThread`, on a writer thread's own connection.
 * Other processes may use the same file: they see new events by polling, and while one of them holds
 * the write lock a commit here waits for it (busy_timeout, blocking the writing thread), then fails
 * with UnavailableError.
 *
 * Tombstones: a deleted stream can never be appended to or read again, but the events it had stay in
 * `$all` (readAll and subscriptions keep returning them) so the audit trail and projection rebuilds
 * are unchanged. EventStoreDB behaves the same until a scavenge; projections must react to the domain's
 * own deletion events, never to a stream disappearing.
 *
 * Reads of `$all`: sqlite-all-reads.ts, by the filter's prefixes (sqlite-prefix-ranges.ts); subscriptions:
 * sqlite-subscription.ts; events to rows and back: sqlite-event-rows.ts; argument checks: event-arguments.ts.
 */
import Database from 'better-sqlite3';
import { Subject } from 'rxjs';
import { UnavailableError, ValidationError } from '../../errors/app-error';
import {
  StreamDeletedError,
  StreamNotFoundError,
} from '../../errors/store-errors';
import {
  type AppendOptions,
  type AppendResult,
  type Behind,
  type EventStore,
  type EventUpcaster,
  type IdempotencyRecords,
  type ExpectedRevision,
  type NewEvent,
  type Position,
  type ReadAllOptions,
  type ReadPagesOptions,
  type ReadStoredOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StoredEvent,
  type StreamFilter,
  type SubscribeOptions,
  type Subscription,
} from './event-store';
import { type EventRow, openEventDatabase, SELECT_STREAM_STATE, type StreamState } from './event-database';
import { type EventWrites, EventWriter, inProcessWrites, type WriteResult } from './event-writer';
import { ThreadedEventWriter } from './threaded-event-writer';
import { RecentEvents } from './recent-events';
import { IdempotencyReads } from './idempotency-table';
import { type ChainReport, canonicalJson, type VerifyChainOptions } from './event-chain';
import { verifySqliteChain } from './sqlite-chain-audit';
import { readSqliteStored } from './sqlite-stored-events';
import { categoryOf, validateStreamName } from './stream-names';
import { categoriesWithoutData, pageReadArguments, validateCount, validateExpectedRevision, validateFencingToken, validatePosition } from './event-arguments';
import { JOIN_STREAM, readEvent, readPage, SELECT_EVENTS, serialize } from './sqlite-event-rows';
import { pagedReadAll } from './paged-read-all';
import { readAhead } from './sqlite-read-ahead';
import { normalizePrefixes } from './sqlite-prefix-ranges';
import { SqliteSubscription } from './sqlite-subscription';
import { SqliteAllReads } from './sqlite-all-reads';

export interface SqliteEventStoreOptions {
  file: string;
  /** FULL (default) survives power loss; NORMAL survives a process crash and commits much faster. */
  synchronous?: 'FULL' | 'NORMAL';
  /** How often subscribers check for events committed by other processes on the same file. */
  pollIntervalMs?: number;
  /**
   * Append through a writer thread with its own connection (the server does), so that commits and
   * their fsync never block this thread; reads stay on this thread's connection.
   */
  writerThread?: boolean;
  /**
   * The store's clock (ms), which idempotency records are stamped and expired by. Every process
   * sharing the file runs on its host, so the host's clock is the store's clock; tests inject one.
   */
  now?: () => number;
  /** Brings every event read to its current shape (see EventUpcaster); without one, events are read as stored. */
  upcaster?: EventUpcaster;
  /** Whether appends extend the hash chain (default); only the benchmark turns it off, to measure its cost. */
  chain?: boolean;
  /** behind() counts at most this many events (default BEHIND_COUNT_LIMIT); further behind, it answers null. */
  behindCountLimit?: number;
  /** readAllPages reads ahead on a thread of its own over at least this many positions (default READ_AHEAD_FROM). */
  readAheadFrom?: number;
}

/**
 * behind() counts the events after a position along the primary key, about 0.2 s per million: up to
 * this many it counts, beyond it answers that it cannot count cheaply (null), as EventStoreDB always does.
 */
export const BEHIND_COUNT_LIMIT = 1_000_000;

/** A shorter read than this (in positions) costs less on this thread than starting a thread to read ahead. */
export const READ_AHEAD_FROM = 50_000;

const DEFAULT_POLL_INTERVAL_MS = 50;
const DEFAULT_MAX_BATCH = 500;
/** SQLite's LIMIT for no limit. */
const NO_LIMIT = -1;
/** How many just-committed events stay parsed in memory for subscribers (see recent-events.ts). */
const RECENT_EVENTS = 10_000;

export interface ConnectionSettings {
  journalMode: string;
  synchronous: 'FULL' | 'NORMAL' | 'OTHER';
  busyTimeoutMs: number;
}

export class SqliteEventStore implements EventStore {
  static open(options: SqliteEventStoreOptions): SqliteEventStore {
    const synchronous = options.synchronous ?? 'FULL';
    const chain = options.chain ?? true;
    const db = openEventDatabase(options.file, synchronous);
    const store = new SqliteEventStore(db, options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS, options.now ?? Date.now, options.upcaster, (committed) =>
      options.writerThread
        ? new ThreadedEventWriter({ file: options.file, synchronous, chain }, committed)
        : inProcessWrites(new EventWriter(db, committed, { chain })),
    );
    if (!chain) store.serializeJson = JSON.stringify;
    store.behindCountLimit = options.behindCountLimit ?? BEHIND_COUNT_LIMIT;
    // An in-memory database is this connection's alone: no other thread can read it.
    if (options.file !== ':memory:' && options.file !== '') store.aheadReads = { file: options.file, from: options.readAheadFrom ?? READ_AHEAD_FROM };
    return store;
  }

  private readonly writes: EventWrites;
  /** Fires after every commit of this store's writes, and when the poller sees another connection's commit. */
  private readonly changes$ = new Subject<void>();
  private readonly subscriptions = new Set<SqliteSubscription>();
  private poller: NodeJS.Timeout | undefined;
  private lastDataVersion = 0;
  private closed = false;
  /** Canonical JSON, which the chain hashes as stored; plain JSON.stringify when chaining is off. */
  private serializeJson: (value: unknown) => string | undefined = canonicalJson;
  private behindCountLimit = BEHIND_COUNT_LIMIT;
  /** Where readAllPages may read ahead on another thread, and from how long a read. */
  private aheadReads: { file: string; from: number } | null = null;
  /** Every stored row becomes a RecordedEvent here: reads and the recent events alike. */
  private readonly toEvent: (row: EventRow) => RecordedEvent;
  /** The same for a page read ahead (rowsJson). */
  private readonly toEvents: (json: string) => RecordedEvent[];

  private readonly selectStreamState;
  private readonly readForwards;
  private readonly readBackwards;
  /**
   * A stream's state and rows in one read transaction: one snapshot for both, and the WAL's read lock
   * taken once, not per statement (its system calls cost about as much as the indexed reads themselves).
   */
  private readonly readStreamRows: (stream: string, forwards: boolean, from: ReadStreamOptions['fromRevision'], limit: number) => EventRow[];
  private readonly selectHead;
  private readonly selectBehind;
  private readonly selectDataVersion;
  private readonly recent: RecentEvents;
  readonly idempotency: IdempotencyRecords;
  /** Event rows readStream read from the database (eventsPulled, with the $all reads'). */
  private pulled = 0;
  private readonly allReads: SqliteAllReads;

  private constructor(
    private readonly db: Database.Database,
    private readonly pollIntervalMs: number,
    private readonly now: () => number,
    upcaster: EventUpcaster | undefined,
    openWrites: (committed: (results: WriteResult[]) => void) => EventWrites,
  ) {
    this.toEvent = readEvent(upcaster);
    this.toEvents = readPage(upcaster);
    this.selectStreamState = db.prepare<[string], StreamState>(SELECT_STREAM_STATE);
    this.readForwards = db
      .prepare<[number, number, number], EventRow>(
        `${SELECT_EVENTS} ${JOIN_STREAM} WHERE e.stream_id = ? AND e.revision >= ? ORDER BY e.revision LIMIT ?`,
      )
      .raw();
    this.readBackwards = db
      .prepare<[number, number, number], EventRow>(
        `${SELECT_EVENTS} ${JOIN_STREAM} WHERE e.stream_id = ? AND e.revision <= ? ORDER BY e.revision DESC LIMIT ?`,
      )
      .raw();
    this.readStreamRows = db.transaction((stream: string, forwards: boolean, fromOption: ReadStreamOptions['fromRevision'], limit: number) => {
      const state = this.selectStreamState.get(stream);
      if (state?.deleted) throw new StreamDeletedError(stream);
      if (state?.revision == null) throw new StreamNotFoundError(stream);
      const from = fromOption ?? (forwards ? 'start' : 'end');
      const fromRevision = from === 'start' ? 0 : from === 'end' ? (forwards ? state.revision + 1 : state.revision) : from;
      return (forwards ? this.readForwards : this.readBackwards).all(state.id, fromRevision, limit);
    });
    this.selectHead = db.prepare<[], number | null>('SELECT max(position) FROM events').pluck();
    // Both over the primary key's range after the position: as cheap as the reader is close to the head.
    this.selectBehind = db.prepare<{ after: number; limit: number }, { events: number; oldestUnreadAt: string | null }>(
      `SELECT (SELECT count(*) FROM (SELECT 1 FROM events WHERE position > @after LIMIT @limit)) AS events,
        (SELECT json_extract(metadata, '$.occurredAt') FROM events WHERE position > @after ORDER BY position LIMIT 1) AS oldestUnreadAt`,
    );
    this.selectDataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
    this.recent = new RecentEvents(RECENT_EVENTS, {
      dataVersion: () => this.selectDataVersion.get()!,
      head: () => this.selectHead.get() ?? null,
      ownWritesInFlight: () => this.writes.inFlight,
    });
    this.allReads = new SqliteAllReads(db, this.recent, this.toEvent);
    this.writes = openWrites((results) => {
      this.recent.committed(results.flatMap((result) => result.recorded.map(this.toEvent)));
      this.changes$.next();
    });
    this.idempotency = this.idempotencyRecords(new IdempotencyReads(db));
  }

  /** Transactions committed by this connection: fewer than appends when group commit is working. */
  get commitCount(): number {
    return this.writes.commitCount;
  }

  connectionSettings(): ConnectionSettings {
    const synchronous = this.db.pragma('synchronous', { simple: true });
    return {
      journalMode: String(this.db.pragma('journal_mode', { simple: true })),
      synchronous: synchronous === 2 ? 'FULL' : synchronous === 1 ? 'NORMAL' : 'OTHER',
      busyTimeoutMs: Number(this.db.pragma('busy_timeout', { simple: true })),
    };
  }

  async append(stream: string, events: NewEvent[], expected: ExpectedRevision, options: AppendOptions = {}): Promise<AppendResult> {
    this.assertOpen();
    validateStreamName(stream);
    validateExpectedRevision(expected);
    validateFencingToken(options.fencingToken);
    // Everything that can be checked without the database is checked before queueing, so an invalid
    // event rejects the whole append and writes nothing.
    const serialized = events.map((event) => serialize(stream, event, this.serializeJson));
    const { idempotency } = options;
    const { nextExpectedRevision, position, replayedFrom } = await this.writes.submit({
      kind: 'append',
      stream,
      category: categoryOf(stream),
      events: serialized,
      expected,
      ...(options.fencingToken !== undefined ? { fencingToken: options.fencingToken } : {}),
      ...(idempotency ? { idempotency, now: this.now() } : {}),
    });
    return replayedFrom === undefined ? { nextExpectedRevision, position } : { nextExpectedRevision, position, replayedFrom };
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    validateStreamName(stream);
    const direction = options.direction ?? 'forwards';
    const limit = validateCount(options.maxCount) ?? NO_LIMIT;
    const rows = this.readStreamRows(stream, direction === 'forwards', options.fromRevision, limit);
    this.pulled += rows.length;
    return rows.map(this.toEvent);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const after = options.after ?? null;
    validatePosition(after);
    return this.allReads.readAfter(after, options.filter, validateCount(options.maxCount) ?? NO_LIMIT).events;
  }

  readAllPages(options: ReadPagesOptions): AsyncIterable<RecordedEvent[]> {
    this.assertOpen();
    const { after, through, filter, pageSize } = pageReadArguments(options);
    validateFilter(filter);
    const ahead = this.aheadReads;
    if (ahead === null || through - (after ?? 0) < ahead.from) return pagedReadAll((read) => this.readAll(read), { after, through, filter, pageSize });
    return readAhead({ file: ahead.file, after, through, filter, pageSize }, (json) => {
      const events = this.toEvents(json);
      this.pulled += events.length;
      return events;
    });
  }

  subscribeToAll(options: SubscribeOptions): Subscription {
    this.assertOpen();
    const filter = options.filter;
    const maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
    // Reject bad options now rather than on the first pull.
    validatePosition(options.after);
    if (!Number.isSafeInteger(maxBatch) || maxBatch < 1) throw new ValidationError(`Invalid maxBatch ${String(maxBatch)}`);
    validateFilter(filter);
    const subscription = new SqliteSubscription(
      options.after,
      (after) => this.allReads.readAfter(after, filter, maxBatch),
      this.changes$,
      (closed) => this.forget(closed),
      options.onCheckpoint,
    );
    this.subscriptions.add(subscription);
    this.startPolling();
    return subscription;
  }

  async deleteStream(stream: string, expected: ExpectedRevision = 'any', options: Pick<AppendOptions, 'fencingToken'> = {}): Promise<void> {
    this.assertOpen();
    validateStreamName(stream);
    validateExpectedRevision(expected);
    validateFencingToken(options.fencingToken);
    await this.writes.submit({ kind: 'delete', stream, expected, ...(options.fencingToken !== undefined ? { fencingToken: options.fencingToken } : {}) });
  }

  async raiseFence(token: number): Promise<void> {
    this.assertOpen();
    validateFencingToken(token);
    await this.writes.submit({ kind: 'fence', fencingToken: token });
  }

  async headPosition(): Promise<Position | null> {
    this.assertOpen();
    return this.selectHead.get() ?? null;
  }

  async behind(position: Position | null): Promise<Behind> {
    this.assertOpen();
    const { events, oldestUnreadAt } = this.selectBehind.get({ after: position ?? 0, limit: this.behindCountLimit + 1 })!;
    return { events: events > this.behindCountLimit ? null : events, oldestUnreadAt };
  }

  async ping(): Promise<void> {
    this.assertOpen();
    this.selectHead.get();
  }

  eventsPulled(): number {
    return this.pulled + this.allReads.pulled;
  }


  async verifyChain(options: VerifyChainOptions = {}): Promise<ChainReport> {
    this.assertOpen();
    return verifySqliteChain(this.db, options);
  }

  readStored(options: ReadStoredOptions): AsyncIterable<StoredEvent[]> {
    this.assertOpen();
    return readSqliteStored(this.db, options);
  }

  /** Commits the appends already accepted, ends every subscription, then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writes.close();
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    this.changes$.complete();
    this.db.close();
  }

  private idempotencyRecords(reads: IdempotencyReads): IdempotencyRecords {
    return {
      answer: async (scope) => {
        this.assertOpen();
        return reads.answer(scope, this.now());
      },
      earlierAppend: async (stream, append) => {
        this.assertOpen();
        return reads.earlierAppend(stream, append, this.now());
      },
      saveAnswer: async ({ scope, requestHash, status, body }) => {
        this.assertOpen();
        await this.writes.submit({ kind: 'answer', scope, requestHash, status, body: JSON.stringify(body) ?? 'null', now: this.now() });
      },
    };
  }

  /**
   * Other processes' commits are invisible to this process's notifications; `PRAGMA data_version`
   * changes whenever another connection commits, so one timer per store checks it while anyone listens.
   */
  private startPolling(): void {
    if (this.poller) return;
    this.lastDataVersion = this.selectDataVersion.get()!;
    this.poller = setInterval(() => {
      const version = this.selectDataVersion.get()!;
      if (version === this.lastDataVersion) return;
      this.lastDataVersion = version;
      this.changes$.next();
    }, this.pollIntervalMs);
    this.poller.unref();
  }

  private forget(subscription: SqliteSubscription): void {
    this.subscriptions.delete(subscription);
    if (this.subscriptions.size === 0 && this.poller) {
      clearInterval(this.poller);
      this.poller = undefined;
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new UnavailableError('The event store is closed');
  }
}

/** Rejects a filter no read could serve, before any read (the reads check it again as they use it). */
function validateFilter(filter: StreamFilter | undefined): void {
  if (!filter) return;
  normalizePrefixes(filter);
  categoriesWithoutData(filter);
}
