/**
 * The EventStore port. Adapters: embedded SQLite (sqlite-event-store.ts) and EventStoreDB
 * (esdb-event-store.ts). Both pass test/stores/event-store-contract.ts.
 */
import type { ChainReport, VerifyChainOptions } from './event-chain';

/** Global position in `$all`: strictly increasing, compared as numbers, sent over JSON as a decimal string. */
export type Position = number;

/** 0-based revision of the last event in a stream, or 'no_stream' when it has none. */
export type StreamRevision = number | 'no_stream';

export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

export interface EventMetadata {
  eventId: string;
  /** ISO-8601 instant from the injected clock. */
  occurredAt: string;
  /** user id, API key id, or `system:<manager>`. */
  actor: string;
  correlationId: string;
  causationId: string;
  schemaVersion: number;
}

export interface NewEvent<Type extends string = string, Data = unknown> {
  type: Type;
  data: Data;
  metadata: EventMetadata;
}

export interface RecordedEvent<Type extends string = string, Data = unknown> extends NewEvent<Type, Data> {
  streamId: string;
  revision: number;
  position: Position;
}

/**
 * Brings a stored event to the shape current code reads (src/events/event-upcasting.ts). Every adapter
 * applies it where a stored row becomes a RecordedEvent, so every reader (projections, process
 * managers, deciders, audit, live feeds) sees current shapes only. It costs a version check for an
 * event already current. A store opened without one returns events exactly as stored.
 */
export interface EventUpcaster {
  upcast(event: RecordedEvent): RecordedEvent;
}

export interface AppendResult {
  /** Revision of the last appended event. */
  nextExpectedRevision: number;
  /** Position of the last appended event. */
  position: Position;
  /**
   * Set when an earlier append of the same idempotent request already stored this append's events:
   * nothing was appended now, and the earlier events span `replayedFrom`..`nextExpectedRevision`.
   */
  replayedFrom?: number;
}

/**
 * One append of a request sent with an Idempotency-Key. The store records it atomically with the
 * events; a second append with the same scope, stream and step appends nothing and answers the first
 * one's result. The same scope with another request hash is refused (IdempotencyConflictError).
 */
export interface IdempotentAppend {
  /** The request: caller, method, path and key, hashed. */
  scope: string;
  /** The request's content, hashed. */
  requestHash: string;
  /** Which append to this stream within the request (1 for the first), so a request may append to a stream twice. */
  step: number;
}

export interface AppendOptions {
  idempotency?: IdempotentAppend;
  /**
   * The leader lease's fencing token (src/leadership): the append is refused with
   * StaleFencingTokenError, in the same transaction, when a newer token has been granted; a newer
   * token than any seen raises the fence. Every process manager's write carries one.
   */
  fencingToken?: number;
}

/** How long an idempotent request's record and answer are kept, by the store's clock. */
export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;

/** The stored HTTP answer of an idempotent request. */
export interface IdempotentAnswer {
  requestHash: string;
  status: number;
  body: unknown;
}

/** Where an earlier append of an idempotent request put its events. */
export interface EarlierAppend {
  fromRevision: number;
  toRevision: number;
  position: Position;
}

/**
 * Idempotent requests' records, kept by the event store next to the events they caused so that they
 * survive restarts and every instance over the store sees them. Records older than IDEMPOTENCY_TTL_MS
 * by the store's clock are ignored and removed.
 */
export interface IdempotencyRecords {
  /** The request's stored answer, if any. */
  answer(scope: string): Promise<IdempotentAnswer | null>;
  /** Throws IdempotencyConflictError when the append was made by a request with another body. */
  earlierAppend(stream: string, append: IdempotentAppend): Promise<EarlierAppend | null>;
  /** Stores the answer once; a request's first stored answer stays. */
  saveAnswer(answer: IdempotentAnswer & { scope: string }): Promise<void>;
}

/** Events whose stream id starts with one of the prefixes (e.g. `task-`, `execution-`). */
export interface StreamFilter {
  streamPrefixes: string[];
  /**
   * Categories (`executionlog-`) whose events the reader needs by stream, type and position only: a
   * store may hand them over with `data` null instead of reading and parsing it (a log batch's lines are
   * most of the bytes of a history). The embedded store leaves it out when it reads from SQL; a store
   * may always send it.
   */
  withoutData?: string[];
  /**
   * The reader never looks at `metadata` but for `schemaVersion` (which upcasting needs): a store may
   * hand events over with `metadata` holding that alone (null when the event has none). The embedded
   * store does when it reads from SQL; a store may always send the whole of it.
   */
  withoutMetadata?: boolean;
}

/** A long read of `$all`: a replay from `after` through a position the caller knows, page by page. */
export interface ReadPagesOptions {
  /** Read events strictly after this position; undefined or null = from the beginning. */
  after?: Position | null;
  /** The last position read (inclusive). */
  through: Position;
  filter?: StreamFilter;
  /** At most this many events a page (default 500). */
  pageSize?: number;
}

export interface ReadStreamOptions {
  /** Revision to start from (inclusive). Default: start for forwards, end for backwards. */
  fromRevision?: number | 'start' | 'end';
  direction?: 'forwards' | 'backwards';
  maxCount?: number;
}

export interface ReadAllOptions {
  /** Read events strictly after this position; undefined or null = from the beginning. */
  after?: Position | null;
  filter?: StreamFilter;
  maxCount?: number;
}

/** Which stored events `readStored` returns: one project's streams (as `verifyChain` decides them), by occurredAt. */
export interface ReadStoredOptions {
  project: string;
  /** Events that occurred at or after this instant. */
  from?: Date;
  /** Events that occurred before this instant. */
  to?: Date;
}

/**
 * One event exactly as stored, before any upcasting, with its link in its stream's hash chain
 * (event-chain.ts): what an audit export carries, since the hash covers the stored bytes.
 */
export interface StoredEvent {
  position: Position;
  stream: string;
  revision: number;
  type: string;
  /** As stored (its stored schemaVersion's shape); the stored text itself when it is not JSON (altered). */
  data: unknown;
  /** As stored, without the chain's own field. */
  metadata: Record<string, unknown>;
  /** Lowercase hex hash of the stream's previous stored event; null for the first of its chain. */
  previousHash: string | null;
  /** Null for an event stored before the chain began. */
  hash: string | null;
}

export interface SubscribeOptions {
  /** Deliver events strictly after this checkpoint; null = from the beginning. */
  after: Position | null;
  filter?: StreamFilter;
  /** Largest batch handed to the subscriber at once. */
  maxBatch?: number;
  /**
   * Called with a position the engine has searched up to without finding further matching events
   * (EventStoreDB's filtered-subscription checkpoints). It is called between batches, only once every
   * event before it has been delivered and the consumer has asked for the next batch, so a consumer may
   * save it as its checkpoint: a subscription restarted with `after` set to it re-reads nothing before it.
   * Engines that filter in their own query never need it and may never call it.
   */
  onCheckpoint?: (position: Position) => void | Promise<void>;
}

/**
 * A catch-up subscription: yields batches in global order, first what is stored after the checkpoint,
 * then live events, with no gap and no duplicate. Pull-based: a slow consumer only delays itself.
 */
export interface Subscription extends AsyncIterable<RecordedEvent[]> {
  close(): Promise<void>;
}

/** What a reader has yet to read (EventStore.behind): one cheap query, never a scan of the whole log. */
export interface Behind {
  /** Application events after `position`, or null when the engine cannot count them cheaply (EventStoreDB). */
  events: number | null;
  /** `metadata.occurredAt` of the oldest application event after `position`; null when caught up. */
  oldestUnreadAt: string | null;
}

export interface EventStore {
  append(stream: string, events: NewEvent[], expected: ExpectedRevision, options?: AppendOptions): Promise<AppendResult>;
  readonly idempotency: IdempotencyRecords;
  /** Throws StreamNotFoundError for an unknown stream, StreamDeletedError for a tombstoned one. */
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /**
   * The events readAll would give, from `after` through `through`, in order and page by page, each page
   * non-empty. A store may read the next pages ahead (on another thread) while the caller works on one;
   * a caller that stops early ends the read.
   */
  readAllPages(options: ReadPagesOptions): AsyncIterable<RecordedEvent[]>;
  subscribeToAll(options: SubscribeOptions): Subscription;
  /** Tombstone: the stream can never be appended to again. */
  deleteStream(stream: string, expected?: ExpectedRevision, options?: Pick<AppendOptions, 'fencingToken'>): Promise<void>;
  /**
   * Raises the fence to `token`, the fencing token a new leader was just granted, before it acts:
   * from then on writes carrying an older token are refused. Refused itself (StaleFencingTokenError)
   * when a newer token already raised it.
   */
  raiseFence(token: number): Promise<void>;
  /** Position of the newest event in `$all` (null when empty). */
  headPosition(): Promise<Position | null>;
  /** How far a reader that has processed everything up to `position` (null: nothing) is behind. */
  behind(position: Position | null): Promise<Behind>;
  /** Cheap liveness probe for /health. */
  ping(): Promise<void>;
  /** Events this store has received from its engine since it opened (every read and subscription delivery, before any filtering here). */
  eventsPulled(): number;
  /**
   * Walks the stored events and checks each one's link in its stream's hash chain (event-chain.ts):
   * the first broken link, or how many events were proven.
   */
  verifyChain(options?: VerifyChainOptions): Promise<ChainReport>;
  /**
   * One project's stored events in `$all` order, in pages, as stored and with their chain links (audit
   * export). Ends at the head as it was when the read began, so an export is one instant's history.
   */
  readStored(options: ReadStoredOptions): AsyncIterable<StoredEvent[]>;
  close(): Promise<void>;
}

export const MAX_EVENT_BYTES = 1024 * 1024;

/** A fencing token is a lease term: a positive integer. */
export function isFencingToken(token: unknown): token is number {
  return Number.isSafeInteger(token) && (token as number) > 0;
}

/** Whether a stream now at `actual` satisfies an append's expected revision (every adapter decides alike). */
export function expectedRevisionMatches(expected: ExpectedRevision, actual: StreamRevision): boolean {
  return (
    expected === 'any' ||
    (expected === 'no_stream' && actual === 'no_stream') ||
    (expected === 'stream_exists' && actual !== 'no_stream') ||
    expected === actual
  );
}
