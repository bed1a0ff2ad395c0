/**
 * The opaque cursor of the log pages: base64url JSON of the order and the number of the line the next
 * page starts with. A line number, not a chunk, so a cursor stays valid however lines are chunked
 * (and across a rebuild); the order is in it so that a cursor cannot be replayed in the other direction.
 */
import { ValidationError } from '../errors/app-error';

export type LogOrder = 'asc' | 'desc';

interface LogCursorBody {
  o: LogOrder;
  /** The first line of the next page. */
  s: number;
}

export function encodeLogCursor(order: LogOrder, nextSeq: number): string {
  const body: LogCursorBody = { o: order, s: nextSeq };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

/** The line the next page starts with; a mangled cursor, or one of the other order, is a ValidationError. */
export function decodeLogCursor(cursor: string, order: LogOrder): number {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new ValidationError('Invalid cursor');
  }
  if (typeof body !== 'object' || body === null) throw new ValidationError('Invalid cursor');
  const { o, s } = body as Partial<LogCursorBody>;
  if (o !== 'asc' && o !== 'desc') throw new ValidationError('Invalid cursor');
  if (!Number.isSafeInteger(s) || s! < 0) throw new ValidationError('Invalid cursor');
  if (o !== order) throw new ValidationError('The cursor belongs to a query with another sort order');
  return s!;
}
