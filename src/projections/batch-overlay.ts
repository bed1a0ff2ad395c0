import { applyOps } from '../stores/read/batch-plan';
import { copyJson } from '../stores/read/copy-json';
import type { Doc, PositionedOperation, ReadStore, WriteOperation } from '../stores/read/read-store';
import type { Position } from '../stores/events/event-store';
import type { ProjectionReader } from './projection';

type DocOperation = Exclude<WriteOperation, { op: 'deleteMany' }>;

interface PendingDoc {
  /**
   * What a read must apply over the stored document (logical collection; positions do not matter).
   * After a read it is one upsert or delete: the document as read or made.
   */
  ops: DocOperation[];
  /** Where this document's operations since its last upsert or delete sit in `operations`. */
  indexes: number[];
}

/**
 * The batch a worker is building: the operations the projection produced, and reads that see them.
 * `get` answers from the batch's pending operations and the documents it already read, then from the
 * store, with a copy; `getForUpdate` with the batch's own document, which saves copying a large, hot
 * document for every event that changes it. Operations are kept per document and applied (with the
 * read store's own reference semantics, so overlay and store never disagree) only when the projection
 * reads that document: write-only documents such as counters cost no read. deleteMany ends a batch,
 * so it is never pending.
 */
export class BatchOverlay implements ProjectionReader {
  private readonly pending = new Map<string, PendingDoc>();
  /** The batch in order, with physical collections; null where a later upsert or delete superseded it. */
  private operations: Array<PositionedOperation | null> = [];
  /** Documents handed out by getForUpdate and not yet written back (upsert or delete). */
  private readonly lent = new Set<string>();

  constructor(
    private readonly store: ReadStore,
    private readonly physical: (collection: string) => string,
  ) {}

  async get<T extends Doc = Doc>(collection: string, id: string): Promise<T | null> {
    return copyJson(await this.current<T>(collection, id));
  }

  async getForUpdate<T extends Doc = Doc>(collection: string, id: string): Promise<T | null> {
    const doc = await this.current<T>(collection, id);
    if (doc) this.lent.add(overlayKey(collection, id));
    return doc;
  }

  /** The batch's own document (not a copy): from its pending operations, else from the store. */
  private async current<T extends Doc>(collection: string, id: string): Promise<T | null> {
    const key = overlayKey(collection, id);
    if (this.lent.has(key)) throw new Error(`Projection bug: ${collection} ${id} was taken for update and not written back`);
    const entry = this.pending.get(key);
    if (!entry) {
      const stored = await this.store.get<T>(this.physical(collection), id);
      // Kept for the rest of the batch: nothing but this batch changes the generation's collections,
      // and a projection reads some documents (a project's zone) for nearly every event.
      this.pending.set(key, { ops: [stored ? { op: 'upsert', collection, id, doc: stored } : { op: 'delete', collection, id }], indexes: [] });
      return stored;
    }
    const ops = entry.ops;
    const first = ops[0]!;
    // The usual case: a projection reads back what it wrote.
    if (ops.length === 1 && first.op === 'upsert') return first.doc as T;
    if (ops.length === 1 && first.op === 'delete') return null;
    const base = first.op === 'upsert' || first.op === 'delete' ? null : await this.store.get(this.physical(collection), id);
    const doc = applyOps(base, id, ops.map((op) => ({ ...op, position: 0 })));
    // Keep the result as one operation, so the next read does not apply the same operations again.
    entry.ops = [doc === null ? { op: 'delete', collection, id } : { op: 'upsert', collection, id, doc }];
    return doc as T | null;
  }

  /** Adds an operation the projection produced for the event at `position`; `op.collection` is the logical name. */
  record(op: WriteOperation, position: Position): void {
    const index = this.operations.length;
    this.operations.push({ ...op, collection: this.physical(op.collection), position });
    if (op.op === 'deleteMany') return;
    const key = overlayKey(op.collection, op.id);
    if (op.op === 'upsert' || op.op === 'delete') this.lent.delete(key);
    const entry = this.pending.get(key);
    if (!entry) {
      this.pending.set(key, { ops: [op], indexes: [index] });
    } else if (op.op === 'upsert' || op.op === 'delete') {
      // An upsert or a delete decides the document alone. The store would skip what came before it
      // anyway (its write's guard is this position, see batch-plan.ts), so the batch drops it now
      // rather than carry a hot document's every version to the flush.
      for (const earlier of entry.indexes) this.operations[earlier] = null;
      entry.ops = [op];
      entry.indexes = [index];
    } else {
      entry.ops.push(op);
      entry.indexes.push(index);
    }
  }

  /** The operations to apply, in order; the overlay starts empty again. */
  take(): PositionedOperation[] {
    if (this.lent.size > 0) throw new Error(`Projection bug: ${[...this.lent][0]!.replace('\u0000', ' ')} was taken for update and not written back`);
    const operations = this.operations.filter((op): op is PositionedOperation => op !== null);
    this.operations = [];
    this.pending.clear();
    return operations;
  }
}

function overlayKey(collection: string, id: string): string {
  return `${collection}\u0000${id}`;
}
