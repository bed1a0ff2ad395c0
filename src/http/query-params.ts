import { ValidationError } from '../errors/app-error';
import { parseIsoDate } from '../schedules/civil-time';
import { parseIsoInstant } from '../time/iso-instant';
import { quoted } from '../errors/quoted';
import { EVENT_SCHEMAS } from '../events/event-schemas';
import { FENCE_RAISED } from '../stores/events/fence-stream';

/**
 * Checks of query parameters beyond their OpenAPI type, each failing with a 400 that names the
 * parameter, so handlers read as a list of what they accept.
 */

/** A required `YYYY-MM-DD` calendar date. */
export function requiredDay(name: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new ValidationError(`Query parameter ${name} is required`, [`${name}: required, as YYYY-MM-DD`]);
  if (parseIsoDate(value) === undefined) throw new ValidationError(`Invalid ${name}`, [`${name}: ${quoted(value)} is not a date as YYYY-MM-DD`]);
  return value;
}

/** An integer in [min, max], or the default when absent. */
export function intInRange(name: string, value: number | undefined, { min, max, fallback }: { min: number; max: number; fallback: number }): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(`Invalid ${name}`, [`${name}: must be a whole number from ${min} to ${max} (got ${quoted(value)})`]);
  }
  return value;
}

/** An ISO 8601 instant with Z or an offset, or undefined when absent. */
export function optionalInstant(name: string, value: string | undefined): Date | undefined {
  if (value === undefined || value === '') return undefined;
  const millis = parseIsoInstant(value);
  if (millis === undefined) {
    throw new ValidationError(`Invalid ${name}`, [`${name}: ${quoted(value)} is not an ISO 8601 instant with Z or an offset, e.g. 2026-01-31T12:00:00Z`]);
  }
  return new Date(millis);
}

/** A time window of two optional instants; `to` (exclusive) must come after `from` (inclusive). */
export function optionalWindow(fromName: string, from: string | undefined, toName: string, to: string | undefined): { from?: Date; to?: Date } {
  const window = { from: optionalInstant(fromName, from), to: optionalInstant(toName, to) };
  if (window.from && window.to && window.to.getTime() <= window.from.getTime()) {
    throw new ValidationError(`Invalid ${toName}`, [`${toName}: must be later than ${fromName}`]);
  }
  return window;
}

/** A non-empty text of at most `max` characters, or undefined when absent. */
export function optionalText(name: string, value: string | undefined, max: number): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (value.length > max) throw new ValidationError(`Invalid ${name}`, [`${name}: must be at most ${max} characters`]);
  return value;
}

const EVENT_TYPES = new Set(Object.keys(EVENT_SCHEMAS).filter((type) => type !== FENCE_RAISED));

/** Event type names separated by commas (each one the project records), or undefined when absent. */
export function eventTypes(name: string, value: string | undefined): string[] | undefined {
  if (value === undefined || value === '') return undefined;
  const types = [...new Set(value.split(',').map((type) => type.trim()))];
  const unknown = types.filter((type) => !EVENT_TYPES.has(type));
  if (unknown.length > 0) {
    throw new ValidationError(`Invalid ${name}`, unknown.slice(0, 5).map((type) => `${name}: ${quoted(type)} is not an event type`));
  }
  return types;
}

/** One of `allowed`, or the first of them when absent. */
export function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T {
  if (value === undefined || value === '') return allowed[0]!;
  if (!(allowed as readonly string[]).includes(value)) throw new ValidationError(`Invalid ${name}`, [`${name}: must be one of ${allowed.join(', ')} (got ${quoted(value)})`]);
  return value as T;
}

/** An audit cursor: a stream revision as a decimal string. */
export function revisionCursor(name: string, value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  if (!/^\d{1,15}$/.test(value)) throw new ValidationError(`Invalid ${name}`, [`${name}: must be a cursor returned by a previous page`]);
  return Number(value);
}

/**
 * The original API's lenient numbers (COMPAT.md routes): a value that is not a whole number means the
 * default, one out of range is clamped into it; never a 400. tsoa hands a query number over as a
 * number when it parses and as the raw text when it does not.
 */
export function lenientInt(value: number | string | undefined, { min, max, fallback }: { min: number; max: number; fallback: number }): number {
  const text = typeof value === 'number' ? String(value) : (value ?? '').trim();
  if (!/^[+-]?\d+$/.test(text)) return fallback;
  return Math.min(max, Math.max(min, Number(text)));
}

/** `days` of the original's stats routes: 1 to 30, 7 when absent or not a number. */
export const compatDays = (value: number | string | undefined): number => lenientInt(value, { min: 1, max: 30, fallback: 7 });

/** Far past the end of any history, and small enough that page × page size stays an exact integer. */
const MAX_PAGE = 1_000_000_000;

/** `page` of the original's paged routes: from 1; below 1 or not a number means page 1, above MAX_PAGE is MAX_PAGE. */
export const compatPage = (value: number | string | undefined): number => lenientInt(value, { min: 1, max: MAX_PAGE, fallback: 1 });

/** `page_size` of the original's paged routes: clamped to 1 to `max`, `max` when absent or not a number. */
export const compatPageSize = (value: number | string | undefined, max: number): number => lenientInt(value, { min: 1, max, fallback: max });
