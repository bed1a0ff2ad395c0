import { ValidationError } from '../../errors/app-error';
import { quoted } from '../../errors/quoted';
import type { CalendarDef } from '../../events/schedule-rule-events';
import { parseIsoDate } from '../../schedules/civil-time';
import { MAX_CALENDAR_DATES } from '../../schedules/ics-dates';
import { checkTimeZone } from '../../schedules/time-zone';

/** A project calendar: a named set of dates. */
export interface CalendarBody {
  /** Shown in the dashboard and in skip reasons. */
  name: string;
  /** Dates as YYYY-MM-DD, in any order; duplicates are dropped. */
  dates: string[];
}

export interface CalendarResponse {
  calendar_id: string;
  name: string;
  /** Sorted, distinct. */
  dates: string[];
}

/** An iCalendar file to fill a calendar from; it replaces the calendar's dates. */
export interface CalendarImportBody {
  /** The .ics file's text (at most 512 KiB). */
  ics: string;
  /** The zone a timed event's start date is read in (default UTC); all-day events are dates already. */
  timezone?: string | null;
  /** The calendar's name; default: the existing calendar's, else the file's X-WR-CALNAME, else the id. */
  name?: string | null;
}

/** Ids are chosen by the client (`nz-holidays`), so a PUT is idempotent. Calendars and windows share the rule. */
const RULE_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const MAX_NAME = 100;
export const MAX_ICS_CHARS = 512 * 1024;

export function requireRuleId(field: 'calendar_id' | 'window_id', id: string): void {
  if (!RULE_ID.test(id)) {
    throw new ValidationError(`Invalid ${field}`, [`${field}: ${quoted(id.slice(0, 70))} must be 1 to 63 lowercase letters, digits, - or _, starting with a letter or digit`]);
  }
}

export function ruleName(value: unknown, details: string[]): string {
  const name = typeof value === 'string' ? value.trim() : '';
  if (name === '' || name.length > MAX_NAME) details.push(`name: required, at most ${MAX_NAME} characters`);
  return name;
}

/** The calendar a body stands for, dates sorted and distinct; 400 naming each bad date. */
export function calendarFromBody(body: CalendarBody): CalendarDef {
  const details: string[] = [];
  const name = ruleName(body?.name, details);
  const dates = Array.isArray(body?.dates) ? body.dates : null;
  if (dates === null) details.push('dates: required, a list of YYYY-MM-DD dates');
  else if (dates.length > MAX_CALENDAR_DATES) details.push(`dates: at most ${MAX_CALENDAR_DATES} dates`);
  else {
    dates.forEach((date, index) => {
      if (typeof date !== 'string' || parseIsoDate(date) === undefined) details.push(`dates[${index}]: ${quoted(date)} is not a YYYY-MM-DD date`);
    });
  }
  if (details.length > 0) throw new ValidationError('Invalid calendar', details.slice(0, 20));
  return { name, dates: [...new Set(dates as string[])].sort() };
}

/** The import body's file and zone; 400 for a missing or oversized file or an unknown zone. */
export function importFromBody(body: CalendarImportBody): { ics: string; timezone: string; name: string | null } {
  const details: string[] = [];
  if (typeof body?.ics !== 'string' || body.ics.trim() === '') details.push('ics: required, the text of an .ics file');
  else if (body.ics.length > MAX_ICS_CHARS) details.push(`ics: at most ${MAX_ICS_CHARS} characters`);
  const timezone = body?.timezone ?? 'UTC';
  const zone = checkTimeZone(timezone);
  if (!zone.ok) details.push(`timezone: ${quoted(timezone)} is not an IANA time zone${zone.suggestion ? ` (did you mean ${zone.suggestion}?)` : ''}`);
  const name = body?.name == null ? null : ruleName(body.name, details);
  if (details.length > 0) throw new ValidationError('Invalid calendar import', details);
  return { ics: body.ics, timezone: zone.ok ? zone.name : timezone, name };
}

/** X-WR-CALNAME, the name calendar apps give an exported calendar, if the file has one. */
export function icsCalendarName(ics: string): string | null {
  const match = /^X-WR-CALNAME:(.+)$/m.exec(ics);
  const name = match?.[1].trim().slice(0, MAX_NAME);
  return name ? name : null;
}

export function calendarShape(calendarId: string, calendar: CalendarDef): CalendarResponse {
  return { calendar_id: calendarId, name: calendar.name, dates: calendar.dates };
}
