/** A stream filter's prefixes as SQL over the events table's indexes (sqlite-event-store.ts reads by them). */
import { ValidationError } from '../../errors/app-error';
import type { StreamFilter } from './event-store';

/**
 * Drops duplicates and prefixes extended by another one (`task-` covers `task-42`), so the remaining
 * prefixes match disjoint sets of streams. An empty prefix matches everything: no filter at all.
 */
export function normalizePrefixes(filter: StreamFilter): string[] {
  if (filter.streamPrefixes.length === 0) throw new ValidationError('A stream filter needs at least one prefix');
  const unique = [...new Set(filter.streamPrefixes)];
  if (unique.includes('')) return [];
  return unique.filter((prefix) => !unique.some((other) => other !== prefix && prefix.startsWith(other)));
}

/**
 * The SQL condition for streams starting with `prefix`, and the index to serve it with (SQLite has no
 * statistics to choose by). `category-`, the application's filter, is one range of the category index,
 * already in position order. A longer prefix (a stream, or a few) is a range of the stream index, sorted
 * by position: small, since it selects few streams. A prefix without `-` (`task` also matches
 * `taskgroup-…`) is a range of categories, sorted too: fine for the rare caller.
 */
export function prefixRange(prefix: string): { sql: string; params: string[]; index: string } {
  const dash = prefix.indexOf('-');
  if (dash === prefix.length - 1) {
    return { sql: 'e.category = ?', params: [prefix.slice(0, dash)], index: 'events_by_category' };
  }
  if (dash > 0) {
    const streams = 'SELECT id FROM streams WHERE name >= ? AND name < ?';
    return { sql: `e.stream_id IN (${streams})`, params: [prefix, successor(prefix)], index: 'events_by_stream' };
  }
  return { sql: 'e.category >= ? AND e.category < ?', params: [prefix, successor(prefix)], index: 'events_by_category' };
}

/** The smallest string greater than every string starting with `prefix` (stream names are ASCII). */
function successor(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}
