import type { MaintenanceWindow } from '../../src/events/schedule-rule-events';
import {
  calendarAllowsTick,
  localDateOf,
  nextLocalMidnight,
  nextRuleChange,
  nextWindowBoundary,
  projectRules,
  silencingWindow,
  tickVerdict,
  windowSpanAt,
} from '../../src/schedules/tick-rules';

const ms = (iso: string) => Date.parse(iso);
const iso = (t: number) => new Date(t).toISOString();

describe('tick rules', () => {
  test('the local date is the one in the task zone, not UTC', () => {
    expect(localDateOf(ms('2026-12-24T11:30:00Z'), 'Pacific/Auckland')).toBe('2026-12-25');
    expect(localDateOf(ms('2026-12-25T03:00:00Z'), 'America/Los_Angeles')).toBe('2026-12-24');
    expect(localDateOf(ms('2026-12-25T03:00:00Z'), 'UTC')).toBe('2026-12-25');
  });

  test('calendarAllowsTick: skip holds back the dates, only holds back every other date', () => {
    const dates = new Set(['2026-12-25']);
    const aucklandXmas = ms('2026-12-24T11:30:00Z');
    expect(calendarAllowsTick({ calendarId: 'c', mode: 'skip' }, dates, aucklandXmas, 'Pacific/Auckland')).toBe(false);
    expect(calendarAllowsTick({ calendarId: 'c', mode: 'skip' }, dates, aucklandXmas, 'UTC')).toBe(true);
    expect(calendarAllowsTick({ calendarId: 'c', mode: 'only' }, dates, aucklandXmas, 'Pacific/Auckland')).toBe(true);
    expect(calendarAllowsTick({ calendarId: 'c', mode: 'only' }, new Set(), aucklandXmas, 'Pacific/Auckland')).toBe(false);
  });

  test('local midnight across a DST change (New York springs forward at 02:00, Santiago at midnight)', () => {
    expect(iso(nextLocalMidnight(ms('2026-03-08T12:00:00Z'), 'America/New_York'))).toBe('2026-03-09T04:00:00.000Z');
    // Chile's clocks go from 24:00 to 01:00 on 2026-09-06: the day starts at 01:00 local (04:00 UTC).
    expect(iso(nextLocalMidnight(ms('2026-09-05T12:00:00Z'), 'America/Santiago'))).toBe('2026-09-06T04:00:00.000Z');
  });

  test('a recurring window is open from each start for its duration, overlapping starts merged', () => {
    const weekly = { kind: 'recurring' as const, cronExpression: '0 22 * * 6', timezone: 'Europe/London', durationMinutes: 240 };
    // Saturday 2026-06-06 22:00 BST = 21:00 UTC, open until 01:00 UTC Sunday.
    expect(windowSpanAt(weekly, ms('2026-06-06T23:00:00Z'))).toEqual({ startMs: ms('2026-06-06T21:00:00Z'), endMs: ms('2026-06-07T01:00:00Z') });
    expect(windowSpanAt(weekly, ms('2026-06-07T01:00:00Z'))).toBeNull();
    expect(iso(nextWindowBoundary(weekly, ms('2026-06-07T01:00:00Z')))).toBe('2026-06-13T21:00:00.000Z');
    const hourlyForTwoHours = { kind: 'recurring' as const, cronExpression: '0 * * * *', timezone: 'UTC', durationMinutes: 120 };
    // Each start falls inside the previous span: one span that never ends within the merge bound.
    const span = windowSpanAt(hourlyForTwoHours, ms('2026-06-01T10:30:00Z'))!;
    expect(span.startMs).toBe(ms('2026-06-01T09:00:00Z'));
    expect(span.endMs).toBeGreaterThan(ms('2026-06-10T00:00:00Z'));
  });

  test('verdicts name the reason and when to ask again; pause windows before the calendar', () => {
    const release: MaintenanceWindow = { name: 'Release', scope: { kind: 'group', groupId: 'g1' }, effect: 'pause', timing: { kind: 'once', start: '2026-12-24T00:00:00.000Z', end: '2026-12-24T06:00:00.000Z' } };
    const quiet: MaintenanceWindow = { name: 'Quiet', scope: { kind: 'project' }, effect: 'silence', timing: { kind: 'once', start: '2026-12-24T00:00:00.000Z', end: '2026-12-31T00:00:00.000Z' } };
    const rules = projectRules({ holidays: { name: 'Holidays', dates: ['2026-12-25', '2026-12-31'] } }, { release, quiet });
    const subject = { taskId: 't1', groupId: 'g1', calendar: { calendarId: 'holidays', mode: 'skip' as const }, timezone: 'Pacific/Auckland' };
    expect(tickVerdict(rules, subject, ms('2026-12-24T01:00:00Z'))).toEqual({ fires: false, reason: 'maintenance window "Release"', untilMs: ms('2026-12-24T06:00:00Z') });
    // 11:30 UTC on the 24th is the 25th in Auckland: skipped until its next local midnight (11:00 UTC on the 25th, NZDT +13).
    expect(tickVerdict(rules, subject, ms('2026-12-24T11:30:00Z'))).toEqual({ fires: false, reason: 'calendar "Holidays" (skip)', untilMs: ms('2026-12-25T11:00:00Z') });
    expect(tickVerdict(rules, { ...subject, groupId: null }, ms('2026-12-24T01:00:00Z'))).toEqual({ fires: true });
    // `only` waits for the calendar's next date: the 31st in Auckland starts at 11:00 UTC on the 30th.
    expect(tickVerdict(rules, { ...subject, calendar: { calendarId: 'holidays', mode: 'only' } }, ms('2026-12-26T01:00:00Z'))).toEqual({
      fires: false,
      reason: 'calendar "Holidays" (only)',
      untilMs: ms('2026-12-30T11:00:00Z'),
    });
    // Past its last date: never again until the calendar changes.
    expect(tickVerdict(rules, { ...subject, calendar: { calendarId: 'holidays', mode: 'only' } }, ms('2027-01-05T01:00:00Z'))).toMatchObject({ fires: false, untilMs: Number.NaN });
    // A calendar that does not exist holds no dates.
    expect(tickVerdict(rules, { ...subject, calendar: { calendarId: 'gone', mode: 'skip' } }, ms('2026-12-24T11:30:00Z'))).toEqual({ fires: true });
    expect(iso(nextRuleChange(rules, subject, ms('2026-12-24T01:00:00Z')))).toBe('2026-12-24T06:00:00.000Z');
    // Silence windows do not hold ticks back, but keep alerts quiet (and so do pause windows).
    expect(silencingWindow(rules, { taskId: 't2', groupId: null }, ms('2026-12-27T00:00:00Z'))?.name).toBe('Quiet');
    expect(silencingWindow(rules, { taskId: 't2', groupId: null }, ms('2026-12-31T00:00:00Z'))).toBeNull();
  });
});
