/**
 * The opaque keyset cursor of ReadStore.find, shared by both adapters: base64url JSON of the last row's
 * sort values (with its id last) and a fingerprint of the sort, so a cursor cannot be replayed against a
 * different order. The next page is "every row strictly after that row in the sort order", expressed as
 * a union of disjoint branches that each adapter can answer with an index seek.
 */
import { ValidationError } from '../../errors/app-error';
import { describe, getPath, isPlainObject } from './field-path';
import type { Doc, Scalar } from './read-store';
import type { SortKey } from './query';

interface CursorBody {
  /** Sort fingerprint, e.g. "scheduledAt:-1,id:-1". */
  s: string;
  /** The last row's value for each sort key. */
  v: Scalar[];
}

function fingerprint(sort: SortKey[]): string {
  return sort.map(([field, direction]) => `${field}:${direction}`).join(',');
}

/** The value a document sorts by for a field: missing counts as null, as in both stores. */
export function sortValue(doc: Doc, field: string): Scalar {
  const value = field === 'id' ? doc.id : getPath(doc, field);
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  throw new ValidationError(`Cannot page by ${field}: document ${doc.id} holds ${describe(value)} there`);
}

export function encodeCursor(sort: SortKey[], lastDoc: Doc): string {
  const body: CursorBody = { s: fingerprint(sort), v: sort.map(([field]) => sortValue(lastDoc, field)) };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

/** The sort values stored in the cursor; a cursor from another query or a mangled one is a ValidationError. */
export function decodeCursor(cursor: string, sort: SortKey[]): Scalar[] {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new ValidationError('Invalid cursor');
  }
  if (!isPlainObject(body) || typeof body.s !== 'string' || !Array.isArray(body.v) || body.v.length !== sort.length) {
    throw new ValidationError('Invalid cursor');
  }
  if (body.s !== fingerprint(sort)) throw new ValidationError('The cursor belongs to a query with another sort order');
  const values = body.v as unknown[];
  for (const value of values) {
    if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) throw new ValidationError('Invalid cursor');
  }
  if (typeof values[values.length - 1] !== 'string') throw new ValidationError('Invalid cursor');
  return values as Scalar[];
}

/** One condition of a keyset branch, in the stores' own ordering (no type bracketing). */
export type KeyCondition =
  | { field: string; op: 'eq'; value: Exclude<Scalar, null> }
  | { field: string; op: 'gt' | 'lt'; value: Exclude<Scalar, null> }
  | { field: string; op: 'null' | 'notNull' };

/**
 * "After the cursor row" as disjoint conjunctions, listed in sort order: first rows equal on every key
 * but a later id, then rows equal on all but the last sort key, and so on. Nulls sort first ascending
 * and last descending, so "after null" ascending is "not null", and descending there is nothing after
 * null while "after v" is "less than v, or null".
 */
export function keysetBranches(sort: SortKey[], values: Scalar[]): KeyCondition[][] {
  const branches: KeyCondition[][] = [];
  for (let depth = sort.length - 1; depth >= 0; depth--) {
    const prefix: KeyCondition[] = [];
    for (let i = 0; i < depth; i++) {
      const value = values[i]!;
      prefix.push(value === null ? { field: sort[i]![0], op: 'null' } : { field: sort[i]![0], op: 'eq', value });
    }
    const [field, direction] = sort[depth]!;
    const value = values[depth]!;
    if (direction === 1) {
      branches.push([...prefix, value === null ? { field, op: 'notNull' } : { field, op: 'gt', value }]);
    } else if (value !== null) {
      branches.push([...prefix, { field, op: 'lt', value }]);
      // Ids are never null.
      if (field !== 'id') branches.push([...prefix, { field, op: 'null' }]);
    }
  }
  return branches;
}
