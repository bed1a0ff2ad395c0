/**
 * Names and dotted field paths of the ReadStore, and how a path reads and writes a plain JSON document.
 * Both adapters validate through here, so a name or path that one adapter accepts the other accepts too,
 * and the in-memory document edits here are the reference semantics of `set` and `inc` (the SQLite adapter
 * applies them as they are; the MongoDB adapter lets the server do the same edits).
 */
import { ValidationError } from '../../errors/app-error';

/** Top-level names the adapters keep for themselves (MongoDB stores `id` as `_id` and the position as `_pos`). */
const RESERVED_FIELDS = new Set(['_id', '_pos']);

const COLLECTION_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,99}$/;

/** Collection names start with a letter: names starting with `_` are the stores' own tables. */
export function validateCollectionName(name: string): void {
  if (typeof name !== 'string' || !COLLECTION_NAME.test(name) || /^sqlite_/i.test(name)) {
    throw new ValidationError(
      `Invalid collection name ${JSON.stringify(name)}: use 1-100 letters, digits, _ or -, starting with a letter`,
    );
  }
}

/**
 * A dotted path such as `stats.byStatus.FAILED`. Segments may hold any character except `.`, `"`, `\`
 * and control characters, and may not start with `$` (MongoDB reads those as operators).
 */
export function splitPath(path: string): string[] {
  if (typeof path !== 'string' || path.length === 0 || path.length > 300) {
    throw new ValidationError(`Invalid field path ${JSON.stringify(path)}`);
  }
  const segments = path.split('.');
  for (const segment of segments) {
    // eslint-disable-next-line no-control-regex
    if (segment.length === 0 || segment.startsWith('$') || /["\\\u0000-\u001f]/.test(segment)) {
      throw new ValidationError(`Invalid field path ${JSON.stringify(path)}`);
    }
  }
  if (RESERVED_FIELDS.has(segments[0]!)) {
    throw new ValidationError(`Field ${JSON.stringify(segments[0])} is reserved by the read store`);
  }
  return segments;
}

/** Validates a path that a write may target: anything but the document id. */
export function validateWritablePath(path: string): string[] {
  const segments = splitPath(path);
  if (segments[0] === 'id') throw new ValidationError(`The document id cannot be changed (field ${JSON.stringify(path)})`);
  return segments;
}

/** True when `a` and `b` are the same path or one lies inside the other (`a` and `a.b`). */
export function pathsOverlap(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at a path, or undefined when any step is missing or is not an object. */
export function getPath(doc: Record<string, unknown>, path: string): unknown {
  let current: unknown = doc;
  for (const segment of path.split('.')) {
    if (!isPlainObject(current)) return undefined;
    current = current[segment];
  }
  return current;
}

/**
 * The object that holds the last segment, creating missing parents (or, when not creating, undefined if
 * there is none: removing a field below a number removes nothing). A parent that exists but is not an
 * object (a number, null, an array) is an error when writing, as on MongoDB ("Cannot create field … in element …").
 */
function parentOf(doc: Record<string, unknown>, segments: string[], create: boolean): Record<string, unknown> | undefined {
  let current = doc;
  for (let i = 0; i < segments.length - 1; i++) {
    const segment = segments[i]!;
    const next = current[segment];
    if (isPlainObject(next)) {
      current = next;
    } else if (!create) {
      return undefined;
    } else if (next === undefined) {
      const created: Record<string, unknown> = {};
      current[segment] = created;
      current = created;
    } else {
      throw new ValidationError(
        `Cannot write ${segments.join('.')}: ${segments.slice(0, i + 1).join('.')} holds ${describe(next)}, not an object`,
      );
    }
  }
  return current;
}

/** Sets a field in place; `undefined` removes it (as JSON would drop it). */
export function setPath(doc: Record<string, unknown>, segments: string[], value: unknown): void {
  const parent = parentOf(doc, segments, value !== undefined);
  if (!parent) return;
  const last = segments[segments.length - 1]!;
  if (value === undefined) delete parent[last];
  else parent[last] = value;
}

/** Adds `amount` to a numeric field in place; a missing field counts as 0, anything else but a number is an error. */
export function incPath(doc: Record<string, unknown>, segments: string[], amount: number): void {
  const parent = parentOf(doc, segments, true)!;
  const last = segments[segments.length - 1]!;
  const current = parent[last];
  if (current === undefined) parent[last] = amount;
  else if (typeof current === 'number') parent[last] = current + amount;
  else throw new ValidationError(`Cannot increment ${segments.join('.')}: it holds ${describe(current)}, not a number`);
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `the ${typeof value} ${JSON.stringify(value)}`;
}
