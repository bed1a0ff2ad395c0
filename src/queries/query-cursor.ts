/**
 * The `cursor` / `next_cursor` of the keyset-paged API routes (execution history, a project's task
 * pages): the read store's own cursor (stores/read/cursor.ts, the last row's sort values) wrapped with
 * a fingerprint of the query it continues, so that a cursor cannot be replayed against another project,
 * task or filter. One format and one set of 400s for every such route.
 */
import { createHash } from 'node:crypto';
import { ValidationError } from '../errors/app-error';
import { decodeCursor } from '../stores/read/cursor';
import type { SortKey } from '../stores/read/query';

/** A short hash of the parts of a query that a cursor is tied to (everything but the page size). */
export function queryFingerprint(parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('base64url').slice(0, 16);
}

/** The API cursor for a store cursor (`undefined` on the last page). */
export function wrapCursor(storeCursor: string | undefined, fingerprint: string): string | undefined {
  if (storeCursor === undefined) return undefined;
  return Buffer.from(JSON.stringify({ q: fingerprint, c: storeCursor }), 'utf8').toString('base64url');
}

/**
 * The store cursor inside an API cursor given as `name`, checked against the query it must continue
 * and the sort the store will page by: a mangled cursor, or one of another query, is a 400 naming it.
 */
export function unwrapCursor(
  name: string,
  cursor: string,
  fingerprint: string,
  sort: SortKey[],
  mismatch = `${name}: a cursor continues the query it came from; keep its filters and range`,
): string {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    body = null;
  }
  const invalid = () => new ValidationError('Invalid cursor', [`${name}: pass the next_cursor of a previous page unchanged`]);
  const ok = typeof body === 'object' && body !== null && typeof (body as { c?: unknown }).c === 'string' && typeof (body as { q?: unknown }).q === 'string';
  if (!ok) throw invalid();
  if ((body as { q: string }).q !== fingerprint) throw new ValidationError('The cursor belongs to another query', [mismatch]);
  const storeCursor = (body as { c: string }).c;
  // The store would refuse a mangled inner cursor too, but without naming the parameter.
  try {
    decodeCursor(storeCursor, sort);
  } catch (err) {
    if (err instanceof ValidationError) throw invalid();
    throw err;
  }
  return storeCursor;
}
