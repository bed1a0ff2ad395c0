/**
 * Declared indexes as both adapters build them: validated the same way, named deterministically (so
 * declaring an index again finds the existing one, and one no longer declared is recognised and
 * dropped: a spec's indexes are exactly the collection's), and with `id` appended to non-unique indexes so that
 * a sort on the index fields plus the `id` tie-breaker (query.ts) is answered in index order.
 */
import { ValidationError } from '../../errors/app-error';
import { splitPath } from './field-path';
import type { IndexSpec } from './read-store';
import type { SortKey } from './query';

export function validateIndexes(indexes: IndexSpec[] | undefined): IndexSpec[] {
  if (indexes === undefined) return [];
  if (!Array.isArray(indexes)) throw new ValidationError('indexes must be an array');
  for (const index of indexes) {
    if (!index || !Array.isArray(index.fields) || index.fields.length === 0) {
      throw new ValidationError('An index needs at least one [field, 1 | -1]');
    }
    const seen = new Set<string>();
    for (const entry of index.fields) {
      const [field, direction] = Array.isArray(entry) ? entry : [];
      splitPath(field as string);
      if (direction !== 1 && direction !== -1) throw new ValidationError(`Index on ${field}: direction must be 1 or -1`);
      if (seen.has(field as string)) throw new ValidationError(`Index lists ${field} twice`);
      seen.add(field as string);
    }
  }
  return indexes;
}

/** The index's keys as built: a unique index must stay unique, so only the others end with `id`. */
export function indexKeys(index: IndexSpec): SortKey[] {
  const keys: SortKey[] = index.fields.map(([field, direction]) => [field, direction]);
  if (!index.unique && !keys.some(([field]) => field === 'id')) keys.push(['id', keys[keys.length - 1]![1]]);
  return keys;
}

/**
 * Whether an index name is one indexName gives: ensureCollection drops such an index once the spec no
 * longer declares it (any other index, e.g. one an operator added by hand, is left alone).
 */
export function isDeclaredIndexName(name: string): boolean {
  return /^[^,]+[+-](,[^,]+[+-])*(:unique)?$/.test(name);
}

/** e.g. `taskId+,scheduledAt-` or `name+:unique`. */
export function indexName(index: IndexSpec): string {
  const keys = index.fields.map(([field, direction]) => `${field}${direction === 1 ? '+' : '-'}`).join(',');
  return `${keys}${index.unique ? ':unique' : ''}`;
}
