import type { RecordedEvent, StreamFilter } from '../stores/events/event-store';
import type { CollectionSpec, Doc, WriteOperation } from '../stores/read/read-store';

/** A value now, or later. */
export type Awaitable<T> = T | Promise<T>;

/** `then` that stays synchronous for a value that is there now (no promise, no turn of the microtask queue). */
export function thenOrNow<T, R>(value: Awaitable<T>, next: (value: T) => Awaitable<R>): Awaitable<R> {
  return value instanceof Promise ? value.then(next) : next(value);
}

/**
 * Read access for a projection while it handles a batch: sees the batch's own pending writes. A read
 * the batch can answer comes back as the document itself, not a promise (most reads of a rebuild): a
 * hot path may then go on without awaiting, which saves a turn of the microtask queue and its garbage
 * per read. `await` works on either; a failed read is a rejected promise.
 */
export interface ProjectionReader {
  /** A copy of the document as the batch has it, the projection's to change or keep. */
  get<T extends Doc = Doc>(collection: string, id: string): Awaitable<T | null>;
  /**
   * The batch's own document, not a copy, to change and write back (upsert or delete) among the
   * operations of the same event. Reading it again before that is an error.
   */
  getForUpdate<T extends Doc = Doc>(collection: string, id: string): Awaitable<T | null>;
}

/**
 * A named, versioned consumer of `$all`. `handle` turns one event into read-model writes using the
 * event's data only (never the wall clock), so a rebuild from zero equals the live result.
 * Collections are logical names; the runner maps them to the physical collections of the active generation.
 */
export interface Projection {
  name: string;
  /** Bump when `handle` changes meaning: the runner then rebuilds beside the live generation. */
  version: number;
  collections: CollectionSpec[];
  filter?: StreamFilter;
  /**
   * False when `handle` never reads `event.metadata` (but for upcasting's `schemaVersion`): its reads of
   * `$all` then leave metadata out (StreamFilter.withoutMetadata), about half of what a rebuild parses.
   */
  readsMetadata?: boolean;
  handle(event: RecordedEvent, reader: ProjectionReader): Awaitable<WriteOperation[]>;
}

/**
 * The filter of a projection's reads of `$all`: its own, and without metadata when it reads none. One
 * without a filter reads every stream, whole (a StreamFilter names streams; every projection has one).
 */
export function readFilterOf(projection: Projection): StreamFilter | undefined {
  return projection.readsMetadata === false && projection.filter ? { ...projection.filter, withoutMetadata: true } : projection.filter;
}
