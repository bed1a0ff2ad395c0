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
 */
import Database from 'better-sqlite3';
import { firstValueFrom, merge, type Observable, Subject } from 'rxjs';
import { UnavailableError, ValidationError } from '../../errors/app-error';
import {
  EventTooLargeError,
  StreamDeletedError,
  StreamNotFoundError,
  WrongExpectedRevisionError,
} from '../../errors/store-errors';
import {
  type AppendOptions,
  type AppendResult,
  type Behind,
  type EventStore,
  type EventUpcaster,
  type IdempotencyRecords,
  type ExpectedRevision,
  isFencingToken,
  MAX_EVENT_BYTES,
  type NewEvent,
  type Position,
  type ReadAllOptions,
  type ReadStoredOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StoredEvent,
  type StreamFilter,
  type StreamRevision,
  type SubscribeOptions,
  type Subscription,
} from './event-store';
import { type EventRow, openEventDatabase, SELECT_STREAM_STATE, type StreamState } from './event-database';
import { EventWriter, type SerializedEvent, type WriteRequest, type WriteResult } from './event-writer';
import { ThreadedEventWriter } from './threaded-event-writer';
import { RecentEvents } from './recent-events';
import { IdempotencyReads } from './idempotency-table';
import { type ChainReport, canonicalJson, type VerifyChainOptions } from './event-chain';
import { verifySqliteChain } from './sqlite-chain-audit';
import { readSqliteStored } from './sqlite-stored-events';
import { categoryOf, validateStreamName } from './stream-names';

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
}

/**
 * behind() counts the events after a position along the primary key, about 0.2 s per million: up to
 * this many it counts, beyond it answers that it cannot count cheaply (null), as EventStoreDB always does.
 */
export const BEHIND_COUNT_LIMIT = 1_000_000;

const DEFAULT_POLL_INTERVAL_MS = 50;
const DEFAULT_MAX_BATCH = 500;
/** How many just-committed events stay parsed in memory for subscribers (see recent-events.ts). */
const RECENT_EVENTS = 10_000;
/** How far behind the head a reader may be for another connection's commits to be read into the recent events. */
const RECENT_REFILL = 2_000;

/**
 * Every read joins each event to its stream's name. CROSS JOIN makes SQLite walk the events first (in
 * the index the query names) and look the name up by id, whatever its estimates say.
 */
const SELECT_EVENTS = 'SELECT e.position, s.name, e.revision, e.type, e.data, e.metadata FROM events e';
const JOIN_STREAM = 'CROSS JOIN streams s ON s.id = e.stream_id';
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
    const store = new SqliteEventStore(db, options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS, options.now ?? Date.now, readEvent(options.upcaster), (committed) =>
      options.writerThread
        ? new ThreadedEventWriter({ file: options.file, synchronous, chain }, committed)
        : inProcessWrites(new EventWriter(db, committed, { chain })),
    );
    if (!chain) store.serializeJson = JSON.stringify;
    store.behindCountLimit = options.behindCountLimit ?? BEHIND_COUNT_LIMIT;
    return store;
  }

  private readonly writes: Writes;
  /** Fires after every commit of this store's writes, and when the poller sees another connection's commit. */
  private readonly changes$ = new Subject<void>();
  private readonly subscriptions = new Set<SqliteSubscription>();
  private poller: NodeJS.Timeout | undefined;
  private lastDataVersion = 0;
  private closed = false;
  /** Canonical JSON, which the chain hashes as stored; plain JSON.stringify when chaining is off. */
  private serializeJson: (value: unknown) => string | undefined = canonicalJson;
  private behindCountLimit = BEHIND_COUNT_LIMIT;

  private readonly selectStreamState;
  private readonly readForwards;
  private readonly readBackwards;
  private readonly selectHead;
  private readonly selectBehind;
  private readonly selectDataVersion;
  private readonly recent: RecentEvents;
  readonly idempotency: IdempotencyRecords;
  /** Event rows read from the database (eventsPulled): the filters are in the SQL, so only matching ones. */
  private pulled = 0;
  /** readAll's statements, one per shape of filter. */
  private readonly readAllStatements = new Map<string, Database.Statement>();

  private constructor(
    private readonly db: Database.Database,
    private readonly pollIntervalMs: number,
    private readonly now: () => number,
    /** Every stored row becomes a RecordedEvent here: reads and the recent events alike. */
    private readonly toEvent: (row: EventRow) => RecordedEvent,
    openWrites: (committed: (results: WriteResult[]) => void) => Writes,
  ) {
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
    const limit = validateCount(options.maxCount);
    const state = this.selectStreamState.get(stream);
    if (state?.deleted) throw new StreamDeletedError(stream);
    if (state?.revision == null) throw new StreamNotFoundError(stream);
    const forwards = direction === 'forwards';
    const from = options.fromRevision ?? (forwards ? 'start' : 'end');
    const fromRevision = from === 'start' ? 0 : from === 'end' ? (forwards ? state.revision + 1 : state.revision) : from;
    const statement = forwards ? this.readForwards : this.readBackwards;
    const rows = statement.all(state.id, fromRevision, limit);
    this.pulled += rows.length;
    return rows.map(this.toEvent);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const after = options.after ?? null;
    validatePosition(after);
    return this.readAfter(after, options.filter, validateCount(options.maxCount));
  }

  subscribeToAll(options: SubscribeOptions): Subscription {
    this.assertOpen();
    const filter = options.filter;
    const maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
    // Reject bad options now rather than on the first pull.
    validatePosition(options.after);
    if (!Number.isSafeInteger(maxBatch) || maxBatch < 1) throw new ValidationError(`Invalid maxBatch ${String(maxBatch)}`);
    if (filter) normalizePrefixes(filter);
    const subscription = new SqliteSubscription(
      options.after,
      (after) => this.readAfterWithProgress(after, filter, maxBatch),
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
    return this.pulled;
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

  private readAfter(after: Position | null, filter: StreamFilter | undefined, limit: number): RecordedEvent[] {
    return this.readAfterWithProgress(after, filter, limit).events;
  }

  /** Also says up to where it looked: past events a filter skipped, when the recent events could answer. */
  private readAfterWithProgress(after: Position | null, filter: StreamFilter | undefined, limit: number): { events: RecordedEvent[]; through: Position | null } {
    const prefixes = filter ? normalizePrefixes(filter) : [];
    const accept = prefixes.length === 0 ? null : (event: RecordedEvent) => prefixes.some((prefix) => event.streamId.startsWith(prefix));
    const recent = this.recent.after(after, accept, limit) ?? this.readOthersCommits(after, accept, limit);
    if (recent) return recent;
    const events = this.readFromSql(after, prefixes, limit);
    return { events, through: events.at(-1)?.position ?? after };
  }

  /**
   * Events committed by another connection (this store's thread is not their writer: the projection
   * thread reads what the HTTP thread's writer commits), read once and unfiltered into the recent events
   * when the reader is near the head, instead of once for every subscriber and its filter. Only a run
   * of positions without gaps is kept (the cache finds events by position); otherwise SQL answers.
   */
  private readOthersCommits(
    after: Position | null,
    accept: ((event: RecordedEvent) => boolean) | null,
    limit: number,
  ): { events: RecordedEvent[]; through: Position } | null {
    if (after === null) return null;
    const head = this.selectHead.get() ?? null;
    if (head === null || head <= after || head - after > RECENT_REFILL) return null;
    const span = this.recent.span();
    const contiguous = span !== null && span.first <= after + 1 && span.last >= after && span.last < head;
    const from = contiguous ? span.last : after;
    const events = this.query(`${SELECT_EVENTS} ${JOIN_STREAM} WHERE e.position > ? ORDER BY e.position LIMIT ?`, [from, head - from]);
    if (events.length === 0 || events.some((event, i) => event.position !== from + 1 + i)) return null;
    this.recent.committed(events);
    return this.recent.after(after, accept, limit);
  }

  private readFromSql(after: Position | null, prefixes: string[], limit: number): RecordedEvent[] {
    const ranges = prefixes.map(prefixRange);
    if (ranges.length === 0) {
      const sql = `${SELECT_EVENTS} ${JOIN_STREAM} WHERE e.position > ? ORDER BY e.position LIMIT ?`;
      return this.query(sql, [after ?? 0, limit]);
    }
    if (ranges.length === 1) {
      const [range] = ranges;
      return this.query(
        `${SELECT_EVENTS} INDEXED BY ${range.index} ${JOIN_STREAM} WHERE e.position > ? AND ${range.sql} ORDER BY e.position LIMIT ?`,
        [after ?? 0, ...range.params, limit],
      );
    }
    // One ordered, limited range of positions per prefix, each from its index alone, merged by SQLite;
    // only then are the first `limit` events read. (Merging whole rows read and sorted every prefix's
    // events, large log batches included, and threw most away: 8x slower for the history projection.)
    // The prefixes were made disjoint, so UNION ALL never yields an event twice.
    const params: Array<string | number> = [];
    const parts = ranges.map((range) => {
      params.push(after ?? 0, ...range.params, limit);
      return `SELECT * FROM (SELECT e.position FROM events e INDEXED BY ${range.index}
        WHERE e.position > ? AND ${range.sql} ORDER BY e.position LIMIT ?)`;
    });
    params.push(limit);
    const positions = `SELECT position FROM (${parts.join(' UNION ALL ')}) ORDER BY position LIMIT ?`;
    return this.query(`${SELECT_EVENTS} ${JOIN_STREAM} WHERE e.position IN (${positions}) ORDER BY e.position`, params);
  }

  private query(sql: string, params: Array<string | number>): RecordedEvent[] {
    let statement = this.readAllStatements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql).raw();
      this.readAllStatements.set(sql, statement);
    }
    const rows = statement.all(...params) as EventRow[];
    this.pulled += rows.length;
    return rows.map(this.toEvent);
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

/**
 * Reads `$all` after its checkpoint from SQL on every pull, so each subscriber goes at its own pace and
 * live events arrive the same way as stored ones: no gap, no duplicate, whatever races the switch.
 */
class SqliteSubscription implements Subscription {
  private closed = false;
  private readonly closing$ = new Subject<void>();

  constructor(
    private after: Position | null,
    private readonly readAfter: (after: Position | null) => { events: RecordedEvent[]; through: Position | null },
    private readonly changes$: Observable<void>,
    private readonly onClose: (subscription: SqliteSubscription) => void,
    private readonly onCheckpoint?: (position: Position) => void | Promise<void>,
  ) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<RecordedEvent[]> {
    try {
      while (!this.closed) {
        const { events: batch, through } = this.readAfter(this.after);
        const skipped = through !== this.after;
        this.after = through;
        if (batch.length > 0) {
          yield batch;
          continue;
        }
        // Only recent events the filter skipped: the consumer may save how far that is.
        if (skipped && through !== null) await this.onCheckpoint?.(through);
        // Subscribing happens synchronously right after the synchronous read, and commits run in
        // their own macrotask, so no commit can slip in between unnoticed.
        await firstValueFrom(merge(this.changes$, this.closing$), { defaultValue: undefined });
      }
    } finally {
      await this.close();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.closing$.next();
    this.closing$.complete();
    this.onClose(this);
  }
}

/** Where this store's writes go: this connection, or the writer thread (threaded-event-writer.ts). */
interface Writes {
  submit(request: WriteRequest): Promise<WriteResult>;
  readonly commitCount: number;
  /** Whether writes were submitted whose outcome this store has not been told yet. */
  readonly inFlight: boolean;
  /** Commits and answers everything submitted. */
  close(): Promise<void>;
}

function inProcessWrites(writer: EventWriter): Writes {
  return {
    submit: (request) => writer.submit(request),
    get commitCount() {
      return writer.commitCount;
    },
    // In-process, a write's events are known the moment it commits.
    inFlight: false,
    close: async () => writer.flushNow(),
  };
}

function serialize(stream: string, event: NewEvent, json: (value: unknown) => string | undefined): SerializedEvent {
  if (typeof event?.type !== 'string' || event.type.length === 0) {
    throw new ValidationError(`An event for stream ${stream} has no type`);
  }
  const data = json(event.data);
  const metadata = json(event.metadata);
  if (data === undefined || metadata === undefined) {
    throw new ValidationError(`Event ${event.type} for stream ${stream}: data and metadata must be JSON values`);
  }
  // UTF-8 needs at most 3 bytes per UTF-16 code unit, so most events skip counting bytes.
  const chars = event.type.length + data.length + metadata.length;
  if (chars * 3 > MAX_EVENT_BYTES) {
    const bytes = Buffer.byteLength(event.type) + Buffer.byteLength(data) + Buffer.byteLength(metadata);
    if (bytes > MAX_EVENT_BYTES) throw new EventTooLargeError(stream, bytes, MAX_EVENT_BYTES);
  }
  return { type: event.type, data, metadata };
}

function readEvent(upcaster: EventUpcaster | undefined): (row: EventRow) => RecordedEvent {
  return upcaster ? (row) => upcaster.upcast(toRecordedEvent(row)) : toRecordedEvent;
}

function toRecordedEvent([position, streamId, revision, type, data, metadata]: EventRow): RecordedEvent {
  return { streamId, revision, position, type, data: JSON.parse(data), metadata: JSON.parse(metadata) };
}

function validateExpectedRevision(expected: ExpectedRevision): void {
  if (expected === 'any' || expected === 'no_stream' || expected === 'stream_exists') return;
  if (!Number.isSafeInteger(expected) || expected < 0) {
    throw new ValidationError(`Invalid expected revision ${String(expected)}`);
  }
}

function validateFencingToken(token: number | undefined): void {
  if (token !== undefined && !isFencingToken(token)) throw new ValidationError(`Invalid fencing token ${String(token)}`);
}

/** Positions travel as decimal strings; one that was not parsed back would compare as text in SQL. */
function validatePosition(position: Position | null): void {
  if (position !== null && !Number.isSafeInteger(position)) {
    throw new ValidationError(`Invalid position ${String(position)}`);
  }
}

/** A count or undefined (no limit, which SQLite spells LIMIT -1). */
function validateCount(count: number | undefined): number {
  if (count === undefined) return -1;
  if (!Number.isSafeInteger(count) || count < 0) throw new ValidationError(`Invalid count ${String(count)}`);
  return count;
}

/**
 * Drops duplicates and prefixes extended by another one (`task-` covers `task-42`), so the remaining
 * prefixes match disjoint sets of streams. An empty prefix matches everything: no filter at all.
 */
function normalizePrefixes(filter: StreamFilter): string[] {
  if (filter.streamPrefixes.length === 0) throw new ValidationError('A stream filter needs at least one prefix');
  const unique = [...new Set(filter.streamPrefixes)];
  if (unique.includes('')) return [];
  return unique.filter((prefix) => !unique.some((other) => other !== prefix && prefix.startsWith(other)));
}

/**
 * The SQL condition for streams starting with `prefix`, and the index to serve it with (SQLite has no
 * statistics to choose by). `category-`, the application's filter, is one range of the category index,
 * already in position order. A longer prefix (a stream, or a few) is a range of the stream index, sorted
 * by position: small, since it selects few streams. A prefix without `-` (`task` also matches
 * `taskgroup-…`) is a range of categories, sorted too: fine for the rare caller.
 */
function prefixRange(prefix: string): { sql: string; params: string[]; index: string } {
  const dash = prefix.indexOf('-');
  if (dash === prefix.length - 1) {
    return { sql: 'e.category = ?', params: [prefix.slice(0, dash)], index: 'events_by_category' };
  }
  if (dash > 0) {
    const streams = 'SELECT id FROM streams WHERE name >= ? AND name < ?';
    return { sql: `e.stream_id IN (${streams})`, params: [prefix, successor(prefix)], index: 'events_by_stream' };
  }
  return { sql: 'e.category >= ? AND e.category < ?', params: [prefix, successor(prefix)], index: 'events_by_category' };
}

/** The smallest string greater than every string starting with `prefix` (stream names are ASCII). */
function successor(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}
