/**
 * Structural equality of plain JSON values, ignoring object key order (a definition read back from a
 * store or rebuilt from a request need not keep its key order). Properties set to `undefined` count as
 * absent, as they would after a JSON round trip.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  const left = definedEntries(a as Record<string, unknown>);
  const right = b as Record<string, unknown>;
  return left.length === definedEntries(right).length && left.every(([key, value]) => jsonEqual(value, right[key]));
}

function definedEntries(object: Record<string, unknown>): [string, unknown][] {
  return Object.entries(object).filter(([, value]) => value !== undefined);
}

/**
 * The requested fields whose values differ from the current ones: what a partial update really
 * changes. An empty result means the update is a no-op.
 */
export function changedFields<T extends object>(current: T, requested: Partial<T>): Partial<T> {
  const changes: Partial<T> = {};
  for (const key of Object.keys(requested) as (keyof T)[]) {
    const value = requested[key];
    if (value !== undefined && !jsonEqual(value, current[key])) changes[key] = value;
  }
  return changes;
}

export function isEmpty(object: object): boolean {
  return Object.keys(object).length === 0;
}
