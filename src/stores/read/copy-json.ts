/**
 * A deep copy with exactly the result of `JSON.parse(JSON.stringify(value))`, about 2.5× faster for
 * plain data. The rebuild path copies every document a projection reads back from its own batch
 * (batch-overlay.ts, applyOps), so this shows in events/s.
 */

/** Returned by copyPlain for anything JSON would change or drop; the whole value then goes through JSON. */
const NOT_PLAIN = Symbol('not plain JSON');

export function copyJson<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  const copy = copyPlain(value);
  return (copy === NOT_PLAIN ? JSON.parse(JSON.stringify(value)) : copy) as T;
}

/** Copies objects, arrays, strings, finite numbers, booleans and null; NOT_PLAIN for anything else. */
function copyPlain(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      // JSON writes -0 as 0 and non-finite numbers as null.
      return Number.isFinite(value) ? (value === 0 ? 0 : value) : NOT_PLAIN;
    case 'object': {
      if (value === null) return null;
      if (Array.isArray(value)) {
        const out: unknown[] = new Array(value.length);
        for (let i = 0; i < value.length; i++) {
          const item = copyPlain(value[i]);
          if (item === NOT_PLAIN) return NOT_PLAIN;
          out[i] = item;
        }
        return out;
      }
      // Dates, maps, class instances: JSON has its own rules (toJSON, {}), leave them to it.
      if (Object.getPrototypeOf(value) !== Object.prototype) return NOT_PLAIN;
      const source = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(source)) {
        // Assigning `__proto__` would set the prototype where JSON.parse creates a field.
        if (key === '__proto__') return NOT_PLAIN;
        const item = copyPlain(source[key]);
        if (item === NOT_PLAIN) return NOT_PLAIN;
        out[key] = item;
      }
      return out;
    }
    default:
      // undefined, functions, symbols and bigints: JSON drops them, turns them into null or throws.
      return NOT_PLAIN;
  }
}
