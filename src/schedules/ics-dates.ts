/**
 * The dates of an iCalendar (.ics) file, for a project calendar. Parsed by ical.js (Mozilla's RFC 5545
 * parser, also behind Thunderbird), so folding, escaping, VTIMEZONE and RRULE/EXDATE follow the RFC.
 *
 * What a date means:
 * - an all-day event (DTSTART;VALUE=DATE) covers its dates up to DTEND, exclusive (a three-day event
 *   gives three dates; without DTEND, one);
 * - a timed event counts for the one date it starts on, in the zone given to the import (the calendar's
 *   zone): a 23:00 UTC start is the next day in Pacific/Auckland. A floating time (no zone) is taken as
 *   written;
 * - a recurring event (RRULE, RDATE, less EXDATE) is expanded from its start up to
 *   ICS_HORIZON_DAYS after the import: a yearly holiday is there for the next two years, and importing
 *   the file again later extends it.
 */
import ICAL from 'ical.js';
import { dayOf, formatDay } from './civil-time';
import { localDateOf } from './tick-rules';

/** How far ahead recurring events are expanded, counted from the import. */
export const ICS_HORIZON_DAYS = 730;
/** At most this many dates in one calendar. */
export const MAX_CALENDAR_DATES = 5_000;

export class IcsError extends Error {}

type IcalTime = InstanceType<typeof ICAL.Time>;

/** The sorted, distinct dates of the file's events. Throws IcsError for a file that is not an iCalendar. */
export function icsDates(text: string, timezone: string, nowMs: number): string[] {
  let root: InstanceType<typeof ICAL.Component>;
  try {
    root = new ICAL.Component(ICAL.parse(text));
  } catch (err) {
    throw new IcsError(`not an iCalendar file: ${(err as Error).message.split('\n')[0]}`);
  }
  if (root.name !== 'vcalendar') throw new IcsError(`not an iCalendar file: it holds a ${root.name.toUpperCase()}, not a VCALENDAR`);
  for (const zone of root.getAllSubcomponents('vtimezone')) {
    const tz = new ICAL.Timezone(zone);
    if (!ICAL.TimezoneService.has(tz.tzid)) ICAL.TimezoneService.register(tz);
  }
  const horizonMs = nowMs + ICS_HORIZON_DAYS * 86_400_000;
  const dates = new Set<string>();
  const add = (date: string): void => {
    dates.add(date);
    if (dates.size > MAX_CALENDAR_DATES) throw new IcsError(`more than ${MAX_CALENDAR_DATES} dates`);
  };
  for (const component of root.getAllSubcomponents('vevent')) {
    const event = new ICAL.Event(component);
    if (event.isRecurrenceException()) continue; // a moved occurrence: its master's expansion already counts the day
    if (!event.startDate) throw new IcsError(`event "${event.summary ?? event.uid}" has no DTSTART`);
    const days = event.startDate.isDate && event.endDate ? Math.max(1, dayNumber(event.endDate) - dayNumber(event.startDate)) : 1;
    const occurrence = (start: IcalTime): void => {
      const first = event.startDate.isDate ? dayNumber(start) : dayNumber(start, timezone);
      for (let day = first; day < first + days; day++) add(formatDay(day));
    };
    if (!event.isRecurring()) {
      occurrence(event.startDate);
      continue;
    }
    const iterator = event.iterator();
    for (let next = iterator.next(); next && next.toUnixTime() * 1000 <= horizonMs; next = iterator.next()) occurrence(next);
  }
  return [...dates].sort();
}

/** The day number of a date, or of a time's date (in `timezone` when the time has a zone; as written when floating). */
function dayNumber(time: IcalTime, timezone?: string): number {
  const floating = time.isDate || time.zone === ICAL.Timezone.localTimezone || timezone === undefined;
  if (floating) return dayOf(Date.UTC(time.year, time.month - 1, time.day) / 1000);
  const date = localDateOf(time.toUnixTime() * 1000, timezone);
  return dayOf(Date.parse(`${date}T00:00:00Z`) / 1000);
}
