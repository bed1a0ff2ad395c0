import { createHash } from 'node:crypto';
import type { ReadStore } from '../stores/read/read-store';
import type { Projection } from './projection';
import { physicalCollection } from './projection-registry';

/**
 * A canonical hash of one generation's read models: documents in id order, keys sorted. Two builds
 * of the same events must hash the same (rebuild determinism).
 */
export async function readModelHash(reads: ReadStore, projection: Projection, generation: number): Promise<string> {
  const hash = createHash('sha256');
  for (const spec of [...projection.collections].sort((a, b) => a.name.localeCompare(b.name))) {
    hash.update(`\u0000collection:${spec.name}\u0000`);
    let cursor: string | undefined;
    do {
      const page = await reads.find(physicalCollection(projection.name, generation, spec.name), { sort: [['id', 1]], limit: 1000, cursor });
      for (const doc of page.items) hash.update(canonicalJson(doc)).update('\n');
      cursor = page.nextCursor;
    } while (cursor);
  }
  return hash.digest('hex');
}

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
