/**
 * DST on the 2026 transitions of New York (Mar 8 spring forward 02:00→03:00, Nov 1 fall back
 * 02:00→01:00), London (Mar 29 01:00→02:00, Oct 25 02:00→01:00) and Sydney (Apr 5 fall back
 * 03:00→02:00, Oct 4 spring forward 02:00→03:00), for fixed-time and wildcard-hour expressions
 * under every policy. Occurrences are written as local time with offset (which fixes the instant)
 * plus the DST flag.
 */
import { Cron } from 'croner';
import { nextOccurrences } from '../../src/schedules/next-occurrences';
import { ScheduleConfig } from '../../src/schedules/schedule-config';

type Dst = ScheduleConfig['dst'];

function runs(timezone: string, cron: string, dst: Dst, afterUtc: string, count: number): string[] {
  const config: ScheduleConfig = { cron_expression: cron, timezone, ...(dst ? { dst } : {}) };
  return nextOccurrences('RECURRING', config, new Date(afterUtc), count).map((o) => {
    // The local string and the instant must agree.
    expect(Date.parse(o.local)).toBe(o.at.getTime());
    return o.dst ? `${o.local} ${o.dst}` : o.local;
  });
}

const NY = 'America/New_York';
const LONDON = 'Europe/London';
const SYDNEY = 'Australia/Sydney';

describe('given a fixed-time job whose time falls in a spring-forward gap', () => {
  it.each<[string, string, string, string[], string[]]>([
    [
      'New York 2026-03-08, 30 2 * * *',
      NY,
      '2026-03-07T12:00:00Z',
      ['2026-03-08T03:00:00-04:00 gap_shifted', '2026-03-09T02:30:00-04:00', '2026-03-10T02:30:00-04:00'],
      ['2026-03-09T02:30:00-04:00', '2026-03-10T02:30:00-04:00', '2026-03-11T02:30:00-04:00'],
    ],
    [
      'London 2026-03-29, 30 1 * * *',
      LONDON,
      '2026-03-28T12:00:00Z',
      ['2026-03-29T02:00:00+01:00 gap_shifted', '2026-03-30T01:30:00+01:00', '2026-03-31T01:30:00+01:00'],
      ['2026-03-30T01:30:00+01:00', '2026-03-31T01:30:00+01:00', '2026-04-01T01:30:00+01:00'],
    ],
    [
      'Sydney 2026-10-04, 30 2 * * *',
      SYDNEY,
      '2026-10-03T00:00:00Z',
      ['2026-10-04T03:00:00+11:00 gap_shifted', '2026-10-05T02:30:00+11:00', '2026-10-06T02:30:00+11:00'],
      ['2026-10-05T02:30:00+11:00', '2026-10-06T02:30:00+11:00', '2026-10-07T02:30:00+11:00'],
    ],
  ])('%s: when the policy is the default or shift, then it runs at the end of the gap; when skip, then not that day', (name, zone, after, shifted, skipped) => {
    const cron = name.split(', ')[1];
    expect(runs(zone, cron, undefined, after, 3)).toEqual(shifted);
    expect(runs(zone, cron, { gap: 'shift' }, after, 3)).toEqual(shifted);
    expect(runs(zone, cron, { gap: 'skip' }, after, 3)).toEqual(skipped);
  });

  it('New York 2026-03-08: when the time is outside the gap (30 1 * * *), then it runs as usual', () => {
    expect(runs(NY, '30 1 * * *', undefined, '2026-03-07T12:00:00Z', 2)).toEqual([
      '2026-03-08T01:30:00-05:00 transition_day',
      '2026-03-09T01:30:00-04:00',
    ]);
  });
});

describe('given a fixed-time job whose time happens twice on a fall-back day', () => {
  it.each<[string, string, string, string[], string[]]>([
    [
      'New York 2026-11-01, 30 1 * * *',
      NY,
      '2026-10-31T12:00:00Z',
      ['2026-11-01T01:30:00-04:00 transition_day', '2026-11-02T01:30:00-05:00'],
      ['2026-11-01T01:30:00-04:00 transition_day', '2026-11-01T01:30:00-05:00 repeated', '2026-11-02T01:30:00-05:00'],
    ],
    [
      'London 2026-10-25, 30 1 * * *',
      LONDON,
      '2026-10-24T12:00:00Z',
      ['2026-10-25T01:30:00+01:00 transition_day', '2026-10-26T01:30:00+00:00'],
      ['2026-10-25T01:30:00+01:00 transition_day', '2026-10-25T01:30:00+00:00 repeated', '2026-10-26T01:30:00+00:00'],
    ],
    [
      'Sydney 2026-04-05, 30 2 * * *',
      SYDNEY,
      '2026-04-04T00:00:00Z',
      ['2026-04-05T02:30:00+11:00 transition_day', '2026-04-06T02:30:00+10:00'],
      ['2026-04-05T02:30:00+11:00 transition_day', '2026-04-05T02:30:00+10:00 repeated', '2026-04-06T02:30:00+10:00'],
    ],
  ])('%s: when the policy is the default or once, then it runs once at the earlier offset; when twice, then at both', (name, zone, after, once, twice) => {
    const cron = name.split(', ')[1];
    expect(runs(zone, cron, undefined, after, 2)).toEqual(once);
    expect(runs(zone, cron, { repeat: 'once' }, after, 2)).toEqual(once);
    expect(runs(zone, cron, { repeat: 'twice' }, after, 3)).toEqual(twice);
  });

  it('New York 2026-11-01: when the time is outside the repeated hour (30 2 * * *), then it runs once', () => {
    expect(runs(NY, '30 2 * * *', { repeat: 'twice' }, '2026-10-31T12:00:00Z', 2)).toEqual([
      '2026-11-01T02:30:00-05:00 transition_day',
      '2026-11-02T02:30:00-05:00',
    ]);
  });
});

describe('given a wildcard-hour job on a spring-forward day', () => {
  it.each<[string, string, string, string, string[], string[]]>([
    [
      'New York, 0 * * * *',
      NY,
      '0 * * * *',
      '2026-03-08T05:30:00Z',
      ['2026-03-08T01:00:00-05:00', '2026-03-08T03:00:00-04:00', '2026-03-08T04:00:00-04:00'],
      ['2026-03-08T01:00:00-05:00', '2026-03-08T03:00:00-04:00 gap_shifted', '2026-03-08T04:00:00-04:00'],
    ],
    [
      'New York, */30 * * * *',
      NY,
      '*/30 * * * *',
      '2026-03-08T05:30:00Z',
      ['2026-03-08T01:00:00-05:00', '2026-03-08T01:30:00-05:00', '2026-03-08T03:00:00-04:00', '2026-03-08T03:30:00-04:00'],
      ['2026-03-08T01:00:00-05:00', '2026-03-08T01:30:00-05:00', '2026-03-08T03:00:00-04:00 gap_shifted', '2026-03-08T03:30:00-04:00'],
    ],
    [
      'London, 0 * * * *',
      LONDON,
      '0 * * * *',
      '2026-03-28T23:30:00Z',
      ['2026-03-29T00:00:00+00:00', '2026-03-29T02:00:00+01:00', '2026-03-29T03:00:00+01:00'],
      ['2026-03-29T00:00:00+00:00', '2026-03-29T02:00:00+01:00 gap_shifted', '2026-03-29T03:00:00+01:00'],
    ],
    [
      'London, */30 * * * *',
      LONDON,
      '*/30 * * * *',
      '2026-03-28T23:30:00Z',
      ['2026-03-29T00:00:00+00:00', '2026-03-29T00:30:00+00:00', '2026-03-29T02:00:00+01:00', '2026-03-29T02:30:00+01:00'],
      ['2026-03-29T00:00:00+00:00', '2026-03-29T00:30:00+00:00', '2026-03-29T02:00:00+01:00 gap_shifted', '2026-03-29T02:30:00+01:00'],
    ],
    [
      'Sydney, 0 * * * *',
      SYDNEY,
      '0 * * * *',
      '2026-10-03T14:30:00Z',
      ['2026-10-04T01:00:00+10:00', '2026-10-04T03:00:00+11:00', '2026-10-04T04:00:00+11:00'],
      ['2026-10-04T01:00:00+10:00', '2026-10-04T03:00:00+11:00 gap_shifted', '2026-10-04T04:00:00+11:00'],
    ],
    [
      'Sydney, */30 * * * *',
      SYDNEY,
      '*/30 * * * *',
      '2026-10-03T14:30:00Z',
      ['2026-10-04T01:00:00+10:00', '2026-10-04T01:30:00+10:00', '2026-10-04T03:00:00+11:00', '2026-10-04T03:30:00+11:00'],
      ['2026-10-04T01:00:00+10:00', '2026-10-04T01:30:00+10:00', '2026-10-04T03:00:00+11:00 gap_shifted', '2026-10-04T03:30:00+11:00'],
    ],
  ])('%s: when the policy is the default (skip), then only the missing hour is missing, one hour elapsed between runs; when shift, then the missing times run once at the gap end', (_name, zone, cron, after, skip, shift) => {
    const flagged = (list: string[]) => list.map((s) => (s.includes(' ') ? s : `${s} transition_day`));
    expect(runs(zone, cron, undefined, after, skip.length)).toEqual(flagged(skip));
    expect(runs(zone, cron, { gap: 'skip' }, after, skip.length)).toEqual(flagged(skip));
    expect(runs(zone, cron, { gap: 'shift' }, after, shift.length)).toEqual(flagged(shift));
    // repeat does not matter in spring
    expect(runs(zone, cron, { repeat: 'once' }, after, skip.length)).toEqual(flagged(skip));
  });
});

describe('given a wildcard-hour job on a fall-back day', () => {
  it.each<[string, string, string, string, string[], string[]]>([
    [
      'New York, 0 * * * *',
      NY,
      '0 * * * *',
      '2026-11-01T04:30:00Z',
      ['2026-11-01T01:00:00-04:00', '2026-11-01T01:00:00-05:00 repeated', '2026-11-01T02:00:00-05:00'],
      ['2026-11-01T01:00:00-04:00', '2026-11-01T02:00:00-05:00', '2026-11-01T03:00:00-05:00'],
    ],
    [
      'New York, */30 * * * *',
      NY,
      '*/30 * * * *',
      '2026-11-01T04:45:00Z',
      [
        '2026-11-01T01:00:00-04:00',
        '2026-11-01T01:30:00-04:00',
        '2026-11-01T01:00:00-05:00 repeated',
        '2026-11-01T01:30:00-05:00 repeated',
        '2026-11-01T02:00:00-05:00',
      ],
      ['2026-11-01T01:00:00-04:00', '2026-11-01T01:30:00-04:00', '2026-11-01T02:00:00-05:00', '2026-11-01T02:30:00-05:00'],
    ],
    [
      'London, 0 * * * *',
      LONDON,
      '0 * * * *',
      '2026-10-24T23:30:00Z',
      ['2026-10-25T01:00:00+01:00', '2026-10-25T01:00:00+00:00 repeated', '2026-10-25T02:00:00+00:00'],
      ['2026-10-25T01:00:00+01:00', '2026-10-25T02:00:00+00:00', '2026-10-25T03:00:00+00:00'],
    ],
    [
      'London, */30 * * * *',
      LONDON,
      '*/30 * * * *',
      '2026-10-24T23:45:00Z',
      [
        '2026-10-25T01:00:00+01:00',
        '2026-10-25T01:30:00+01:00',
        '2026-10-25T01:00:00+00:00 repeated',
        '2026-10-25T01:30:00+00:00 repeated',
        '2026-10-25T02:00:00+00:00',
      ],
      ['2026-10-25T01:00:00+01:00', '2026-10-25T01:30:00+01:00', '2026-10-25T02:00:00+00:00', '2026-10-25T02:30:00+00:00'],
    ],
    [
      'Sydney, 0 * * * *',
      SYDNEY,
      '0 * * * *',
      '2026-04-04T14:30:00Z',
      ['2026-04-05T02:00:00+11:00', '2026-04-05T02:00:00+10:00 repeated', '2026-04-05T03:00:00+10:00'],
      ['2026-04-05T02:00:00+11:00', '2026-04-05T03:00:00+10:00', '2026-04-05T04:00:00+10:00'],
    ],
    [
      'Sydney, */30 * * * *',
      SYDNEY,
      '*/30 * * * *',
      '2026-04-04T14:45:00Z',
      [
        '2026-04-05T02:00:00+11:00',
        '2026-04-05T02:30:00+11:00',
        '2026-04-05T02:00:00+10:00 repeated',
        '2026-04-05T02:30:00+10:00 repeated',
        '2026-04-05T03:00:00+10:00',
      ],
      ['2026-04-05T02:00:00+11:00', '2026-04-05T02:30:00+11:00', '2026-04-05T03:00:00+10:00', '2026-04-05T03:30:00+10:00'],
    ],
  ])('%s: when the policy is the default (twice), then it runs in both repeated hours; when once, then only in the first', (_name, zone, cron, after, twice, once) => {
    const flagged = (list: string[]) => list.map((s) => (s.includes(' ') ? s : `${s} transition_day`));
    expect(runs(zone, cron, undefined, after, twice.length)).toEqual(flagged(twice));
    expect(runs(zone, cron, { repeat: 'twice' }, after, twice.length)).toEqual(flagged(twice));
    expect(runs(zone, cron, { repeat: 'once' }, after, once.length)).toEqual(flagged(once));
    // gap does not matter in autumn
    expect(runs(zone, cron, { gap: 'shift' }, after, twice.length)).toEqual(flagged(twice));
  });

  it('New York, 0 * * * *: when the default policy runs, then consecutive runs are exactly one hour apart (elapsed time)', () => {
    const at = nextOccurrences('RECURRING', { cron_expression: '0 * * * *', timezone: NY }, new Date('2026-10-31T20:00:00Z'), 30).map((o) =>
      o.at.getTime(),
    );
    for (let i = 1; i < at.length; i++) expect(at[i] - at[i - 1]).toBe(3_600_000);
  });
});

describe('given a job in the middle of a fall-back overlap', () => {
  it('when `after` is in the second pass of the repeated hour, then the next run is the next one in elapsed time', () => {
    // 01:40 EST, the second 01:40 of the night
    expect(runs(NY, '*/15 * * * *', undefined, '2026-11-01T06:40:00Z', 2)).toEqual([
      '2026-11-01T01:45:00-05:00 repeated',
      '2026-11-01T02:00:00-05:00 transition_day',
    ]);
    // with once, nothing is left of the repeated hour
    expect(runs(NY, '*/15 * * * *', { repeat: 'once' }, '2026-11-01T06:40:00Z', 1)).toEqual(['2026-11-01T02:00:00-05:00 transition_day']);
  });

  it('when `after` is in the first pass, then the runs of the first pass come first, then the repeated ones', () => {
    expect(runs(NY, '*/20 * * * *', undefined, '2026-11-01T05:30:00Z', 4)).toEqual([
      '2026-11-01T01:40:00-04:00 transition_day',
      '2026-11-01T01:00:00-05:00 repeated',
      '2026-11-01T01:20:00-05:00 repeated',
      '2026-11-01T01:40:00-05:00 repeated',
    ]);
  });
});

describe('given the same expressions in croner (the classic-cron reference)', () => {
  // croner with fixedTimeRule "no-wildcard" follows the same classic rules: fixed times shift and run
  // once, other jobs skip and run twice. The default policy must give exactly croner's runs.
  const expressions = ['30 2 * * *', '30 1 * * *', '0 * * * *', '*/30 * * * *', '15 2,14 * * *', '0 1-3 * * *', '0 0 * * *', '*/20 2 * * *'];
  const zones = [NY, LONDON, SYDNEY, 'America/Santiago', 'Australia/Lord_Howe', 'UTC'];

  /** Days of 2026 (as UTC midnights) on which the zone's offset changes, found with Intl directly. */
  function transitionDays(zone: string): number[] {
    const format = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    const offset = (ms: number) => format.formatToParts(ms).find((p) => p.type === 'timeZoneName')?.value;
    const days: number[] = [];
    for (let ms = Date.UTC(2026, 0, 1); ms < Date.UTC(2027, 0, 1); ms += 86_400_000) {
      if (offset(ms) !== offset(ms + 86_400_000)) days.push(ms);
    }
    return days;
  }

  it.each(zones)('when enumerating a week in January and five days around each 2026 transition in %s, then every run matches croner', (zone) => {
    const transitions = transitionDays(zone);
    expect(transitions).toHaveLength(zone === 'UTC' ? 0 : 2);
    const windows = [Date.UTC(2026, 0, 10), ...transitions.map((d) => d - 2 * 86_400_000)].map((start) => ({
      from: new Date(start),
      to: start + 5 * 86_400_000,
    }));
    for (const { from, to } of windows) {
      for (const expression of expressions) {
        const croner = new Cron(expression, { timezone: zone, fixedTimeRule: 'no-wildcard', mode: '5-or-6-parts', paused: true });
        const reference: number[] = [];
        for (let d = croner.nextRun(from); d && d.getTime() <= to; d = croner.nextRun(d)) reference.push(d.getTime());
        const ours = nextOccurrences('RECURRING', { cron_expression: expression, timezone: zone }, from, reference.length + 1)
          .map((o) => o.at.getTime())
          .filter((t) => t <= to);
        expect({ expression, from, runs: ours }).toEqual({ expression, from, runs: reference });
      }
    }
  });
});
