import { checkTimeZone, zoneRules } from '../../src/schedules/time-zone';
import { daysFromCivil } from '../../src/schedules/civil-time';

/** Offset in seconds straight from Intl, the reference. */
function intlOffset(zone: string, utcSeconds: number): number {
  const name = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })
    .formatToParts(utcSeconds * 1000)
    .find((p) => p.type === 'timeZoneName')?.value as string;
  const m = /^GMT(?:([+-])(\d\d):(\d\d)(?::(\d\d))?)?$/.exec(name);
  if (!m) throw new Error(name);
  const seconds = m[1] ? Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4] ?? 0) : 0;
  return m[1] === '-' ? -seconds : seconds;
}

/** A small deterministic PRNG so failures reproduce. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('given the zone offset table', () => {
  it.each(['America/New_York', 'Europe/London', 'Australia/Sydney', 'Australia/Lord_Howe', 'America/Santiago', 'Africa/Casablanca', 'Asia/Tehran', 'Africa/Cairo', 'Asia/Kathmandu', 'UTC'])(
    'when asked for offsets at random instants of 1995–2040 in %s, then they equal Intl',
    (zone) => {
      const random = prng(42);
      const rules = zoneRules(zone);
      const from = Date.UTC(1995, 0, 1) / 1000;
      const to = Date.UTC(2040, 0, 1) / 1000;
      for (let i = 0; i < 400; i++) {
        const t = Math.floor(from + random() * (to - from));
        expect({ t, offset: rules.offsetAt(t) }).toEqual({ t, offset: intlOffset(zone, t) });
      }
    },
  );

  it('when asked exactly around a transition, then the change happens at the transition second', () => {
    const rules = zoneRules('America/New_York');
    const t = Date.UTC(2026, 2, 8, 7) / 1000; // 02:00 EST = 03:00 EDT
    expect(rules.offsetAt(t - 1)).toBe(-5 * 3600);
    expect(rules.offsetAt(t)).toBe(-4 * 3600);
  });

  it('when resolving wall-clock times, then gaps give the transition and overlaps the earlier instant', () => {
    const rules = zoneRules('America/New_York');
    const local = (y: number, mo: number, d: number, h: number, mi: number) => daysFromCivil(y, mo, d) * 86_400 + h * 3600 + mi * 60;
    expect(rules.firstInstantAtOrAfterLocal(local(2026, 3, 8, 2, 30)) * 1000).toBe(Date.UTC(2026, 2, 8, 7));
    expect(rules.firstInstantAtOrAfterLocal(local(2026, 11, 1, 1, 30)) * 1000).toBe(Date.UTC(2026, 10, 1, 5, 30));
    expect(rules.firstInstantAtOrAfterLocal(local(2026, 7, 1, 9, 0)) * 1000).toBe(Date.UTC(2026, 6, 1, 13));
  });

  it('when asking which local days have a transition, then only those do', () => {
    const rules = zoneRules('Australia/Sydney');
    expect(rules.hasTransitionOnLocalDay(daysFromCivil(2026, 4, 5))).toBe(true);
    expect(rules.hasTransitionOnLocalDay(daysFromCivil(2026, 10, 4))).toBe(true);
    expect(rules.hasTransitionOnLocalDay(daysFromCivil(2026, 4, 4))).toBe(false);
    expect(rules.hasTransitionOnLocalDay(daysFromCivil(2026, 4, 6))).toBe(false);
  });

  it('when the same zone is asked for twice, then the table is shared', () => {
    expect(zoneRules('Europe/Paris')).toBe(zoneRules('Europe/Paris'));
  });

  it('when a far-past instant is asked after recent ones, then the table grows backwards correctly', () => {
    const rules = zoneRules('Europe/Berlin');
    expect(rules.offsetAt(Date.UTC(2026, 6, 1) / 1000)).toBe(7200);
    expect(rules.offsetAt(Date.UTC(1980, 6, 1) / 1000)).toBe(intlOffset('Europe/Berlin', Date.UTC(1980, 6, 1) / 1000));
    expect(rules.offsetAt(Date.UTC(2026, 0, 1) / 1000)).toBe(3600);
  });
});

describe('checkTimeZone', () => {
  it.each([
    ['America/New_York', { ok: true, name: 'America/New_York' }],
    ['UTC', { ok: true, name: 'UTC' }],
    ['Etc/GMT+5', { ok: true, name: 'Etc/GMT+5' }],
    ['Mars/Base', { ok: false }],
    ['+05:00', { ok: false }],
    ['', { ok: false }],
    ['europe/london', { ok: false, suggestion: 'Europe/London' }],
  ])('given %j, when checked, then the answer is %j', (name, expected) => {
    expect(checkTimeZone(name)).toEqual(expected);
  });
});
