/**
 * Everything an object holds, as plain data to compare with `toEqual`: own fields followed into Maps
 * (entries in order), Sets, arrays and class instances (named by class), down to primitives. Functions
 * count as "a function" (closures made per instance are never the same), and the objects in `shared`
 * (the services both objects were built over) by name, not content. An object met again on the way
 * down is noted as a repeat, so cycles end.
 *
 * It is how a test checks that a process manager restored from its snapshot holds the very state a
 * replay builds, including anything its snapshot forgot.
 */
export function objectState(root: unknown, shared: Record<string, unknown> = {}): unknown {
  const sharedNames = new Map<unknown, string>(Object.entries(shared).map(([name, value]) => [value, name]));
  const path = new Set<object>();
  const visit = (value: unknown): unknown => {
    if (typeof value === 'function') return '[function]';
    if (typeof value !== 'object' || value === null) return value;
    if (sharedNames.has(value)) return `[shared ${sharedNames.get(value)}]`;
    if (value instanceof Promise) return '[promise]';
    if (value instanceof Date) return value.toISOString();
    if (path.has(value)) return '[repeat]';
    path.add(value);
    try {
      if (value instanceof Map) return { Map: [...value].map(([key, item]) => [visit(key), visit(item)]) };
      if (value instanceof Set) return { Set: [...value].map(visit) };
      if (Array.isArray(value)) return value.map(visit);
      const fields: Record<string, unknown> = {};
      const name = Object.getPrototypeOf(value)?.constructor?.name;
      if (name && name !== 'Object') fields['[class]'] = name;
      for (const [key, item] of Object.entries(value)) fields[key] = visit(item);
      return fields;
    } finally {
      path.delete(value);
    }
  };
  return visit(root);
}
