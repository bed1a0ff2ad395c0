import type { Position } from '../stores/events/event-store';
import type { Doc, PositionedOperation, ReadStore } from '../stores/read/read-store';

/** Where the process managers' saved states live in the read store (beside their checkpoints). */
export const MANAGER_SNAPSHOTS = 'process_manager_snapshots';

/**
 * A state is stored as JSON text cut into parts: a large installation's scheduler state runs to tens of
 * megabytes, and a MongoDB document holds at most 16 MB (a character takes at most 3 bytes in UTF-8).
 */
const PART_CHARS = 4_000_000;

interface SnapshotHead extends Doc {
  manager: string;
  version: number;
  position: Position;
  parts: number;
}

interface SnapshotPart extends Doc {
  manager: string;
  position: Position;
  text: string;
}

export interface SavedState {
  position: Position;
  state: unknown;
}

export async function ensureManagerSnapshots(reads: ReadStore): Promise<void> {
  await reads.ensureCollection({ name: MANAGER_SNAPSHOTS, indexes: [] });
}

/**
 * The writes that save `state`, the manager's state after the events up to `position`: applied with the
 * manager's checkpoint at the same position, in one batch, they can never stand for more than the
 * checkpoint does. Each part names the position, so parts of an older snapshot (left by a batch applied
 * only in part, on MongoDB) are recognised and the snapshot ignored.
 */
export function snapshotWrites(manager: string, version: number, position: Position, state: unknown): PositionedOperation[] {
  const text = JSON.stringify(state);
  const parts = Math.max(1, Math.ceil(text.length / PART_CHARS));
  const writes: PositionedOperation[] = [];
  for (let i = 0; i < parts; i++) {
    const doc: SnapshotPart = { id: partId(manager, i), manager, position, text: text.slice(i * PART_CHARS, (i + 1) * PART_CHARS) };
    writes.push({ op: 'upsert', collection: MANAGER_SNAPSHOTS, id: doc.id, doc, position });
  }
  const head: SnapshotHead = { id: manager, manager, version, position, parts };
  writes.push({ op: 'upsert', collection: MANAGER_SNAPSHOTS, id: manager, doc: head, position });
  return writes;
}

/** The manager's saved state, or null when there is none of this `version` (or it is incomplete). */
export async function loadSnapshot(reads: ReadStore, manager: string, version: number): Promise<SavedState | null> {
  const head = await reads.get<SnapshotHead>(MANAGER_SNAPSHOTS, manager);
  if (!head || head.version !== version) return null;
  let text = '';
  for (let i = 0; i < head.parts; i++) {
    const part = await reads.get<SnapshotPart>(MANAGER_SNAPSHOTS, partId(manager, i));
    if (!part || part.position !== head.position) return null;
    text += part.text;
  }
  return { position: head.position, state: JSON.parse(text) as unknown };
}

function partId(manager: string, index: number): string {
  return `${manager}/${index}`;
}
