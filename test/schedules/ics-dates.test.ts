import { icsDates, IcsError, ICS_HORIZON_DAYS } from '../../src/schedules/ics-dates';

/** A public-holiday feed as calendar apps export it: CRLF lines, folding, a VTIMEZONE, all-day events. */
const HOLIDAYS = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//Example Corp//Holidays 2026//EN',
  'CALSCALE:GREGORIAN',
  'X-WR-CALNAME:Company holidays',
  'BEGIN:VTIMEZONE',
  'TZID:Pacific/Auckland',
  'BEGIN:STANDARD',
  'DTSTART:19700405T030000',
  'RRULE:FREQ=YEARLY;BYMONTH=4;BYDAY=1SU',
  'TZOFFSETFROM:+1300',
  'TZOFFSETTO:+1200',
  'END:STANDARD',
  'BEGIN:DAYLIGHT',
  'DTSTART:19700927T020000',
  'RRULE:FREQ=YEARLY;BYMONTH=9;BYDAY=-1SU',
  'TZOFFSETFROM:+1200',
  'TZOFFSETTO:+1300',
  'END:DAYLIGHT',
  'END:VTIMEZONE',
  'BEGIN:VEVENT',
  'UID:newyear-2026@example.com',
  'DTSTAMP:20251101T000000Z',
  'DTSTART;VALUE=DATE:20260101',
  'DTEND;VALUE=DATE:20260102',
  'SUMMARY:New Year\'s Day',
  'END:VEVENT',
  'BEGIN:VEVENT',
  'UID:easter-2026@example.com',
  'DTSTAMP:20251101T000000Z',
  'DTSTART;VALUE=DATE:20260403',
  'DTEND;VALUE=DATE:20260407',
  'SUMMARY:Easter weekend (Good Friday to Easter Monday, a\n  multi-day event)',
  'END:VEVENT',
  'BEGIN:VEVENT',
  'UID:christmas@example.com',
  'DTSTAMP:20251101T000000Z',
  'DTSTART;VALUE=DATE:20251225',
  'DTEND;VALUE=DATE:20251226',
  'RRULE:FREQ=YEARLY',
  'SUMMARY:Christmas Day',
  'END:VEVENT',
  'BEGIN:VEVENT',
  'UID:release-freeze@example.com',
  'DTSTAMP:20251101T000000Z',
  'DTSTART;TZID=Pacific/Auckland:20260310T090000',
  'DTEND;TZID=Pacific/Auckland:20260310T170000',
  'SUMMARY:Release freeze (timed, in Auckland)',
  'END:VEVENT',
  'BEGIN:VEVENT',
  'UID:late-utc@example.com',
  'DTSTAMP:20251101T000000Z',
  'DTSTART:20260520T230000Z',
  'DURATION:PT1H',
  'SUMMARY:Timed in UTC, already the next day in Auckland',
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n');

const IMPORTED_AT = Date.parse('2026-02-01T00:00:00Z');

describe('icsDates', () => {
  const dates = icsDates(HOLIDAYS, 'Pacific/Auckland', IMPORTED_AT);

  it('gives an all-day event its date and a multi-day event each of its dates (DTEND exclusive)', () => {
    expect(dates).toContain('2026-01-01');
    expect(dates).not.toContain('2026-01-02');
    expect(dates).toEqual(expect.arrayContaining(['2026-04-03', '2026-04-04', '2026-04-05', '2026-04-06']));
    expect(dates).not.toContain('2026-04-07');
  });

  it('expands a yearly RRULE from its start up to the horizon after the import', () => {
    const christmases = dates.filter((date) => date.endsWith('-12-25'));
    // Horizon: two years after 2026-02-01, so 2025 through 2027.
    expect(ICS_HORIZON_DAYS).toBe(730);
    expect(christmases).toEqual(['2025-12-25', '2026-12-25', '2027-12-25']);
  });

  it('counts a timed event for the date it starts on in the calendar zone', () => {
    expect(dates).toContain('2026-03-10');
    // 23:00 UTC on the 20th is 11:00 on the 21st in Auckland.
    expect(dates).toContain('2026-05-21');
    expect(dates).not.toContain('2026-05-20');
    expect(icsDates(HOLIDAYS, 'UTC', IMPORTED_AT)).toContain('2026-05-20');
  });

  it('answers sorted, distinct dates and nothing else', () => {
    expect(dates).toEqual([...new Set(dates)].sort());
    expect(dates).toHaveLength(1 + 4 + 3 + 1 + 1);
  });

  it('rejects what is not an iCalendar file', () => {
    expect(() => icsDates('hello, world', 'UTC', IMPORTED_AT)).toThrow(IcsError);
    expect(() => icsDates('BEGIN:VCARD\r\nVERSION:4.0\r\nFN:A\r\nEND:VCARD\r\n', 'UTC', IMPORTED_AT)).toThrow(/VCARD/);
  });
});
