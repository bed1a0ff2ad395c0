import { Cron } from 'croner';
import { nextOccurrences } from '../../src/schedules/next-occurrences';
import { ScheduleConfig, validateScheduleConfig } from '../../src/schedules/schedule-config';

const locals = (config: ScheduleConfig, afterUtc: string, count: number): string[] =>
  nextOccurrences('RECURRING', config, new Date(afterUtc), count).map((o) => o.local);

describe('given 5-field cron expressions', () => {
  it('when asking for the next runs, then they are strictly after `after` and on whole minutes', () => {
    expect(locals({ cron_expression: '*/15 * * * *', timezone: 'UTC' }, '2026-05-01T10:15:00Z', 3)).toEqual([
      '2026-05-01T10:30:00+00:00',
      '2026-05-01T10:45:00+00:00',
      '2026-05-01T11:00:00+00:00',
    ]);
  });

  it('when `after` has milliseconds, then a run in the same second is not returned again', () => {
    expect(locals({ cron_expression: '0 9 * * *', timezone: 'UTC' }, '2026-05-01T09:00:00.500Z', 1)).toEqual(['2026-05-02T09:00:00+00:00']);
  });

  it('when the expression uses names, then they are read as weekdays and months', () => {
    expect(locals({ cron_expression: '0 9 * JAN MON-FRI', timezone: 'UTC' }, '2026-01-02T10:00:00Z', 3)).toEqual([
      '2026-01-05T09:00:00+00:00',
      '2026-01-06T09:00:00+00:00',
      '2026-01-07T09:00:00+00:00',
    ]);
  });

  it('when day-of-month and day-of-week are both set, then either matches (classic OR)', () => {
    // the 13th, or any Friday
    expect(locals({ cron_expression: '0 0 13 * 5', timezone: 'UTC' }, '2026-02-01T00:00:00Z', 4)).toEqual([
      '2026-02-06T00:00:00+00:00',
      '2026-02-13T00:00:00+00:00',
      '2026-02-20T00:00:00+00:00',
      '2026-02-27T00:00:00+00:00',
    ]);
  });
});

describe('given 6-field cron expressions (seconds first)', () => {
  it('when asking for the next runs, then seconds are honoured', () => {
    expect(locals({ cron_expression: '*/20 * * * * *', timezone: 'UTC' }, '2026-05-01T10:00:50Z', 3)).toEqual([
      '2026-05-01T10:01:00+00:00',
      '2026-05-01T10:01:20+00:00',
      '2026-05-01T10:01:40+00:00',
    ]);
  });

  it('when the expression names a second, a minute and an hour, then it runs once a day at that second', () => {
    expect(locals({ cron_expression: '7 30 9 * * *', timezone: 'Asia/Tokyo' }, '2026-05-01T00:00:00Z', 2)).toEqual([
      '2026-05-01T09:30:07+09:00',
      '2026-05-02T09:30:07+09:00',
    ]);
  });
});

describe('given a time zone', () => {
  it.each<[string, string, string]>([
    ['America/New_York', '2026-01-15T14:00:00.000Z', '2026-01-15T09:00:00-05:00'],
    ['America/New_York', '2026-07-15T13:00:00.000Z', '2026-07-15T09:00:00-04:00'],
    ['Asia/Kolkata', '2026-01-15T03:30:00.000Z', '2026-01-15T09:00:00+05:30'],
    ['Asia/Kathmandu', '2026-01-15T03:15:00.000Z', '2026-01-15T09:00:00+05:45'],
    ['Pacific/Kiritimati', '2026-01-14T19:00:00.000Z', '2026-01-15T09:00:00+14:00'],
  ])('when a 09:00 job runs in %s, then it runs at 09:00 local (%s)', (timezone, utc, local) => {
    const [o] = nextOccurrences('RECURRING', { cron_expression: '0 9 * * *', timezone }, new Date(Date.parse(utc) - 1000), 1);
    expect(o.at.toISOString()).toBe(utc);
    expect(o.local).toBe(local);
  });
});

describe('given day filters', () => {
  it('when days_of_week is set, then only those weekdays run', () => {
    // 2026-03-02 is a Monday
    expect(locals({ cron_expression: '0 9 * * *', timezone: 'UTC', days_of_week: [1, 3] }, '2026-03-01T00:00:00Z', 4)).toEqual([
      '2026-03-02T09:00:00+00:00',
      '2026-03-04T09:00:00+00:00',
      '2026-03-09T09:00:00+00:00',
      '2026-03-11T09:00:00+00:00',
    ]);
  });

  it('when exclusions are set, then those weekdays are skipped', () => {
    expect(locals({ cron_expression: '0 9 * * *', timezone: 'UTC', exclusions: [0, 6] }, '2026-03-06T10:00:00Z', 2)).toEqual([
      '2026-03-09T09:00:00+00:00',
      '2026-03-10T09:00:00+00:00',
    ]);
  });

  it('when excluded_dates are set, then those local dates are skipped, in the task zone', () => {
    // 2026-12-25 00:30 in Auckland is still 12-24 in UTC: the zone decides.
    expect(
      locals({ cron_expression: '30 0 * * *', timezone: 'Pacific/Auckland', excluded_dates: ['2026-12-25', '2026-12-26'] }, '2026-12-23T10:00:00Z', 2),
    ).toEqual(['2026-12-24T00:30:00+13:00', '2026-12-27T00:30:00+13:00']);
  });

  it('when days_of_week, exclusions and excluded dates combine, then all apply', () => {
    expect(
      locals(
        { cron_expression: '0 12 * * *', timezone: 'UTC', days_of_week: [1, 2, 3], exclusions: [2], excluded_dates: ['2026-03-04'] },
        '2026-03-01T00:00:00Z',
        3,
      ),
    ).toEqual(['2026-03-02T12:00:00+00:00', '2026-03-09T12:00:00+00:00', '2026-03-11T12:00:00+00:00']);
  });

  it('when a filtered every-second schedule meets a weekend, then it jumps to Monday at once', () => {
    expect(locals({ cron_expression: '* * * * * *', timezone: 'UTC', exclusions: [0, 6] }, '2026-03-06T23:59:58Z', 3)).toEqual([
      '2026-03-06T23:59:59+00:00',
      '2026-03-09T00:00:00+00:00',
      '2026-03-09T00:00:01+00:00',
    ]);
  });
});

describe('given a cron expression with a time_range window', () => {
  it('when the window is inside a day, then only ticks inside it run, both ends included', () => {
    expect(
      locals({ cron_expression: '*/30 * * * *', timezone: 'UTC', time_range: { start: '09:00', end: '10:00' } }, '2026-03-02T08:00:00Z', 4),
    ).toEqual(['2026-03-02T09:00:00+00:00', '2026-03-02T09:30:00+00:00', '2026-03-02T10:00:00+00:00', '2026-03-03T09:00:00+00:00']);
  });

  it('when the window crosses midnight, then it runs from the start to the end the next morning', () => {
    expect(
      locals({ cron_expression: '0 * * * *', timezone: 'UTC', time_range: { start: '22:00', end: '01:00' } }, '2026-03-02T12:00:00Z', 5),
    ).toEqual([
      '2026-03-02T22:00:00+00:00',
      '2026-03-02T23:00:00+00:00',
      '2026-03-03T00:00:00+00:00',
      '2026-03-03T01:00:00+00:00',
      '2026-03-03T22:00:00+00:00',
    ]);
  });

  it('when a crossing window has day filters, then they pick the day the window opens', () => {
    // Fridays only (2026-03-06 is a Friday): Friday's window runs into Saturday morning; the
    // Thursday-night window, which runs into Friday morning, does not open.
    expect(
      locals(
        { cron_expression: '0 * * * *', timezone: 'UTC', time_range: { start: '23:00', end: '01:00' }, days_of_week: [5] },
        '2026-03-05T12:00:00Z',
        4,
      ),
    ).toEqual(['2026-03-06T23:00:00+00:00', '2026-03-07T00:00:00+00:00', '2026-03-07T01:00:00+00:00', '2026-03-13T23:00:00+00:00']);
  });

  it('when a 6-field cron meets the window end, then the end minute is included only at its first second', () => {
    expect(
      locals({ cron_expression: '*/30 * * * * *', timezone: 'UTC', time_range: { start: '09:00', end: '09:01' } }, '2026-03-02T08:00:00Z', 4),
    ).toEqual(['2026-03-02T09:00:00+00:00', '2026-03-02T09:00:30+00:00', '2026-03-02T09:01:00+00:00', '2026-03-03T09:00:00+00:00']);
  });
});

describe('given day-of-month and day-of-week specials', () => {
  // The engine reads croner's parsed pattern and matches days itself; compare over four years, in UTC
  // (no DST), so only the date rules are under test.
  it.each([
    '0 0 L * *',
    '0 0 15W * *',
    '0 0 1W * *',
    '0 0 31W * *',
    '0 0 LW * *',
    '0 0 * * 5#3',
    '0 0 * * 5L',
    '0 0 13 * 5',
    '0 0 13 * +5',
    '0 0 1,15 * MON',
    '0 0 29 2 *',
    '0 0 * 2 SUN#5',
    '0 0 L 2 *',
    '0 0 ? * MON-FRI',
    '0 12 */2 * *',
    '0 0 1-7 * 1',
    '0 0 L * 0',
    '0 0 1 1,7 *',
  ])('when enumerating 2026–2029 for "%s", then the days are croner\'s', (expression) => {
    const from = new Date('2026-01-01T00:00:00Z');
    const to = Date.parse('2030-01-01T00:00:00Z');
    const croner = new Cron(expression, { timezone: 'UTC', mode: '5-or-6-parts', paused: true });
    const reference: string[] = [];
    for (let d = croner.nextRun(from); d && d.getTime() < to; d = croner.nextRun(d)) reference.push(d.toISOString());
    const ours = nextOccurrences('RECURRING', { cron_expression: expression, timezone: 'UTC' }, from, reference.length + 1)
      .map((o) => o.at.toISOString())
      .filter((iso) => Date.parse(iso) < to);
    expect(ours).toEqual(reference);
  });
});

describe('given a yearly expression', () => {
  it('when asking for three runs, then it jumps years without walking them', () => {
    expect(locals({ cron_expression: '0 0 29 2 *', timezone: 'Europe/Berlin' }, '2026-01-01T00:00:00Z', 3)).toEqual([
      '2028-02-29T00:00:00+01:00',
      '2032-02-29T00:00:00+01:00',
      '2036-02-29T00:00:00+01:00',
    ]);
  });
});

describe('given random combinations of cron, window and day filters', () => {
  // A brute-force reference written straight from the documented rules: walk every minute, keep
  // those croner matches, inside the window (both ends included, the window belonging to the day it
  // opens; equal ends = the whole day), on allowed days. Zones without DST keep the reference simple.
  const expressions = ['*/15 * * * *', '0 * * * *', '30 */3 * * *', '0,45 22-23,0-2 * * *', '*/20 9-17 * * 1-5', '0 0 * * 0'];
  const windows = [undefined, ['09:00', '17:00'], ['22:00', '02:30'], ['06:00', '06:00'], ['23:59', '00:01']] as const;
  const filters: Partial<ScheduleConfig>[] = [{}, { days_of_week: [1, 2, 3, 4, 5] }, { exclusions: [0, 3] }, { excluded_dates: ['2026-03-03', '2026-03-06'] }];
  const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));

  function reference(config: ScheduleConfig, offsetMinutes: number, from: number, to: number): string[] {
    const cron = new Cron(config.cron_expression as string, { timezone: 'UTC', paused: true });
    const out: string[] = [];
    for (let t = from + 60_000; t <= to; t += 60_000) {
      const localMinute = t / 60_000 + offsetMinutes;
      if (!cron.match(new Date(localMinute * 60_000))) continue;
      let day = Math.floor(localMinute / 1440);
      if (config.time_range) {
        const start = minutes(config.time_range.start);
        const end = minutes(config.time_range.end);
        const span = end > start ? end - start : end < start ? end + 1440 - start : 1439;
        day = Math.floor((localMinute - start) / 1440);
        if (localMinute - (day * 1440 + start) > span) continue;
      }
      const weekday = (((day + 4) % 7) + 7) % 7;
      const date = new Date(day * 86_400_000).toISOString().slice(0, 10);
      if (config.days_of_week && !config.days_of_week.includes(weekday)) continue;
      if (config.exclusions?.includes(weekday)) continue;
      if (config.excluded_dates?.includes(date)) continue;
      out.push(new Date(t).toISOString());
    }
    return out;
  }

  const random = (() => {
    let s = 1234;
    return () => {
      s = (s * 1664525 + 1013904223) >>> 0;
      return s / 2 ** 32;
    };
  })();
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const combos = Array.from({ length: 30 }, (_, i) => {
    const window = pick(windows);
    const config: ScheduleConfig = {
      cron_expression: pick(expressions),
      timezone: i % 2 ? 'Asia/Kolkata' : 'UTC',
      ...pick(filters),
      ...(window ? { time_range: { start: window[0], end: window[1] } } : {}),
    };
    return [JSON.stringify(config), config] as const;
  });

  it.each(combos)('when enumerating 8 days of %s, then the runs are the brute-force reference', (_name, config) => {
    const from = Date.parse('2026-03-01T00:00:00Z');
    const to = Date.parse('2026-03-09T00:00:00Z');
    const expected = reference(config, config.timezone === 'UTC' ? 0 : 330, from, to);
    const validation = validateScheduleConfig('RECURRING', config);
    if (!validation.ok) {
      // Some combinations can never run (Sundays only, filtered to weekdays): rejected, and indeed empty.
      expect(validation.details).toEqual([expect.stringMatching(/never runs|no time of/)]);
      expect(expected).toEqual([]);
      return;
    }
    const ours = nextOccurrences('RECURRING', config, new Date(from), expected.length + 1)
      .map((o) => o.at.toISOString())
      .filter((iso) => Date.parse(iso) <= to);
    expect(ours).toEqual(expected);
  });
});
