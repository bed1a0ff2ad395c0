import type { Position } from '../stores/events/event-store';
import type { Doc, PositionedOperation, ReadStore } from '../stores/read/read-store';

/** Where the process managers' saved states live in the read store (beside their checkpoints). */
export const MANAGER_SNAPSHOTS = 'process_manager_snapshots';

/**
 * A state is stored as JSON text cut into parts: a large installation's scheduler state runs to tens of
 * megabytes, and a MongoDB document holds at most 16 MB (a character takes at most 3 bytes in UTF-8).
 * Each part is written in a batch of its own, so this also bounds how long one write holds the thread.
 */
const PART_CHARS = 4_000_000;

interface SnapshotHead extends Doc {
  manager: string;
  version: number;
  position: Position;
  parts: number;
  /** Whether the parts' ids name the position (partId); absent in states saved before they did. */
  partsByPosition?: boolean;
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

/** The writes that save a state: its parts, each a batch of its own, then its head (writeSnapshot). */
export interface SnapshotWrites {
  parts: PositionedOperation[];
  head: PositionedOperation[];
}

/**
 * The writes that save `text`, the JSON of the manager's state after the events up to `position`. The
 * parts are named by the position, so writing them leaves the saved state as it was; the head, applied
 * with the manager's checkpoint in one batch, makes them the state and removes the parts of any other.
 * A save cut short leaves parts no head names: ignored, and removed by the next save.
 */
export function snapshotWrites(manager: string, version: number, position: Position, text: string): SnapshotWrites {
  const count = Math.max(1, Math.ceil(text.length / PART_CHARS));
  const parts: PositionedOperation[] = [];
  for (let i = 0; i < count; i++) {
    const doc: SnapshotPart = { id: partId(manager, i, position), manager, position, text: text.slice(i * PART_CHARS, (i + 1) * PART_CHARS) };
    parts.push({ op: 'upsert', collection: MANAGER_SNAPSHOTS, id: doc.id, doc, position });
  }
  const head: SnapshotHead = { id: manager, manager, version, position, parts: count, partsByPosition: true };
  return {
    parts,
    head: [
      { op: 'upsert', collection: MANAGER_SNAPSHOTS, id: manager, doc: head, position },
      { op: 'deleteMany', collection: MANAGER_SNAPSHOTS, filter: { manager: { $eq: manager }, position: { $ne: position } }, position },
    ],
  };
}

/** The manager's saved state, or null when there is none of this `version` (or it is incomplete). */
export async function loadSnapshot(reads: ReadStore, manager: string, version: number): Promise<SavedState | null> {
  const head = await reads.get<SnapshotHead>(MANAGER_SNAPSHOTS, manager);
  if (!head || head.version !== version) return null;
  let text = '';
  for (let i = 0; i < head.parts; i++) {
    const part = await reads.get<SnapshotPart>(MANAGER_SNAPSHOTS, partId(manager, i, head.partsByPosition ? head.position : null));
    if (!part || part.position !== head.position) return null;
    text += part.text;
  }
  return { position: head.position, state: JSON.parse(text) as unknown };
}

/** Parts saved before they were named by their position (a head without partsByPosition) are `manager/index`. */
function partId(manager: string, index: number, position: Position | null): string {
  return position === null ? `${manager}/${index}` : `${manager}/${position}/${index}`;
}
