import { applyOps } from '../stores/read/batch-plan';
import { copyJson } from '../stores/read/copy-json';
import type { Doc, PositionedOperation, ReadStore, WriteOperation } from '../stores/read/read-store';
import type { Position } from '../stores/events/event-store';
import { type Awaitable, type ProjectionReader, thenOrNow } from './projection';
import type { WrittenIds } from './written-ids';

type DocOperation = Exclude<WriteOperation, { op: 'deleteMany' }>;

interface PendingDoc {
  /**
   * What a read must apply over the stored document (logical collection; positions do not matter).
   * After a read it is one upsert or delete: the document as read or made.
   */
  ops: DocOperation[];
  /** Where this document's operations since its last upsert or delete sit in `operations`. */
  indexes: number[];
  /** Handed out by getForUpdate and not yet written back (upsert or delete). */
  lent: boolean;
  /** Added to `written` in this batch: a hot document is written for nearly every event, and each add hashes its id. */
  noted: boolean;
  /**
   * The store held no such document when the batch began (it said so, or `written` knows it never
   * wrote it): a delete that ends its operations leaves nothing to write. A statistics rebuild creates
   * and deletes an in-flight document for nearly every execution within one batch.
   */
  absent: boolean;
}

/** One logical collection's pending documents, and its physical name (asked of `physical` once a batch). */
interface PendingCollection {
  physical: string;
  docs: Map<string, PendingDoc>;
}

/**
 * The batch a worker is building: the operations the projection produced, and reads that see them.
 * `get` answers from the batch's pending operations and the documents it already read, then from the
 * store, with a copy; `getForUpdate` with the batch's own document, which saves copying a large, hot
 * document for every event that changes it. Operations are kept per document and applied (with the
 * read store's own reference semantics, so overlay and store never disagree) only when the projection
 * reads that document: write-only documents such as counters cost no read. deleteMany ends a batch,
 * so it is never pending. Documents are found by collection, then id (no key built per read or write:
 * a rebuild does several of each per event).
 */
export class BatchOverlay implements ProjectionReader {
  private readonly pending = new Map<string, PendingCollection>();
  /** The batch in order, with physical collections; null where a later upsert or delete superseded it. */
  private operations: Array<PositionedOperation | null> = [];
  /** Documents handed out by getForUpdate and not yet written back. */
  private lentCount = 0;

  constructor(
    private readonly store: ReadStore,
    private readonly physical: (collection: string) => string,
    /** Set while the generation holds nothing but what this worker wrote (see written-ids.ts). */
    private readonly written: WrittenIds | null = null,
  ) {}

  get<T extends Doc = Doc>(collection: string, id: string): Awaitable<T | null> {
    try {
      return thenOrNow(this.current<T>(collection, id, false), copyJson);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  getForUpdate<T extends Doc = Doc>(collection: string, id: string): Awaitable<T | null> {
    try {
      return this.current<T>(collection, id, true);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * The batch's own document (not a copy): from its pending operations, else from the store. Answers
   * without a promise when the batch knows it (most reads of a rebuild), which saves two per read.
   */
  private current<T extends Doc>(collection: string, id: string, lend: boolean): T | null | Promise<T | null> {
    const docs = this.collection(collection);
    const entry = docs.docs.get(id);
    if (entry?.lent) throw new Error(`Projection bug: ${collection} ${id} was taken for update and not written back`);
    if (!entry) {
      if (this.written && !this.written.mightHave(collection, id)) return this.keep<T>(docs, collection, id, null, lend);
      return this.store.get<T>(docs.physical, id).then((doc) => this.keep(docs, collection, id, doc, lend));
    }
    const ops = entry.ops;
    const first = ops[0]!;
    // The usual case: a projection reads back what it wrote.
    if (ops.length === 1 && first.op === 'upsert') return this.lendIf(entry, first.doc as T, lend);
    if (ops.length === 1 && first.op === 'delete') return null;
    return this.resolve<T>(docs.physical, collection, id, entry).then((doc) => this.lendIf(entry, doc, lend));
  }

  /**
   * A document read from the store, kept for the rest of the batch: nothing but this batch changes the
   * generation's collections, and a projection reads some documents (a project's zone) for nearly every event.
   */
  private keep<T extends Doc>(docs: PendingCollection, collection: string, id: string, doc: T | null, lend: boolean): T | null {
    const op: DocOperation = doc ? { op: 'upsert', collection, id, doc } : { op: 'delete', collection, id };
    const entry: PendingDoc = { ops: [op], indexes: [], lent: false, noted: false, absent: doc === null };
    docs.docs.set(id, entry);
    return this.lendIf(entry, doc, lend);
  }

  private lendIf<T extends Doc>(entry: PendingDoc, doc: T | null, lend: boolean): T | null {
    if (doc && lend) {
      entry.lent = true;
      this.lentCount++;
    }
    return doc;
  }

  /** A document the batch has field edits of: they are applied over the stored document, or over what the batch made. */
  private async resolve<T extends Doc>(physical: string, collection: string, id: string, entry: PendingDoc): Promise<T | null> {
    const ops = entry.ops;
    const first = ops[0]!;
    // Taken before the read: record() refills the entry's arrays in place.
    const edits = ops.map((op) => ({ ...op, position: 0 }));
    const base = first.op === 'upsert' || first.op === 'delete' ? null : await this.store.get(physical, id);
    const doc = applyOps(base, id, edits);
    // Keep the result as one operation, so the next read does not apply the same operations again.
    entry.ops = [doc === null ? { op: 'delete', collection, id } : { op: 'upsert', collection, id, doc }];
    return doc as T | null;
  }

  /**
   * Adds an operation the projection produced for the event at `position`; `op.collection` is the
   * logical name. The document's pending operations are the positioned ones (one object per operation
   * kept until the batch is taken, not two).
   */
  record(op: WriteOperation, position: Position): void {
    const docs = this.collection(op.collection);
    const stored = positioned(op, docs.physical, position);
    if (stored.op === 'deleteMany') {
      this.operations.push(stored);
      return;
    }
    const entry = docs.docs.get(stored.id);
    if (!entry) {
      const absent = this.written !== null && !this.written.add(op.collection, stored.id);
      docs.docs.set(stored.id, { ops: [stored], indexes: this.push(stored, absent) ? [this.operations.length - 1] : [], lent: false, noted: true, absent });
      return;
    }
    if (!entry.noted) {
      this.written?.add(op.collection, stored.id);
      entry.noted = true;
    }
    if (stored.op === 'upsert' || stored.op === 'delete') {
      if (entry.lent) {
        entry.lent = false;
        this.lentCount--;
      }
      // An upsert or a delete decides the document alone. The store would skip what came before it
      // anyway (its write's guard is this position, see batch-plan.ts), so the batch drops it now
      // rather than carry a hot document's every version to the flush.
      for (const earlier of entry.indexes) this.operations[earlier] = null;
      // A hot document is replaced for nearly every event: its one-element arrays are reused.
      if (entry.ops.length === 1) entry.ops[0] = stored;
      else entry.ops = [stored];
      if (!this.push(stored, entry.absent)) entry.indexes = [];
      else if (entry.indexes.length === 1) entry.indexes[0] = this.operations.length - 1;
      else entry.indexes = [this.operations.length - 1];
    } else {
      this.operations.push(stored);
      entry.ops.push(stored);
      entry.indexes.push(this.operations.length - 1);
    }
  }

  /** Queues the operation for the store, unless it deletes a document the store does not hold; answers whether it queued it. */
  private push(op: PositionedOperation, absent: boolean): boolean {
    if (absent && op.op === 'delete') return false;
    this.operations.push(op);
    return true;
  }

  /** The operations to apply, in order; the overlay starts empty again. */
  take(): PositionedOperation[] {
    if (this.lentCount > 0) throw new Error(`Projection bug: ${this.lentName()} was taken for update and not written back`);
    const operations = this.operations.filter((op): op is PositionedOperation => op !== null);
    this.operations = [];
    this.pending.clear();
    return operations;
  }

  private lentName(): string {
    for (const [collection, { docs }] of this.pending) for (const [id, entry] of docs) if (entry.lent) return `${collection} ${id}`;
    return '';
  }

  private collection(name: string): PendingCollection {
    let docs = this.pending.get(name);
    if (!docs) {
      docs = { physical: this.physical(name), docs: new Map() };
      this.pending.set(name, docs);
    }
    return docs;
  }
}

/**
 * The operation with its physical collection and position, built field by field: spreading the
 * projection's objects of four shapes made V8 copy each one the slow way.
 */
function positioned(op: WriteOperation, collection: string, position: Position): PositionedOperation {
  switch (op.op) {
    case 'upsert':
      return { op: 'upsert', collection, id: op.id, doc: op.doc, position };
    case 'set':
      return { op: 'set', collection, id: op.id, fields: op.fields, position };
    case 'inc':
      return 'setOnInsert' in op
        ? { op: 'inc', collection, id: op.id, fields: op.fields, setOnInsert: op.setOnInsert, position }
        : { op: 'inc', collection, id: op.id, fields: op.fields, position };
    case 'delete':
      return { op: 'delete', collection, id: op.id, position };
    default:
      return { ...op, collection, position };
  }
}
