import { compileSchedule, scheduleCacheStats } from '../../src/schedules/compile-schedule';
import { CompiledSchedule, OccurrenceDetail } from '../../src/schedules/compiled-schedule';
import { occurrencesBetween } from '../../src/schedules/next-occurrences';
import { ScheduleConfig, ScheduleType } from '../../src/schedules/schedule-config';
import { ZonedSchedule } from '../../src/schedules/zoned-schedule';

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Counts by stepping through every occurrence: the slow reference for countBetween. */
function countByStepping(schedule: CompiledSchedule, fromMs: number, toMs: number): number {
  let n = 0;
  for (let t = schedule.nextMs(fromMs); !Number.isNaN(t) && t <= toMs; t = schedule.nextMs(t)) n++;
  return n;
}

describe('given tasks with identical patterns', () => {
  it('when compiled twice, then the same compiled object is returned', () => {
    const config: ScheduleConfig = { cron_expression: '15 * * * * *', timezone: 'Europe/Madrid' };
    expect(compileSchedule('RECURRING', config)).toBe(compileSchedule('RECURRING', { ...config }));
  });

  it('when the configs differ only in spelling (key order, spaces, case, list order), then they still share', () => {
    const a = compileSchedule('RECURRING', { cron_expression: '0 9 * * mon-fri', timezone: 'UTC', days_of_week: [1, 2] });
    const b = compileSchedule('RECURRING', { days_of_week: [2, 1], timezone: 'UTC', cron_expression: ' 0  9 * *   MON-FRI ' });
    expect(a).toBe(b);
  });

  it('when the zone or DST policy differs, then the schedule differs but the parsed expression is shared', () => {
    const ny = compileSchedule('RECURRING', { cron_expression: '5 * * * * *', timezone: 'America/New_York' }) as ZonedSchedule;
    const sydney = compileSchedule('RECURRING', { cron_expression: '5 * * * * *', timezone: 'Australia/Sydney' }) as ZonedSchedule;
    const nyOnce = compileSchedule('RECURRING', { cron_expression: '5 * * * * *', timezone: 'America/New_York', dst: { repeat: 'once' } }) as ZonedSchedule;
    expect(ny).not.toBe(sydney);
    expect(ny).not.toBe(nyOnce);
    expect(ny.times).toBe(sydney.times);
    expect(ny.times).toBe(nyOnce.times);
  });

  it('when 6,000 tasks use 60 second offsets in 3 zones, then they hold 180 compiled schedules and 60 parsed patterns', () => {
    const zones = ['America/New_York', 'Europe/London', 'Asia/Singapore'];
    const compiled: CompiledSchedule[] = [];
    for (let i = 0; i < 6000; i++) {
      compiled.push(compileSchedule('RECURRING', { cron_expression: `${i % 60} * * * * *`, timezone: zones[Math.floor(i / 60) % 3] }));
    }
    const schedules = new Set(compiled);
    const patterns = new Set([...schedules].map((s) => (s as ZonedSchedule).times));
    expect(schedules.size).toBe(180);
    expect(patterns.size).toBe(60);
    expect(scheduleCacheStats().schedules).toBeGreaterThanOrEqual(180);
  });

  it('when interval tasks have different anchors, then each gets its own small schedule', () => {
    const config: ScheduleConfig = { interval: { value: 5, unit: 'm' }, timezone: 'UTC' };
    const a = compileSchedule('RECURRING', config, new Date('2026-01-01T00:00:00Z'));
    const b = compileSchedule('RECURRING', config, new Date('2026-01-01T00:01:00Z'));
    expect(a).not.toBe(b);
    expect(a.next(new Date('2026-01-01T00:02:00Z'))).toEqual(new Date('2026-01-01T00:05:00Z'));
    expect(b.next(new Date('2026-01-01T00:02:00Z'))).toEqual(new Date('2026-01-01T00:06:00Z'));
  });

  it('when an interval is compiled without an anchor, then it is refused', () => {
    expect(() => compileSchedule('RECURRING', { interval: { value: 5, unit: 'm' }, timezone: 'UTC' })).toThrow(RangeError);
  });

  it('when an invalid config matches nothing in the cache, then compiling throws a ValidationError', () => {
    expect(() => compileSchedule('RECURRING', { cron_expression: '* * *', timezone: 'UTC' })).toThrow(expect.objectContaining({ name: 'ValidationError' }));
  });
});

describe('given a compiled schedule', () => {
  it('when next() is called with a Date, then it returns the next Date or null', () => {
    const schedule = compileSchedule('ONEOFF', { run_at: '2026-03-08T09:00:00Z', timezone: 'UTC' });
    expect(schedule.next(new Date('2026-03-08T08:59:59Z'))).toEqual(new Date('2026-03-08T09:00:00Z'));
    expect(schedule.next(new Date('2026-03-08T09:00:00Z'))).toBeNull();
  });

  it('when nextMs is given a detail object, then it reports the DST adjustment in place', () => {
    const schedule = compileSchedule('RECURRING', { cron_expression: '30 2 * * *', timezone: 'America/New_York' });
    const detail: OccurrenceDetail = { dst: undefined };
    expect(schedule.nextMs(Date.parse('2026-03-07T12:00:00Z'), detail)).toBe(Date.parse('2026-03-08T07:00:00Z'));
    expect(detail.dst).toBe('gap_shifted');
    schedule.nextMs(Date.parse('2026-03-08T12:00:00Z'), detail);
    expect(detail.dst).toBeUndefined();
  });
});

describe('given downtime accounting (occurrencesBetween and countBetween)', () => {
  const cases: [string, ScheduleType, ScheduleConfig][] = [
    ['every 7 min, New York', 'RECURRING', { cron_expression: '*/7 * * * *', timezone: 'America/New_York' }],
    ['every 7 min, repeat once', 'RECURRING', { cron_expression: '*/7 * * * *', timezone: 'America/New_York', dst: { repeat: 'once' } }],
    ['every 20 min, gap shift', 'RECURRING', { cron_expression: '*/20 * * * *', timezone: 'America/New_York', dst: { gap: 'shift' } }],
    ['hourly at :00, gap shift (merges with 03:00)', 'RECURRING', { cron_expression: '0 * * * *', timezone: 'Europe/London', dst: { gap: 'shift' } }],
    ['02:30 daily, shift', 'RECURRING', { cron_expression: '30 2 * * *', timezone: 'America/New_York' }],
    ['02:30 daily, skip', 'RECURRING', { cron_expression: '30 2 * * *', timezone: 'America/New_York', dst: { gap: 'skip' } }],
    ['02:30 daily, twice', 'RECURRING', { cron_expression: '30 2 * * *', timezone: 'Australia/Sydney', dst: { repeat: 'twice' } }],
    ['every 10 s with weekday filter', 'RECURRING', { cron_expression: '*/10 * * * * *', timezone: 'Europe/London', exclusions: [0, 3] }],
    ['cron in a crossing window, Fridays', 'RECURRING', { cron_expression: '*/15 * * * *', timezone: 'America/New_York', time_range: { start: '22:00', end: '02:30' }, days_of_week: [5, 6] }],
    ['time range every 25 min', 'RECURRING', { time_range: { start: '23:10', end: '03:00', frequency: { value: 25, unit: 'm' } }, timezone: 'Australia/Sydney', excluded_dates: ['2026-04-05'] }],
    ['interval 45 min with exclusions', 'RECURRING', { interval: { value: 45, unit: 'm' }, timezone: 'America/New_York', exclusions: [6] }],
    ['interval 1 day with filters', 'RECURRING', { interval: { value: 1, unit: 'd' }, timezone: 'America/New_York', exclusions: [2] }],
    ['one-off', 'ONEOFF', { run_at: '2026-03-08T07:30:00Z', timezone: 'America/New_York' }],
  ];
  const anchor = new Date('2026-01-01T00:17:00Z');
  const around = ['2026-03-06T00:00:00Z', '2026-04-03T00:00:00Z', '2026-10-23T00:00:00Z', '2026-10-31T00:00:00Z'].map(Date.parse);

  it.each(cases)('%s: when counting random ranges around DST changes, then the count equals stepping through them', (_name, type, config) => {
    const schedule = compileSchedule(type, config, anchor);
    const random = prng(7);
    for (let i = 0; i < 40; i++) {
      const from = around[i % around.length] + Math.floor(random() * 3 * 86_400_000);
      const to = from + Math.floor(random() * 3 * 86_400_000);
      expect({ from, to, count: schedule.countBetween(from, to) }).toEqual({ from, to, count: countByStepping(schedule, from, to) });
    }
  });

  it.each(cases)('%s: when asking occurrencesBetween, then first, count and last agree with stepping', (_name, type, config) => {
    const from = new Date('2026-03-07T10:00:00Z');
    const to = new Date('2026-03-09T13:00:00Z');
    const result = occurrencesBetween(type, config, from, to, 5, anchor);
    const schedule = compileSchedule(type, config, anchor);
    const all: number[] = [];
    for (let t = schedule.nextMs(from.getTime()); !Number.isNaN(t) && t <= to.getTime(); t = schedule.nextMs(t)) all.push(t);
    expect(result.count).toBe(all.length);
    expect(result.first.map((o) => o.at.getTime())).toEqual(all.slice(0, 5));
    expect(result.last?.at.getTime() ?? null).toBe(all.length ? all[all.length - 1] : null);
  });

  it('when an every-second schedule was down for ten years, then counting is immediate and exact (elapsed seconds)', () => {
    const from = new Date('2020-01-01T00:00:00Z');
    const to = new Date('2030-01-01T00:00:00Z');
    const started = process.hrtime.bigint();
    const result = occurrencesBetween('RECURRING', { cron_expression: '* * * * * *', timezone: 'America/New_York' }, from, to, 100);
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    expect(result.count).toBe((to.getTime() - from.getTime()) / 1000);
    expect(result.first).toHaveLength(100);
    expect(result.first[0].at).toEqual(new Date('2020-01-01T00:00:01Z'));
    expect(result.last?.at).toEqual(to);
    expect(elapsedMs).toBeLessThan(2000); // a generous bound; it takes a few ms
  });

  it('when the range ends exactly on an occurrence, then it is included; when it starts on one, then it is not', () => {
    const config: ScheduleConfig = { cron_expression: '0 * * * *', timezone: 'UTC' };
    const result = occurrencesBetween('RECURRING', config, new Date('2026-01-01T00:00:00Z'), new Date('2026-01-01T03:00:00Z'), 10);
    expect(result.first.map((o) => o.local)).toEqual(['2026-01-01T01:00:00+00:00', '2026-01-01T02:00:00+00:00', '2026-01-01T03:00:00+00:00']);
    expect(result.count).toBe(3);
  });
});
