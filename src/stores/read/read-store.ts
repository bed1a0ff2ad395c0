/**
 * The ReadStore port: named collections of JSON documents, written only through applyBatch together
 * with the writer's checkpoint. Adapters: embedded SQLite (sqlite-read-store.ts) and MongoDB
 * (mongo-read-store.ts). Both pass test/stores/read-store-contract.ts.
 */
import { ValidationError } from '../../errors/app-error';
import type { Position } from '../events/event-store';

export type Doc = Record<string, unknown> & { id: string };

export interface IndexSpec {
  /** Dotted field paths with direction, e.g. [['taskId', 1], ['scheduledAt', -1]]. */
  fields: Array<[string, 1 | -1]>;
  unique?: boolean;
}

export interface CollectionSpec {
  name: string;
  indexes: IndexSpec[];
  /**
   * Indexes built later, by a call that declares them in `indexes` (a rebuild fills a fresh table first:
   * a store builds an index over a full table much faster than it maintains it row by row). The store
   * may prepare for them now: SQLite gives their fields columns at once, so documents are written with
   * them instead of every row being rewritten per column when the indexes come.
   */
  deferredIndexes?: IndexSpec[];
}

export type Scalar = string | number | boolean | null;

/** A small, Mongo-like filter language that both adapters translate natively. */
export type FieldCondition =
  | Scalar
  | { $eq?: Scalar; $ne?: Scalar; $in?: Scalar[]; $gt?: Scalar; $gte?: Scalar; $lt?: Scalar; $lte?: Scalar; $exists?: boolean };
export type Filter = Record<string, FieldCondition>;

export interface FindQuery {
  filter?: Filter;
  /** Sort keys; `id` is always appended as the final tie-breaker so keyset pagination is total. */
  sort?: Array<[string, 1 | -1]>;
  limit?: number;
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor?: string;
  /** Also return the number of documents matching the filter (ignoring cursor and limit). */
  count?: boolean;
  /** Skip this many documents (for the compatibility page/page_size API; prefer cursors). */
  skip?: number;
}

export interface FindResult<T extends Doc = Doc> {
  items: T[];
  /** Present when there may be more documents after this page. */
  nextCursor?: string;
  total?: number;
}

export type WriteOperation =
  | { op: 'upsert'; collection: string; id: string; doc: Doc }
  /** Sets the given (dotted) fields, creating the document with `id` when missing. */
  | { op: 'set'; collection: string; id: string; fields: Record<string, unknown> }
  /** Adds to numeric fields (missing fields count as 0); `setOnInsert` fields are written only on creation. */
  | { op: 'inc'; collection: string; id: string; fields: Record<string, number>; setOnInsert?: Record<string, unknown> }
  | { op: 'delete'; collection: string; id: string }
  | { op: 'deleteMany'; collection: string; filter: Filter };

/** An operation stamped with the position of the event that produced it (for idempotent redelivery). */
export type PositionedOperation = WriteOperation & { position: Position };

export interface Checkpoint {
  name: string;
  position: Position;
}

/** A lease record in `_meta` (the leader lease, src/leadership/leader-lease.ts). */
export interface LeaseRecord {
  holder: string;
  /** Fencing token: grows with every change of holder (every new term). */
  token: number;
  /** Epoch milliseconds by the store's own clock. */
  expiresAt: number;
}

export interface ReadStore {
  ensureCollection(spec: CollectionSpec): Promise<void>;
  dropCollection(name: string): Promise<void>;
  listCollections(): Promise<string[]>;
  get<T extends Doc = Doc>(collection: string, id: string): Promise<T | null>;
  find<T extends Doc = Doc>(collection: string, query?: FindQuery): Promise<FindResult<T>>;
  count(collection: string, filter?: Filter): Promise<number>;
  /**
   * Applies the operations and stores the checkpoint atomically (or, on MongoDB, idempotently:
   * an operation whose position is not newer than the document's last applied position changes nothing).
   */
  applyBatch(operations: PositionedOperation[], checkpoint: Checkpoint): Promise<void>;
  /**
   * Marks a bulk load under way (a rebuild filling a generation nothing reads yet) until the function
   * returned is called; loads may overlap. Meanwhile a store may trade steady write latency for
   * throughput (the embedded one checkpoints its WAL less often, and copies it on another thread at the end).
   */
  beginBulkLoad(): () => Promise<void>;
  getCheckpoint(name: string): Promise<Position | null>;
  deleteCheckpoint(name: string): Promise<void>;
  /** Small key/value records outside projections (projection registry, leases). */
  getMeta<T>(key: string): Promise<T | null>;
  setMeta<T>(key: string, value: T): Promise<void>;
  /**
   * Atomically replaces a meta record if it still holds `expected` (null: if it does not exist).
   * Returns whether it did. (The leader lease uses acquireLease, which decides by the store's clock.)
   */
  compareAndSetMeta<T>(key: string, expected: T | null, next: T): Promise<boolean>;
  /**
   * In one atomic step, by the STORE's clock (never the caller's): renews the lease `key` when the
   * record still names `holder` (same token, even if it lapsed: nobody else held it meanwhile; raised to
   * `minToken` if below), takes it when it is free or another holder's has lapsed (token one more than
   * before, and at least `minToken`), and otherwise leaves it. Every lease ends `ttlMs` after the
   * store's now. Answers the record as it stands afterwards, whoever holds it.
   */
  acquireLease(key: string, holder: string, ttlMs: number, minToken?: number): Promise<LeaseRecord>;
  /** Lets the lease lapse at once if `holder` holds it (a clean handover). */
  releaseLease(key: string, holder: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The arguments every adapter's acquireLease refuses alike. */
export function validateLease(key: string, holder: string, ttlMs: number, minToken: number): void {
  if (typeof key !== 'string' || key.length === 0) throw new ValidationError('A lease key must be a non-empty string');
  if (typeof holder !== 'string' || holder.length === 0) throw new ValidationError('A lease holder must be a non-empty string');
  if (!Number.isSafeInteger(ttlMs) || ttlMs < 0) throw new ValidationError(`Invalid lease duration ${String(ttlMs)}`);
  if (!Number.isSafeInteger(minToken) || minToken < 1) throw new ValidationError(`Invalid lease token ${String(minToken)}`);
}

