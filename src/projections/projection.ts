import type { RecordedEvent, StreamFilter } from '../stores/events/event-store';
import type { CollectionSpec, Doc, WriteOperation } from '../stores/read/read-store';

/** Read access for a projection while it handles a batch: sees the batch's own pending writes. */
export interface ProjectionReader {
  /** A copy of the document as the batch has it, the projection's to change or keep. */
  get<T extends Doc = Doc>(collection: string, id: string): Promise<T | null>;
  /**
   * The batch's own document, not a copy, to change and write back (upsert or delete) among the
   * operations of the same event. Reading it again before that is an error.
   */
  getForUpdate<T extends Doc = Doc>(collection: string, id: string): Promise<T | null>;
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
  handle(event: RecordedEvent, reader: ProjectionReader): WriteOperation[] | Promise<WriteOperation[]>;
}
