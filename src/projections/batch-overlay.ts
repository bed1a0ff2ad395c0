import { applyOps } from '../stores/read/batch-plan';
import type { Doc, ReadStore, WriteOperation } from '../stores/read/read-store';
import type { ProjectionReader } from './projection';

/**
 * Lets a projection read its own not-yet-applied writes within a batch: `get` answers from the
 * batch's pending operations first, then from the store. Operations are applied with the read store's
 * own reference semantics, so the overlay and the store never disagree (deleteMany ends a batch, so it
 * is never pending).
 */
export class BatchOverlay implements ProjectionReader {
  private readonly pending = new Map<string, Doc | null>();

  constructor(
    private readonly store: ReadStore,
    private readonly physical: (collection: string) => string,
  ) {}

  async get<T extends Doc = Doc>(collection: string, id: string): Promise<T | null> {
    const key = overlayKey(collection, id);
    if (this.pending.has(key)) return structuredClone(this.pending.get(key) ?? null) as T | null;
    return this.store.get<T>(this.physical(collection), id);
  }

  /** Records an operation the projection produced; `op.collection` is the logical name. */
  async record(op: WriteOperation): Promise<void> {
    if (op.op === 'deleteMany') return;
    const current = op.op === 'upsert' || op.op === 'delete' ? null : await this.get(op.collection, op.id);
    this.pending.set(overlayKey(op.collection, op.id), applyOps(current, op.id, [{ ...op, position: 0 }]));
  }
}

function overlayKey(collection: string, id: string): string {
  return `${collection}\u0000${id}`;
}
