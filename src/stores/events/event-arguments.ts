/** Checks of the arguments every EventStore adapter takes, before anything is read or written. */
import { ValidationError } from '../../errors/app-error';
import { type ExpectedRevision, isFencingToken, type Position, type ReadPagesOptions, type StreamFilter } from './event-store';

export function validateExpectedRevision(expected: ExpectedRevision): void {
  if (expected === 'any' || expected === 'no_stream' || expected === 'stream_exists') return;
  if (!Number.isSafeInteger(expected) || expected < 0) {
    throw new ValidationError(`Invalid expected revision ${String(expected)}`);
  }
}

export function validateFencingToken(token: number | undefined): void {
  if (token !== undefined && !isFencingToken(token)) throw new ValidationError(`Invalid fencing token ${String(token)}`);
}

/** Positions travel as decimal strings; one that was not parsed back would compare as text in SQL. */
export function validatePosition(position: Position | null): void {
  if (position !== null && !Number.isSafeInteger(position)) {
    throw new ValidationError(`Invalid position ${String(position)}`);
  }
}

/** A count, or undefined for no limit. */
export function validateCount(count: number | undefined): number | undefined {
  if (count === undefined) return undefined;
  if (!Number.isSafeInteger(count) || count < 0) throw new ValidationError(`Invalid count ${String(count)}`);
  return count;
}

/** readAllPages' page size when the caller names none. */
const DEFAULT_PAGE_SIZE = 500;

/**
 * readAllPages' arguments, checked before anything is read (both adapters): the positions, the page
 * size (at least one event), and the filter's `withoutData`.
 */
export function pageReadArguments(options: ReadPagesOptions): ReadPagesOptions & { after: Position | null; pageSize: number } {
  const after = options.after ?? null;
  validatePosition(after);
  validatePosition(options.through);
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw new ValidationError(`Invalid pageSize ${String(pageSize)}: a page holds at least one event`);
  categoriesWithoutData(options.filter);
  return { ...options, after, pageSize };
}

/** `category-`: a whole category, as `withoutData` names them. */
const CATEGORY_PREFIX = /^([a-z][a-z0-9]*)-$/;

/** The categories a filter's `withoutData` names; every adapter refuses anything but whole categories. */
export function categoriesWithoutData(filter: StreamFilter | undefined): string[] {
  return [...new Set(filter?.withoutData ?? [])].map((prefix) => {
    const category = CATEGORY_PREFIX.exec(prefix)?.[1];
    if (!category) throw new ValidationError(`withoutData takes whole categories (\`category-\`), not ${JSON.stringify(prefix)}`);
    return category;
  });
}
