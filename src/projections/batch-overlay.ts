import { applyOps } from '../stores/read/batch-plan';
import { cloneJson } from '../stores/read/field-path';
import type { Doc, ReadStore, WriteOperation } from '../stores/read/read-store';
import type { ProjectionReader } from './projection';

type DocOperation = Exclude<WriteOperation, { op: 'deleteMany' }>;

/**
 * Lets a projection read its own not-yet-applied writes within a batch: `get` answers from the
 * batch's pending operations first, then from the store. Operations are kept per document and applied
 * (with the read store's own reference semantics, so overlay and store never disagree) only when the
 * projection reads that document: write-only documents such as counters cost no read. deleteMany ends
 * a batch, so it is never pending.
 */
export class BatchOverlay implements ProjectionReader {
  private readonly pending = new Map<string, DocOperation[]>();

  constructor(
    private readonly store: ReadStore,
    private readonly physical: (collection: string) => string,
  ) {}

  async get<T extends Doc = Doc>(collection: string, id: string): Promise<T | null> {
    const key = overlayKey(collection, id);
    const ops = this.pending.get(key);
    if (!ops) return this.store.get<T>(this.physical(collection), id);
    const first = ops[0];
    const base = first.op === 'upsert' || first.op === 'delete' ? null : await this.store.get(this.physical(collection), id);
    const doc = applyOps(base, id, ops.map((op) => ({ ...op, position: 0 })));
    // Keep the result as one operation, so the next read does not apply the same operations again.
    this.pending.set(key, [doc === null ? { op: 'delete', collection, id } : { op: 'upsert', collection, id, doc }]);
    return cloneJson(doc) as T | null;
  }

  /** Records an operation the projection produced; `op.collection` is the logical name. */
  record(op: WriteOperation): void {
    if (op.op === 'deleteMany') return;
    const key = overlayKey(op.collection, op.id);
    const ops = this.pending.get(key);
    // An upsert or a delete decides the document alone; what came before it no longer matters.
    if (!ops || op.op === 'upsert' || op.op === 'delete') this.pending.set(key, [op]);
    else ops.push(op);
  }
}

function overlayKey(collection: string, id: string): string {
  return `${collection}\u0000${id}`;
}
