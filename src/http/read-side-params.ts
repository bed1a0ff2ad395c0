/**
 * Query parameters of the read-side routes (history, stats, calendar) beyond their OpenAPI type, each
 * failing with a 400 that names the parameter.
 */
import { ValidationError } from '../errors/app-error';
import type { ExecutionStatus, TriggerType } from '../events/execution-events';
import { parseIsoDate } from '../schedules/civil-time';
import { checkTimeZone } from '../schedules/time-zone';
import { parseIsoInstant } from '../time/iso-instant';
import { quoted } from '../errors/quoted';

const STATUSES: readonly ExecutionStatus[] = ['PENDING', 'RUNNING', 'RETRYING', 'SUCCESS', 'FAILED', 'CANCELLED', 'TIMED_OUT', 'MISSED', 'SKIPPED', 'QUEUED'];
const TRIGGER_TYPES: readonly TriggerType[] = ['SCHEDULED', 'MANUAL', 'EXTERNAL', 'CATCH_UP'];

/** An IANA zone name, or undefined when absent. */
export function optionalZone(name: string, value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  const check = checkTimeZone(value);
  if (!check.ok) {
    const hint = check.suggestion ? ` (did you mean ${check.suggestion}?)` : '';
    throw new ValidationError(`Invalid ${name}`, [`${name}: ${quoted(value)} is not an IANA time zone such as Europe/Berlin${hint}`]);
  }
  return value;
}

/** A `YYYY-MM-DD` day as a day number, or undefined when absent. */
export function optionalDayNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const day = parseIsoDate(value);
  if (day === undefined) throw new ValidationError(`Invalid ${name}`, [`${name}: ${quoted(value)} is not a date as YYYY-MM-DD`]);
  return day;
}

/** An ISO instant (Z or offset) as epoch ms, or undefined when absent. */
export function optionalInstantMs(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const ms = parseIsoInstant(value);
  if (ms === undefined) {
    throw new ValidationError(`Invalid ${name}`, [`${name}: ${quoted(value)} is not an ISO 8601 instant with Z or an offset, e.g. 2026-01-31T12:00:00Z`]);
  }
  return ms;
}

/** A `YYYY-MM` month, or undefined when absent. */
export function optionalMonth(name: string, value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(value)) throw new ValidationError(`Invalid ${name}`, [`${name}: ${quoted(value)} is not a month as YYYY-MM`]);
  return value;
}

function list<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T[] | undefined {
  if (value === undefined || value === '') return undefined;
  const items = value.split(',').map((s) => s.trim().toUpperCase());
  const wrong = items.filter((item) => !(allowed as readonly string[]).includes(item));
  if (wrong.length > 0) {
    throw new ValidationError(`Invalid ${name}`, [`${name}: ${wrong.slice(0, 5).map(quoted).join(', ')} not one of ${allowed.join(', ')} (comma-separated)`]);
  }
  return items as T[];
}

/** Comma-separated execution statuses. */
export function statusList(name: string, value: string | undefined): ExecutionStatus[] | undefined {
  return list(name, value, STATUSES);
}

/** Comma-separated trigger types. */
export function triggerTypeList(name: string, value: string | undefined): TriggerType[] | undefined {
  return list(name, value, TRIGGER_TYPES);
}
