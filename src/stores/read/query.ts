/**
 * Validation and normal form of ReadStore queries (filters, sorts, pages), shared by both adapters so that
 * they accept and reject exactly the same queries. Each adapter then renders the normal form natively
 * (filter-sql.ts for SQLite, the MongoDB adapter for MongoDB).
 *
 * Semantics follow MongoDB, restricted to fields that hold one JSON type (or null / nothing):
 * - `{a: null}` and `{a: {$eq: null}}` match a null or a missing field; `$ne: null` matches the others;
 * - `$ne: v` (v not null) also matches documents where the field is missing;
 * - `$in` containing null also matches missing fields;
 * - range operators compare only values of the operand's type (numbers with numbers, strings with
 *   strings, MongoDB's "type bracketing"); `$gte: null` / `$lte: null` match null or missing,
 *   `$gt: null` / `$lt: null` match nothing; booleans are not ordered operands;
 * - sorting puts null and missing first ascending and last descending; `id` is always the final key.
 * Array-valued fields are stored and returned, but filtering or sorting on them is not part of the
 * contract (MongoDB would match elements, SQLite compares the JSON text).
 */
import { ValidationError } from '../../errors/app-error';
import { splitPath } from './field-path';
import type { Filter, FindQuery, Scalar } from './read-store';

export type Direction = 1 | -1;
export type SortKey = [field: string, direction: Direction];

export type Comparison =
  | { field: string; op: 'eq' | 'ne'; value: Scalar }
  | { field: string; op: 'gt' | 'gte' | 'lt' | 'lte'; value: string | number | null }
  | { field: string; op: 'in'; value: Scalar[] }
  | { field: string; op: 'exists'; value: boolean };

const OPERATORS = new Set(['$eq', '$ne', '$in', '$gt', '$gte', '$lt', '$lte', '$exists']);
const MAX_IN = 10_000;

function isScalar(value: unknown): value is Scalar {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

function checkScalar(field: string, op: string, value: unknown): Scalar {
  if (!isScalar(value)) {
    throw new ValidationError(`Filter on ${field}: ${op} needs a string, finite number, boolean or null`);
  }
  return value;
}

/** The filter as a flat list of comparisons, all of which must hold. */
export function normalizeFilter(filter: Filter | undefined): Comparison[] {
  if (filter === undefined) return [];
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) {
    throw new ValidationError('A filter must be an object of field conditions');
  }
  const comparisons: Comparison[] = [];
  for (const [field, condition] of Object.entries(filter)) {
    splitPath(field);
    if (condition === undefined) continue;
    if (typeof condition !== 'object' || condition === null) {
      comparisons.push({ field, op: 'eq', value: checkScalar(field, '=', condition) });
      continue;
    }
    if (Array.isArray(condition)) throw new ValidationError(`Filter on ${field}: use {$in: [...]} to match a list`);
    const entries = Object.entries(condition).filter(([, value]) => value !== undefined);
    if (entries.length === 0) throw new ValidationError(`Filter on ${field}: the condition has no operator`);
    for (const [op, value] of entries) {
      if (!OPERATORS.has(op)) throw new ValidationError(`Filter on ${field}: unknown operator ${op}`);
      switch (op) {
        case '$eq':
        case '$ne':
          comparisons.push({ field, op: op === '$eq' ? 'eq' : 'ne', value: checkScalar(field, op, value) });
          break;
        case '$in':
          if (!Array.isArray(value) || value.length > MAX_IN) {
            throw new ValidationError(`Filter on ${field}: $in needs an array of at most ${MAX_IN} values`);
          }
          comparisons.push({ field, op: 'in', value: value.map((v) => checkScalar(field, op, v)) });
          break;
        case '$exists':
          if (typeof value !== 'boolean') throw new ValidationError(`Filter on ${field}: $exists needs true or false`);
          comparisons.push({ field, op: 'exists', value });
          break;
        default: {
          const scalar = checkScalar(field, op, value);
          if (typeof scalar === 'boolean') {
            throw new ValidationError(`Filter on ${field}: ${op} compares numbers or strings, not booleans`);
          }
          comparisons.push({ field, op: op.slice(1) as 'gt' | 'gte' | 'lt' | 'lte', value: scalar });
        }
      }
    }
  }
  return comparisons;
}

/** Sort keys with `id` appended (in the direction of the last key) so that the order is total. */
export function normalizeSort(sort: FindQuery['sort']): SortKey[] {
  const keys: SortKey[] = [];
  const seen = new Set<string>();
  for (const entry of sort ?? []) {
    if (!Array.isArray(entry) || entry.length !== 2 || (entry[1] !== 1 && entry[1] !== -1)) {
      throw new ValidationError('Sort keys are [field, 1 | -1] pairs');
    }
    const [field, direction] = entry;
    splitPath(field);
    if (seen.has(field)) throw new ValidationError(`Sort on ${field} is given twice`);
    seen.add(field);
    keys.push([field, direction]);
    // Nothing after `id` can change the order: ids are unique.
    if (field === 'id') return keys;
  }
  keys.push(['id', keys.length > 0 ? keys[keys.length - 1]![1] : 1]);
  return keys;
}

export function normalizeCount(value: number | undefined, what: 'limit' | 'skip'): number | undefined {
  if (value === undefined) return undefined;
  const min = what === 'limit' ? 1 : 0;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new ValidationError(`${what} must be an integer of at least ${min}`);
  }
  return value;
}
