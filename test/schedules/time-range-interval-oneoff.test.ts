import { nextOccurrences } from '../../src/schedules/next-occurrences';
import { ScheduleConfig, ScheduleType } from '../../src/schedules/schedule-config';

const locals = (config: ScheduleConfig, afterUtc: string, count: number, anchorUtc?: string, type: ScheduleType = 'RECURRING') =>
  nextOccurrences(type, config, new Date(afterUtc), count, anchorUtc ? new Date(anchorUtc) : undefined).map((o) =>
    o.dst ? `${o.local} ${o.dst}` : o.local,
  );

describe('given a time_range alone', () => {
  it('when it is 09:00–17:00 every 2h, then it runs at 09, 11, 13, 15 and 17 each day', () => {
    expect(
      locals({ time_range: { start: '09:00', end: '17:00', frequency: { value: 2, unit: 'h' } }, timezone: 'UTC' }, '2026-03-02T00:00:00Z', 6),
    ).toEqual([
      '2026-03-02T09:00:00+00:00',
      '2026-03-02T11:00:00+00:00',
      '2026-03-02T13:00:00+00:00',
      '2026-03-02T15:00:00+00:00',
      '2026-03-02T17:00:00+00:00',
      '2026-03-03T09:00:00+00:00',
    ]);
  });

  it('when the frequency does not divide the window, then the last tick is the last one inside it', () => {
    expect(
      locals({ time_range: { start: '09:00', end: '10:00', frequency: { value: 25, unit: 'm' } }, timezone: 'UTC' }, '2026-03-02T00:00:00Z', 4),
    ).toEqual(['2026-03-02T09:00:00+00:00', '2026-03-02T09:25:00+00:00', '2026-03-02T09:50:00+00:00', '2026-03-03T09:00:00+00:00']);
  });

  it('when the window crosses midnight (22:00–01:00 every 90m), then it runs 22:00, 23:30 and 01:00 the next morning', () => {
    expect(
      locals(
        { time_range: { start: '22:00', end: '01:00', frequency: { value: 90, unit: 'm' } }, timezone: 'Europe/Paris' },
        '2026-01-05T12:00:00Z',
        4,
      ),
    ).toEqual(['2026-01-05T22:00:00+01:00', '2026-01-05T23:30:00+01:00', '2026-01-06T01:00:00+01:00', '2026-01-06T22:00:00+01:00']);
  });

  it('when `after` is inside a crossing window after midnight, then the window of the previous day continues', () => {
    expect(
      locals({ time_range: { start: '23:00', end: '02:00', frequency: { value: 1, unit: 'h' } }, timezone: 'UTC' }, '2026-01-06T00:30:00Z', 3),
    ).toEqual(['2026-01-06T01:00:00+00:00', '2026-01-06T02:00:00+00:00', '2026-01-06T23:00:00+00:00']);
  });

  it('when start equals end, then the window is the whole day and its start is not run twice', () => {
    expect(
      locals({ time_range: { start: '06:00', end: '06:00', frequency: { value: 8, unit: 'h' } }, timezone: 'UTC' }, '2026-01-06T00:00:00Z', 4),
    ).toEqual(['2026-01-06T06:00:00+00:00', '2026-01-06T14:00:00+00:00', '2026-01-06T22:00:00+00:00', '2026-01-07T06:00:00+00:00']);
  });

  it('when the frequency is in seconds, then ticks are seconds apart', () => {
    expect(
      locals({ time_range: { start: '12:00', end: '12:01', frequency: { value: 20, unit: 's' } }, timezone: 'UTC' }, '2026-01-06T00:00:00Z', 5),
    ).toEqual([
      '2026-01-06T12:00:00+00:00',
      '2026-01-06T12:00:20+00:00',
      '2026-01-06T12:00:40+00:00',
      '2026-01-06T12:01:00+00:00',
      '2026-01-07T12:00:00+00:00',
    ]);
  });

  it('when the crossing window has days_of_week, exclusions and excluded dates, then they decide which windows open', () => {
    // Windows open Monday to Friday (2026-03-02 is a Monday), but not Wednesday the 4th.
    expect(
      locals(
        {
          time_range: { start: '23:00', end: '01:00', frequency: { value: 2, unit: 'h' } },
          timezone: 'UTC',
          days_of_week: [1, 2, 3, 4, 5, 6],
          exclusions: [6],
          excluded_dates: ['2026-03-04'],
        },
        '2026-03-02T12:00:00Z',
        5,
      ),
    ).toEqual([
      '2026-03-02T23:00:00+00:00',
      '2026-03-03T01:00:00+00:00',
      '2026-03-03T23:00:00+00:00',
      '2026-03-04T01:00:00+00:00',
      '2026-03-05T23:00:00+00:00',
    ]);
  });

  it('when the window spans a spring-forward gap, then the missing ticks are skipped (a repeating clock)', () => {
    expect(
      locals(
        { time_range: { start: '01:00', end: '04:00', frequency: { value: 30, unit: 'm' } }, timezone: 'America/New_York' },
        '2026-03-08T06:15:00Z',
        3,
      ),
    ).toEqual(['2026-03-08T01:30:00-05:00 transition_day', '2026-03-08T03:00:00-04:00 transition_day', '2026-03-08T03:30:00-04:00 transition_day']);
  });

  it('when the window holds one tick inside a gap, then it is a fixed time and shifts to the gap end', () => {
    expect(
      locals(
        { time_range: { start: '02:30', end: '02:40', frequency: { value: 1, unit: 'h' } }, timezone: 'America/New_York' },
        '2026-03-07T12:00:00Z',
        2,
      ),
    ).toEqual(['2026-03-08T03:00:00-04:00 gap_shifted', '2026-03-09T02:30:00-04:00']);
  });
});

describe('given an interval', () => {
  const anchor = '2026-03-02T10:07:30.250Z';

  it('when it is every 15 minutes, then runs are anchored on the task creation, whatever `after` is', () => {
    const config: ScheduleConfig = { interval: { value: 15, unit: 'm' }, timezone: 'UTC' };
    expect(locals(config, anchor, 2, anchor)).toEqual(['2026-03-02T10:22:30+00:00', '2026-03-02T10:37:30+00:00']);
    expect(locals(config, '2026-03-05T00:00:00Z', 2, anchor)).toEqual(['2026-03-05T00:07:30+00:00', '2026-03-05T00:22:30+00:00']);
    expect(locals(config, '2026-03-05T00:07:30Z', 1, anchor)).toEqual(['2026-03-05T00:22:30+00:00']);
  });

  it('when `after` is before the anchor, then the first run is still one interval after the anchor', () => {
    expect(locals({ interval: { value: 90, unit: 's' }, timezone: 'UTC' }, '2020-01-01T00:00:00Z', 1, anchor)).toEqual([
      '2026-03-02T10:09:00+00:00',
    ]);
  });

  it('when no anchor is given, then the schedule starts at `after`', () => {
    expect(locals({ interval: { value: 1, unit: 'h' }, timezone: 'UTC' }, '2026-03-02T10:00:00Z', 2)).toEqual([
      '2026-03-02T11:00:00+00:00',
      '2026-03-02T12:00:00+00:00',
    ]);
  });

  it('when an hourly interval crosses spring forward, then it keeps elapsed hours (DST does not move it)', () => {
    expect(locals({ interval: { value: 1, unit: 'h' }, timezone: 'America/New_York' }, '2026-03-08T05:30:00Z', 3, '2026-03-01T00:30:00Z')).toEqual([
      '2026-03-08T01:30:00-05:00 transition_day',
      '2026-03-08T03:30:00-04:00 transition_day',
      '2026-03-08T04:30:00-04:00 transition_day',
    ]);
  });

  it('when it is every 6 hours on weekdays, then weekend runs are dropped and the grid is kept', () => {
    // 2026-03-06 is a Friday.
    expect(
      locals({ interval: { value: 6, unit: 'h' }, timezone: 'UTC', exclusions: [0, 6] }, '2026-03-06T17:00:00Z', 3, '2026-03-02T03:00:00Z'),
    ).toEqual(['2026-03-06T21:00:00+00:00', '2026-03-09T03:00:00+00:00', '2026-03-09T09:00:00+00:00']);
  });

  it('when it is every day, then it keeps the anchor wall-clock time across DST', () => {
    expect(locals({ interval: { value: 1, unit: 'd' }, timezone: 'America/New_York' }, '2026-03-06T15:00:00Z', 3, '2026-03-01T14:00:00Z')).toEqual([
      '2026-03-07T09:00:00-05:00',
      '2026-03-08T09:00:00-04:00 transition_day',
      '2026-03-09T09:00:00-04:00',
    ]);
  });

  it('when it is every 2 days with excluded dates, then runs keep their two-day grid and skip those dates', () => {
    expect(
      locals({ interval: { value: 2, unit: 'd' }, timezone: 'UTC', excluded_dates: ['2026-03-05'] }, '2026-03-01T12:00:00Z', 3, '2026-03-01T08:00:00Z'),
    ).toEqual(['2026-03-03T08:00:00+00:00', '2026-03-07T08:00:00+00:00', '2026-03-09T08:00:00+00:00']);
  });

  it('when a daily interval is anchored at a time that falls in a gap on another day, then it shifts (a fixed time)', () => {
    expect(locals({ interval: { value: 1, unit: 'd' }, timezone: 'America/New_York' }, '2026-03-07T12:00:00Z', 2, '2026-03-01T07:30:00Z')).toEqual([
      '2026-03-08T03:00:00-04:00 gap_shifted',
      '2026-03-09T02:30:00-04:00',
    ]);
  });

  it('when a 7-day interval is anchored on a weekday the filter forbids, then it never runs', () => {
    // anchored on a Monday, Mondays excluded: no run can ever land on another weekday
    expect(locals({ interval: { value: 7, unit: 'd' }, timezone: 'UTC', exclusions: [1] }, '2026-03-02T12:00:00Z', 2, '2026-03-02T08:00:00Z')).toEqual(
      [],
    );
  });
});

describe('given a ONEOFF schedule', () => {
  const config: ScheduleConfig = { run_at: '2026-03-08T09:00:00-05:00', timezone: 'America/New_York' };

  it('when asked before run_at, then it runs once at run_at and nothing after', () => {
    expect(locals(config, '2026-01-01T00:00:00Z', 3, undefined, 'ONEOFF')).toEqual(['2026-03-08T10:00:00-04:00 transition_day']);
  });

  it('when asked at or after run_at, then nothing is left', () => {
    expect(locals(config, '2026-03-08T14:00:00Z', 3, undefined, 'ONEOFF')).toEqual([]);
    expect(locals(config, '2026-06-01T00:00:00Z', 3, undefined, 'ONEOFF')).toEqual([]);
  });

  it('when run_at has milliseconds, then they are kept', () => {
    const [o] = nextOccurrences('ONEOFF', { run_at: '2026-05-01T12:00:00.125Z', timezone: 'Europe/London' }, new Date('2026-05-01T12:00:00Z'), 1);
    expect(o.at.toISOString()).toBe('2026-05-01T12:00:00.125Z');
    expect(o.local).toBe('2026-05-01T13:00:00.125+01:00');
  });
});

describe('given invalid input to nextOccurrences', () => {
  it('when the config is invalid, then a ValidationError carries the details', () => {
    expect(() => nextOccurrences('RECURRING', { cron_expression: '61 * * * *', timezone: 'UTC' }, new Date(), 1)).toThrow(
      expect.objectContaining({
        name: 'ValidationError',
        details: ['schedule_config.cron_expression: "61 * * * *" is not a valid cron expression: the minute field has 61, outside 0–59'],
      }),
    );
  });

  it('when `after` is not a valid date or count is negative, then a RangeError is thrown', () => {
    const config: ScheduleConfig = { cron_expression: '* * * * *', timezone: 'UTC' };
    expect(() => nextOccurrences('RECURRING', config, new Date('nope'), 1)).toThrow(RangeError);
    expect(() => nextOccurrences('RECURRING', config, new Date(), -1)).toThrow(RangeError);
  });
});
