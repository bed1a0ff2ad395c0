import type { Doc, ReadStore, WriteOperation } from '../stores/read/read-store';
import type { ProjectionReader } from './projection';

/**
 * Lets a projection read its own not-yet-applied writes within a batch: `get` answers from the
 * batch's pending operations first, then from the store. (deleteMany ends a batch, so it is never pending.)
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
    const key = overlayKey(op.collection, op.id);
    switch (op.op) {
      case 'upsert':
        this.pending.set(key, structuredClone(op.doc));
        return;
      case 'delete':
        this.pending.set(key, null);
        return;
      case 'set': {
        const doc = (await this.get(op.collection, op.id)) ?? { id: op.id };
        for (const [path, value] of Object.entries(op.fields)) setPath(doc, path, value);
        this.pending.set(key, doc);
        return;
      }
      case 'inc': {
        const existing = await this.get(op.collection, op.id);
        const doc = existing ?? { id: op.id, ...structuredClone(op.setOnInsert ?? {}) };
        for (const [path, amount] of Object.entries(op.fields)) {
          const current = getPath(doc, path);
          setPath(doc, path, (typeof current === 'number' ? current : 0) + amount);
        }
        this.pending.set(key, doc);
        return;
      }
    }
  }
}

function overlayKey(collection: string, id: string): string {
  return `${collection}\u0000${id}`;
}

function getPath(doc: Record<string, unknown>, path: string): unknown {
  let node: unknown = doc;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function setPath(doc: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = doc;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (next === null || typeof next !== 'object') node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]] = value;
}
