import { validateScheduleConfig } from '../../src/schedules/schedule-config';
import { resolveDstPolicy } from '../../src/schedules/dst-policy';

const NY = 'America/New_York';

function detailsOf(type: 'RECURRING' | 'ONEOFF', config: unknown): string[] {
  const result = validateScheduleConfig(type, config);
  if (result.ok) throw new Error(`expected invalid, got ${JSON.stringify(result.value)}`);
  return result.details;
}

describe('validateScheduleConfig', () => {
  describe('given valid recurring configs', () => {
    it.each([
      ['a 5-field cron', { cron_expression: '*/15 * * * *', timezone: NY }],
      ['a 6-field cron', { cron_expression: '30 */5 * * * *', timezone: 'Europe/London' }],
      ['cron names, L, W and #', { cron_expression: '0 9 LW * *', timezone: 'UTC' }],
      ['a time range with frequency', { time_range: { start: '09:00', end: '17:00', frequency: { value: 15, unit: 'm' } }, timezone: NY }],
      ['a window crossing midnight', { time_range: { start: '22:00', end: '02:00', frequency: { value: 1, unit: 'h' } }, timezone: NY }],
      ['cron inside a window (frequency optional)', { cron_expression: '*/5 * * * *', time_range: { start: '09:00', end: '17:00' }, timezone: NY }],
      ['an interval', { interval: { value: 90, unit: 's' }, timezone: 'UTC' }],
      ['a daily interval with filters', { interval: { value: 2, unit: 'd' }, timezone: NY, days_of_week: [1, 2, 3, 4, 5], excluded_dates: ['2026-12-25'] }],
      ['dst and catch_up', { cron_expression: '0 * * * *', timezone: NY, dst: { gap: 'shift', repeat: 'once' }, catch_up: 'latest' }],
      ['half a dst policy', { cron_expression: '0 * * * *', timezone: NY, dst: { repeat: 'once' } }],
      ['an alias zone', { cron_expression: '0 * * * *', timezone: 'US/Eastern' }],
    ])('when it is %s, then it is accepted', (_name, config) => {
      expect(validateScheduleConfig('RECURRING', config)).toEqual({ ok: true, value: expect.objectContaining(config) });
    });

    it('when fields carry null, "" or empty lists as the original API sends, then they are read as absent', () => {
      const result = validateScheduleConfig('RECURRING', {
        cron_expression: '0 9 * * *',
        timezone: NY,
        time_range: null,
        days_of_week: [],
        exclusions: null,
        interval: null,
      });
      expect(result).toEqual({ ok: true, value: { cron_expression: '0 9 * * *', timezone: NY } });
    });

    it('when weekday lists repeat or are unordered, then the value is sorted and unique', () => {
      const result = validateScheduleConfig('RECURRING', { cron_expression: '0 9 * * *', timezone: NY, days_of_week: [5, 1, 1, 3] });
      expect(result.ok && result.value.days_of_week).toEqual([1, 3, 5]);
    });
  });

  describe('given invalid recurring configs', () => {
    it.each<[string, unknown, string[]]>([
      ['not an object', 'every hour', ['schedule_config: must be an object']],
      [
        'a cron value out of range',
        { cron_expression: '61 * * * *', timezone: NY },
        ['schedule_config.cron_expression: "61 * * * *" is not a valid cron expression: the minute field has 61, outside 0–59'],
      ],
      [
        'a day-of-month out of range',
        { cron_expression: '0 0 32 * *', timezone: NY },
        ['schedule_config.cron_expression: "0 0 32 * *" is not a valid cron expression: the day-of-month field has 32, outside 1–31'],
      ],
      [
        'a month out of range in a stepped range',
        { cron_expression: '0 0 1 6-13/2 *', timezone: NY },
        ['schedule_config.cron_expression: "0 0 1 6-13/2 *" is not a valid cron expression: the month field has 13, outside 1–12'],
      ],
      [
        'a 6-field cron with second 60',
        { cron_expression: '60 * * * * *', timezone: NY },
        ['schedule_config.cron_expression: "60 * * * * *" is not a valid cron expression: the second field has 60, outside 0–59'],
      ],
      [
        'a sixth weekday of the month',
        { cron_expression: '0 9 * * MON#6', timezone: NY },
        ['schedule_config.cron_expression: "0 9 * * MON#6" is not a valid cron expression: the day-of-week field has "MON#6"; # takes 1–5 (the nth weekday of the month)'],
      ],
      [
        'a reversed range',
        { cron_expression: '0 5-1 * * *', timezone: NY },
        ["schedule_config.cron_expression: \"0 5-1 * * *\" is not a valid cron expression: from value is larger than to value: '5-1'"],
      ],
      [
        'a cron with 4 fields',
        { cron_expression: '* * * *', timezone: NY },
        [
          'schedule_config.cron_expression: "* * * *" is not a valid cron expression: has 4 fields; expected 5 (minute hour day-of-month month day-of-week) or 6 (second minute hour day-of-month month day-of-week)',
        ],
      ],
      [
        'a cron with 7 fields',
        { cron_expression: '0 0 0 * * * 2026', timezone: NY },
        [
          'schedule_config.cron_expression: "0 0 0 * * * 2026" is not a valid cron expression: has 7 fields; expected 5 (minute hour day-of-month month day-of-week) or 6 (second minute hour day-of-month month day-of-week)',
        ],
      ],
      [
        'a cron with letters',
        { cron_expression: '0 x * * *', timezone: NY },
        ['schedule_config.cron_expression: "0 x * * *" is not a valid cron expression: the hour field (x) contains illegal characters.'],
      ],
      [
        'a cron step of 0',
        { cron_expression: '*/0 * * * *', timezone: NY },
        ['schedule_config.cron_expression: "*/0 * * * *" is not a valid cron expression: syntax error, illegal stepping: 0'],
      ],
      ['a cron that is not a string', { cron_expression: 5, timezone: NY }, ['schedule_config.cron_expression: must be a string']],
      [
        'a cron that never matches a date',
        { cron_expression: '0 0 30 2 *', timezone: NY },
        ['schedule_config.cron_expression: "0 0 30 2 *" never matches a real date'],
      ],
      [
        'a cron whose weekdays are all filtered out',
        { cron_expression: '0 0 * * 1', timezone: NY, days_of_week: [2, 3] },
        ['schedule_config.days_of_week: "0 0 * * 1" never runs on the weekdays that days_of_week and exclusions allow'],
      ],
      [
        'a cron with no tick inside its window',
        { cron_expression: '0 12 * * *', timezone: NY, time_range: { start: '09:00', end: '10:00' } },
        ['schedule_config.time_range: no time of "0 12 * * *" falls inside 09:00–10:00 on the allowed days'],
      ],
      ['an unknown zone', { cron_expression: '0 * * * *', timezone: 'Mars/Base' }, ['schedule_config.timezone: "Mars/Base" is not an IANA time zone']],
      ['an offset for a zone', { cron_expression: '0 * * * *', timezone: '+05:00' }, ['schedule_config.timezone: "+05:00" is not an IANA time zone']],
      [
        'a zone in the wrong case',
        { cron_expression: '0 * * * *', timezone: 'america/new_york' },
        ['schedule_config.timezone: "america/new_york" is not an IANA time zone (did you mean "America/New_York"?)'],
      ],
      ['no zone', { cron_expression: '0 * * * *' }, ['schedule_config.timezone: required (an IANA time zone such as "Europe/London" or "UTC")']],
      [
        'no source of ticks',
        { timezone: NY, days_of_week: [1] },
        ['schedule_config: a RECURRING schedule needs one of cron_expression, interval or time_range (with frequency)'],
      ],
      [
        'cron and interval together',
        { cron_expression: '0 * * * *', interval: { value: 5, unit: 'm' }, timezone: NY },
        ['schedule_config.interval: cannot be combined with cron_expression; use one of them'],
      ],
      [
        'interval and time range together',
        { interval: { value: 5, unit: 'm' }, time_range: { start: '09:00', end: '17:00' }, timezone: NY },
        ['schedule_config.time_range: cannot be combined with interval; for repeats inside a daily window use time_range.frequency'],
      ],
      [
        'a time range without frequency and without cron',
        { time_range: { start: '09:00', end: '17:00' }, timezone: NY },
        ['schedule_config.time_range.frequency: required when time_range is the schedule (without cron_expression)'],
      ],
      [
        'bad HH:MM values',
        { time_range: { start: '24:00', end: '9:5', frequency: { value: 1, unit: 'h' } }, timezone: NY },
        [
          'schedule_config.time_range.start: "24:00" is not a time of day "HH:MM" (00:00–23:59)',
          'schedule_config.time_range.end: "9:5" is not a time of day "HH:MM" (00:00–23:59)',
        ],
      ],
      [
        'a bad frequency',
        { time_range: { start: '09:00', end: '17:00', frequency: { value: 0, unit: 'd' } }, timezone: NY },
        [
          'schedule_config.time_range.frequency.value: 0 is not a whole number ≥ 1',
          'schedule_config.time_range.frequency.unit: "d" is not one of s, m, h',
        ],
      ],
      [
        'a frequency longer than a day',
        { time_range: { start: '09:00', end: '17:00', frequency: { value: 25, unit: 'h' } }, timezone: NY },
        ['schedule_config.time_range.frequency: 25h is longer than a day'],
      ],
      [
        'a bad interval',
        { interval: { value: 1.5, unit: 'w' }, timezone: NY },
        ['schedule_config.interval.value: 1.5 is not a whole number ≥ 1', 'schedule_config.interval.unit: "w" is not one of s, m, h, d'],
      ],
      [
        'weekdays out of range',
        { cron_expression: '0 9 * * *', timezone: NY, days_of_week: [1, 7], exclusions: ['sat'] },
        [
          'schedule_config.days_of_week[1]: 7 is not a weekday (0–6, 0 = Sunday)',
          'schedule_config.exclusions[0]: "sat" is not a weekday (0–6, 0 = Sunday)',
        ],
      ],
      [
        'exclusions that leave no weekday',
        { cron_expression: '0 9 * * *', timezone: NY, days_of_week: [0, 6], exclusions: [0, 6] },
        ['schedule_config.exclusions: excludes every weekday listed in days_of_week, so the schedule would never run'],
      ],
      [
        'excluded dates that are not dates',
        { cron_expression: '0 9 * * *', timezone: NY, excluded_dates: ['2026-02-30', '2026/12/25'] },
        [
          'schedule_config.excluded_dates[0]: "2026-02-30" is not a date "YYYY-MM-DD"',
          'schedule_config.excluded_dates[1]: "2026/12/25" is not a date "YYYY-MM-DD"',
        ],
      ],
      [
        'a bad dst policy',
        { cron_expression: '0 9 * * *', timezone: NY, dst: { gap: 'later', repeat: 'never', fold: 1 } },
        [
          'schedule_config.dst.fold: unknown field (allowed: gap, repeat)',
          'schedule_config.dst.gap: "later" is not one of shift, skip',
          'schedule_config.dst.repeat: "never" is not one of once, twice',
        ],
      ],
      ['a bad catch_up', { cron_expression: '0 9 * * *', timezone: NY, catch_up: 'all' }, ['schedule_config.catch_up: "all" is not one of none, latest']],
      [
        'unknown keys',
        { cron_expression: '0 9 * * *', timezone: NY, cron: '* * * * *', time_range: { start: '09:00', end: '10:00', every: 1 } },
        [
          'schedule_config.cron: unknown field (allowed: cron_expression, timezone, time_range, days_of_week, exclusions, excluded_dates, interval, run_at, dst, catch_up)',
          'schedule_config.time_range.every: unknown field (allowed: start, end, frequency)',
        ],
      ],
      ['run_at on a recurring schedule', { cron_expression: '0 9 * * *', timezone: NY, run_at: '2026-03-08T09:00:00Z' }, ['schedule_config.run_at: only for ONEOFF schedules']],
    ])('when it has %s, then the details name the field and the problem', (_name, config, details) => {
      expect(detailsOf('RECURRING', config)).toEqual(details);
    });

    it('when several fields are wrong, then every problem is reported', () => {
      expect(detailsOf('RECURRING', { cron_expression: '61 * * * *', timezone: 'Mars/Base' })).toEqual([
        'schedule_config.timezone: "Mars/Base" is not an IANA time zone',
        'schedule_config.cron_expression: "61 * * * *" is not a valid cron expression: the minute field has 61, outside 0–59',
      ]);
    });
  });

  describe('given one-off configs', () => {
    it('when run_at is an instant with an offset, then it is accepted', () => {
      const config = { run_at: '2026-03-08T09:00:00.250-05:00', timezone: NY, catch_up: 'latest' };
      expect(validateScheduleConfig('ONEOFF', config)).toEqual({ ok: true, value: config });
    });

    it.each<[string, unknown, string[]]>([
      ['no run_at', { timezone: NY }, ['schedule_config.run_at: required for ONEOFF schedules (an ISO 8601 instant, e.g. "2026-03-08T09:00:00Z")']],
      [
        'a run_at without offset',
        { run_at: '2026-03-08T09:00:00', timezone: NY },
        ['schedule_config.run_at: "2026-03-08T09:00:00" has no offset; add Z or one such as -05:00 (timezone is only used for display)'],
      ],
      [
        'a run_at on a day that does not exist',
        { run_at: '2026-02-30T09:00:00Z', timezone: NY },
        ['schedule_config.run_at: "2026-02-30T09:00:00Z" is not a real date and time (e.g. "2026-03-08T09:00:00Z" or "2026-03-08T09:00:00-05:00")'],
      ],
      [
        'a run_at that is not ISO 8601',
        { run_at: 'next tuesday', timezone: NY },
        ['schedule_config.run_at: "next tuesday" is not an ISO 8601 instant (e.g. "2026-03-08T09:00:00Z" or "2026-03-08T09:00:00-05:00")'],
      ],
      [
        'recurring fields',
        { run_at: '2026-03-08T09:00:00Z', timezone: NY, cron_expression: '0 9 * * *', days_of_week: [1] },
        [
          'schedule_config.cron_expression: not used by ONEOFF schedules (they run once, at run_at)',
          'schedule_config.days_of_week: not used by ONEOFF schedules (they run once, at run_at)',
        ],
      ],
    ])('when it has %s, then the details say so', (_name, config, details) => {
      expect(detailsOf('ONEOFF', config)).toEqual(details);
    });
  });

  it('given an unknown schedule type, when validating, then the type is reported', () => {
    expect(validateScheduleConfig('WEEKLY' as 'RECURRING', { timezone: NY })).toEqual({
      ok: false,
      details: ['schedule_type: "WEEKLY" is not RECURRING or ONEOFF'],
    });
  });
});

describe('resolveDstPolicy (defaults: classic cron)', () => {
  it('given a fixed time of day, when no dst is configured, then gaps shift and repeats run once', () => {
    expect(resolveDstPolicy(true, undefined)).toEqual({ gap: 'shift', repeat: 'once' });
  });

  it('given a repeating clock, when no dst is configured, then gaps are skipped and repeats run twice (elapsed time)', () => {
    expect(resolveDstPolicy(false, undefined)).toEqual({ gap: 'skip', repeat: 'twice' });
  });

  it('given half a policy, when resolving, then the other half keeps its default', () => {
    expect(resolveDstPolicy(false, { gap: 'shift' })).toEqual({ gap: 'shift', repeat: 'twice' });
  });
});
