/**
 * How a ReadStore batch is applied, shared by both adapters so they give the same results:
 *
 * 1. Every operation is validated before anything is written.
 * 2. Per collection, the operations are cut at each `deleteMany` into steps that run in order. Within a
 *    step, the operations on one document are merged into as few writes as their meaning allows, almost
 *    always ONE (a delete, a whole replacement, or a set/inc/setOnInsert update); a document that needs
 *    more gets them in successive rounds. One write per document and round is what lets MongoDB run a
 *    round as one unordered bulk write (which may reorder operations: the driver groups them by kind),
 *    and it saves the SQLite adapter from rewriting a counter document a thousand times a batch.
 * 3. Redelivery: each document records the position of the last operation applied to it. An operation
 *    applies only when its position is above the position the document had before, so a batch
 *    delivered twice (or two overlapping batches) changes nothing the second time. A write whose
 *    document is already past some of its operations applies only the remaining ones (`opsAfter`).
 *    `deleteMany` at position p spares documents written after p. A document that this batch has
 *    already written takes its later writes without a guard (`unguarded`): they come after what was
 *    just applied, even at the same position.
 *
 * The reference semantics is `applyOps`: the operations applied one by one to the document in memory.
 * A merged write must give the same document, or the batch must fail with a ValidationError where
 * applying one by one would fail too.
 */
import { ValidationError } from '../../errors/app-error';
import { copyJson } from './copy-json';
import { incPath, isPlainObject, pathsOverlap, setPath, validateCollectionName, validateWritablePath } from './field-path';
import { type Comparison, normalizeFilter } from './query';
import type { Checkpoint, Doc, PositionedOperation } from './read-store';

/** An operation on one document (everything but deleteMany). */
export type DocOperation = Exclude<PositionedOperation, { op: 'deleteMany' }>;

export type MergedWrite =
  | { kind: 'delete' }
  /** The whole new document; owned by the plan (never the caller's object when it was edited). */
  | { kind: 'replace'; doc: Doc }
  /**
   * Field edits of a document whose current content is unknown. Paths never overlap across `set` and
   * `inc` (the merge folds or rejects overlaps), so the order of applying them does not matter.
   * A `set` value of undefined removes the field. `setOnInsert` applies only if the document is new.
   */
  | { kind: 'update'; set: Map<string, unknown>; inc: Map<string, number>; setOnInsert: Map<string, unknown> };

export interface DocWrite {
  collection: string;
  id: string;
  /** The operations merged here, in batch order. */
  ops: DocOperation[];
  /**
   * Apply the merged write as it is only when the stored document is missing or its position is below
   * this: the first operation's position, or that of the last upsert/delete (which makes earlier
   * operations irrelevant). Otherwise apply `opsAfter(write, storedPosition)`.
   */
  guard: number;
  /** Position recorded on the document: the last operation's. */
  position: number;
  merged: MergedWrite;
}

/** The writes of one document within a step, to apply in order (nearly always exactly one). */
export interface DocPlan {
  id: string;
  writes: DocWrite[];
}

export type CollectionStep =
  | { kind: 'writes'; docs: DocPlan[] }
  /** Delete the documents matching the filter whose position is at most `position`. */
  | { kind: 'deleteMany'; filter: Comparison[]; position: number };

const MAX_ID_LENGTH = 512;
/**
 * How deeply a document may nest (objects and arrays). MongoDB refuses documents nested deeper than
 * 100; SQLite stores them but its JSON functions fail on them past 1000, so a deep document could be
 * written while an index was missing (a rebuild) and fail later. Both adapters refuse them at once.
 */
export const MAX_DOCUMENT_DEPTH = 100;
const RESERVED_FIELDS = ['_id', '_pos'];

export function validatePosition(position: unknown, what: string): number {
  if (typeof position !== 'number' || !Number.isSafeInteger(position) || position < 0) {
    throw new ValidationError(`${what} must be a non-negative safe integer, got ${String(position)}`);
  }
  return position;
}

export function validateCheckpoint(checkpoint: Checkpoint): void {
  if (!checkpoint || typeof checkpoint.name !== 'string' || checkpoint.name.length === 0 || checkpoint.name.length > 200) {
    throw new ValidationError('A checkpoint needs a name of 1-200 characters');
  }
  validatePosition(checkpoint.position, `Checkpoint ${checkpoint.name}: position`);
}

function validateId(id: unknown): void {
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) {
    throw new ValidationError(`A document id must be a string of 1-${MAX_ID_LENGTH} characters`);
  }
}

/** Paths of one field map must not overlap each other: `{a: 1, 'a.b': 2}` has no single meaning. */
function validateFieldMap(map: unknown, where: () => string, numeric: boolean, name = 'fields'): string[] {
  const what = () => `${where()}: ${name}`;
  if (!isPlainObject(map)) throw new ValidationError(`${what()} must be an object of dotted fields`);
  const paths = Object.keys(map);
  for (const path of paths) {
    validateWritablePath(path);
    const value = map[path];
    if (numeric && (typeof value !== 'number' || !Number.isFinite(value))) {
      throw new ValidationError(`${what()}: ${path} must be a finite number`);
    }
    if (!numeric && typeof value === 'function') throw new ValidationError(`${what()}: ${path} is not JSON`);
    if (!numeric && typeof value === 'object' && value !== null) validateDepth(value, path.split('.').length, what);
  }
  const overlap = overlappingPaths(paths);
  if (overlap) throw new ValidationError(`${what()}: ${overlap[0]} and ${overlap[1]} overlap`);
  return paths;
}

/** Up to this many paths are compared pair by pair: nothing is allocated for the two or three fields of nearly every edit. */
const MAX_PATHS_PAIRED = 8;

/**
 * Two paths of which one is the other or lies inside it (the outer first), or null. More paths are
 * checked by looking up each one's parent paths: sorted, `a` and `a.b` need not be neighbours
 * (`a-b` sorts between them).
 */
function overlappingPaths(paths: readonly string[]): [string, string] | null {
  if (paths.length <= MAX_PATHS_PAIRED) {
    for (let i = 0; i < paths.length; i++) {
      for (let j = i + 1; j < paths.length; j++) {
        const a = paths[i]!;
        const b = paths[j]!;
        if (pathsOverlap(a, b)) return a.length <= b.length ? [a, b] : [b, a];
      }
    }
    return null;
  }
  const all = new Set(paths);
  for (const path of paths) {
    for (let dot = path.indexOf('.'); dot !== -1; dot = path.indexOf('.', dot + 1)) {
      const outer = path.slice(0, dot);
      if (all.has(outer)) return [outer, path];
    }
  }
  return null;
}

/** Refuses values nested deeper than MAX_DOCUMENT_DEPTH; never recurses further than that. */
function validateDepth(value: object, depth: number, where: () => string): void {
  if (depth >= MAX_DOCUMENT_DEPTH) throw new ValidationError(`${where()}: the document nests deeper than ${MAX_DOCUMENT_DEPTH} levels`);
  if (Array.isArray(value)) {
    for (const item of value) if (typeof item === 'object' && item !== null) validateDepth(item, depth + 1, where);
    return;
  }
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    if (typeof item === 'object' && item !== null) validateDepth(item, depth + 1, where);
  }
}

function validateOperation(op: PositionedOperation, index: number, collections: Set<string>): void {
  // Built only on failure: this runs for every operation of every batch.
  const where = () => `Operation ${index} (${String(op?.op)})`;
  if (!op || typeof op !== 'object') throw new ValidationError(`${where()} is not an object`);
  if (!collections.has(op.collection)) {
    validateCollectionName(op.collection);
    collections.add(op.collection);
  }
  if (!Number.isSafeInteger(op.position) || op.position < 0) validatePosition(op.position, `${where()}: position`);
  switch (op.op) {
    case 'upsert':
      validateId(op.id);
      if (!isPlainObject(op.doc) || op.doc.id !== op.id) {
        throw new ValidationError(`${where()}: the document must be an object whose id is ${JSON.stringify(op.id)}`);
      }
      for (const reserved of RESERVED_FIELDS) {
        if (reserved in op.doc) throw new ValidationError(`${where()}: field ${reserved} is reserved by the read store`);
      }
      validateDepth(op.doc, 0, where);
      break;
    case 'set':
      validateId(op.id);
      validateFieldMap(op.fields, where, false);
      break;
    case 'inc': {
      validateId(op.id);
      const incs = validateFieldMap(op.fields, where, true);
      if (op.setOnInsert !== undefined) {
        const inserts = validateFieldMap(op.setOnInsert, where, false, 'setOnInsert');
        for (const a of incs) {
          for (const b of inserts) {
            if (pathsOverlap(a, b)) throw new ValidationError(`${where()}: ${a} is both incremented and set on insert`);
          }
        }
      }
      break;
    }
    case 'delete':
      validateId(op.id);
      break;
    case 'deleteMany':
      normalizeFilter(op.filter);
      break;
    default:
      throw new ValidationError(`${where()}: unknown operation`);
  }
}

/**
 * Validates the whole batch and cuts it into ordered steps per collection. Throws a ValidationError
 * before anything is written when an operation is malformed, positions go backwards, the checkpoint is
 * behind the operations, or operations on one document cannot be merged into one write.
 */
export function planBatch(operations: PositionedOperation[], checkpoint: Checkpoint): Map<string, CollectionStep[]> {
  if (!Array.isArray(operations)) throw new ValidationError('operations must be an array');
  validateCheckpoint(checkpoint);
  let previous = -1;
  const collections = new Set<string>();
  operations.forEach((op, index) => {
    validateOperation(op, index, collections);
    if (op.position < previous) throw new ValidationError(`Operation ${index}: positions must not decrease within a batch`);
    previous = op.position;
  });
  if (previous > checkpoint.position) {
    throw new ValidationError(`Checkpoint ${checkpoint.name} (${checkpoint.position}) is behind the batch's last operation (${previous})`);
  }

  const plan = new Map<string, CollectionStep[]>();
  // Operations per document since the last deleteMany of each collection, in first-touch order.
  const pending = new Map<string, Map<string, DocOperation[]>>();
  const flush = (collection: string): void => {
    const docs = pending.get(collection);
    if (!docs || docs.size === 0) return;
    const plans = [...docs].map(([id, ops]) => ({ id, writes: planDoc(collection, id, ops) }));
    stepsOf(plan, collection).push({ kind: 'writes', docs: plans });
    pending.delete(collection);
  };
  for (const op of operations) {
    if (op.op === 'deleteMany') {
      flush(op.collection);
      stepsOf(plan, op.collection).push({ kind: 'deleteMany', filter: normalizeFilter(op.filter), position: op.position });
      continue;
    }
    let docs = pending.get(op.collection);
    if (!docs) {
      docs = new Map();
      pending.set(op.collection, docs);
      stepsOf(plan, op.collection);
    }
    const ops = docs.get(op.id);
    if (ops) ops.push(op);
    else docs.set(op.id, [op]);
  }
  for (const collection of [...pending.keys()]) flush(collection);
  return plan;
}

function stepsOf(plan: Map<string, CollectionStep[]>, collection: string): CollectionStep[] {
  let steps = plan.get(collection);
  if (!steps) {
    steps = [];
    plan.set(collection, steps);
  }
  return steps;
}

/**
 * The write for a document this batch already wrote (in an earlier step or round): its stored position
 * is now this batch's own, possibly equal to these operations' position, so comparing with it would
 * wrongly skip them.
 */
export function unguarded(write: DocWrite): DocWrite {
  return { ...write, guard: Number.MAX_SAFE_INTEGER };
}

/** The operations of a write that a document stored at `storedPosition` has not seen yet. */
export function opsAfter(write: DocWrite, storedPosition: number): DocOperation[] {
  return write.ops.filter((op) => op.position > storedPosition);
}

/**
 * Merges the operations on one document (in order) into writes with the same effect: one, unless an
 * operation's effect cannot be expressed together with the earlier ones without knowing the stored
 * document (a field set only on insert and then edited; a nested field written and then removed, which
 * must leave its parent object behind). Such an operation starts the next write.
 */
export function planDoc(collection: string, id: string, ops: DocOperation[]): DocWrite[] {
  const writes: DocWrite[] = [];
  let start = 0;
  let merged: MergedWrite = NO_EDITS;
  // Whether `merged.doc` is our own copy (an upserted document is the caller's until we edit it).
  let owned = false;
  let guard = ops[0]!.position;
  const close = (end: number) => {
    writes.push({ collection, id, ops: ops.slice(start, end), guard, position: ops[end - 1]!.position, merged });
  };
  ops.forEach((op, index) => {
    switch (op.op) {
      case 'upsert':
        merged = { kind: 'replace', doc: op.doc };
        owned = false;
        guard = op.position;
        return;
      case 'delete':
        merged = { kind: 'delete' };
        guard = op.position;
        return;
    }
    if (merged.kind === 'delete') {
      // The document is known to be absent, so this operation creates it.
      merged = { kind: 'replace', doc: applyOps(null, id, [op])! };
      owned = true;
      return;
    }
    if (merged.kind === 'replace') {
      if (!owned) {
        merged.doc = copyJson(merged.doc);
        owned = true;
      }
      applyOps(merged.doc, id, [op]);
      return;
    }
    // The document's content is unknown: collect field edits, on a copy in case the operation does not fit.
    const first = index === start;
    const next = mergeFields(merged, op, first);
    if (next) {
      merged = next;
      return;
    }
    close(index);
    start = index;
    guard = op.position;
    merged = mergeFields(NO_EDITS, op, true)!;
  });
  close(ops.length);
  return writes;
}

/**
 * Where a document's merge starts. Shared and never edited (mergeFields copies what it merges into):
 * most documents of a batch begin with an upsert, and three Maps made for each were a rebuild's garbage.
 */
const NO_EDITS: Update = { kind: 'update', set: new Map(), inc: new Map(), setOnInsert: new Map() };

/** The update with the operation's fields merged in, or null when they do not fit (see planDoc). */
function mergeFields(update: Update, op: Extract<DocOperation, { op: 'set' | 'inc' }>, first: boolean): Update | null {
  const next: Update = { kind: 'update', set: new Map(update.set), inc: new Map(update.inc), setOnInsert: new Map(update.setOnInsert) };
  // Only the first operation of a write can be the one that inserts the document.
  if (first && op.op === 'inc' && op.setOnInsert) {
    for (const [path, value] of Object.entries(op.setOnInsert)) next.setOnInsert.set(path, value);
  }
  if (op.op === 'set') {
    for (const [path, value] of Object.entries(op.fields)) if (!mergeSet(next, path, value)) return null;
  } else {
    for (const [path, amount] of Object.entries(op.fields)) if (!mergeInc(next, path, amount)) return null;
  }
  return next;
}

/**
 * The reference semantics: the operations applied one by one to the document (edited in place), or
 * null when they leave it deleted. `set` creates missing parents and fails below a non-object; `inc`
 * counts a missing field as 0 and fails on anything but a number; `setOnInsert` applies when `inc`
 * creates the document.
 */
export function applyOps(existing: Doc | null, id: string, ops: DocOperation[]): Doc | null {
  let doc = existing;
  for (const op of ops) {
    switch (op.op) {
      case 'upsert':
        doc = copyJson(op.doc);
        break;
      case 'delete':
        doc = null;
        break;
      case 'set':
        doc ??= { id };
        for (const [path, value] of Object.entries(op.fields)) setPath(doc, validateWritablePath(path), copyJson(value));
        break;
      case 'inc':
        if (!doc) {
          doc = { id };
          for (const [path, value] of Object.entries(op.setOnInsert ?? {})) setPath(doc, validateWritablePath(path), copyJson(value));
        }
        for (const [path, amount] of Object.entries(op.fields)) incPath(doc, validateWritablePath(path), amount);
        break;
    }
  }
  return doc;
}

type Update = Extract<MergedWrite, { kind: 'update' }>;

function conflict(path: string, other: string, why: string): ValidationError {
  return new ValidationError(`Cannot apply ${path} after ${other}: ${why}`);
}

/**
 * Edits the value of an earlier `set` entry at `relative` segments inside it (on a copy, never on the
 * caller's object): `set a = {x: 1}` then `inc a.y` becomes `set a = {x: 1, y: 1}`.
 */
function foldInto(
  update: Update,
  entry: string,
  relative: string[],
  edit: (holder: Record<string, unknown>, segments: string[]) => void,
): void {
  const holder: Record<string, unknown> = { v: copyJson(update.set.get(entry)) };
  edit(holder, ['v', ...relative]);
  update.set.set(entry, holder.v);
}

function inside(entry: string, path: string): string[] {
  return path === entry ? [] : path.slice(entry.length + 1).split('.');
}

const within = (key: string, path: string) => key === path || key.startsWith(`${path}.`);

/** Merges one `set` field into the update; false when it cannot be expressed together with it. */
function mergeSet(update: Update, path: string, value: unknown): boolean {
  const ancestor = [...update.set.keys()].find((key) => path.startsWith(`${key}.`));
  if (ancestor !== undefined) {
    foldInto(update, ancestor, inside(ancestor, path), (holder, segments) => setPath(holder, segments, copyJson(value)));
    return true;
  }
  const numeric = [...update.inc.keys()].find((key) => path.startsWith(`${key}.`));
  if (numeric !== undefined) {
    // Below a number: removing does nothing, writing fails.
    if (value === undefined) return true;
    throw conflict(path, numeric, `${numeric} holds a number`);
  }
  // Set only on insert, then edited inside: the result depends on whether the document is new.
  if ([...update.setOnInsert.keys()].some((key) => path.startsWith(`${key}.`))) return false;
  const overridden = [...update.set.keys(), ...update.inc.keys(), ...update.setOnInsert.keys()].filter((key) => within(key, path));
  // Removing a nested field that this update creates must leave its parents, which $unset cannot say.
  if (value === undefined && path.includes('.') && overridden.length > 0) return false;
  for (const key of overridden) {
    // A later set wins over earlier edits and insert-time values, whether or not the document is new.
    update.set.delete(key);
    update.inc.delete(key);
    update.setOnInsert.delete(key);
  }
  update.set.set(path, value);
  return true;
}

/** Merges one `inc` field into the update; false when it cannot be expressed together with it. */
function mergeInc(update: Update, path: string, amount: number): boolean {
  // Set only on insert, then counted: the result depends on whether the document is new.
  if ([...update.setOnInsert.keys()].some((key) => pathsOverlap(key, path))) return false;
  const counted = update.inc.get(path);
  if (counted !== undefined) {
    update.inc.set(path, counted + amount);
    return true;
  }
  for (const key of update.inc.keys()) {
    if (pathsOverlap(key, path)) throw conflict(path, key, 'one of them would have to be both a number and an object');
  }
  for (const [key, value] of [...update.set]) {
    if (key === path || path.startsWith(`${key}.`)) {
      foldInto(update, key, inside(key, path), (holder, segments) => incPath(holder, segments, amount));
      return true;
    }
    if (!key.startsWith(`${path}.`)) continue;
    if (value !== undefined) throw conflict(path, key, `${path} holds an object`);
    // Removing a field below a number the increment then succeeds on did nothing.
    update.set.delete(key);
  }
  update.inc.set(path, amount);
  return true;
}
