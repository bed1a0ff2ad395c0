/**
 * The (schedule, zone, instant) cases of the next-run oracle test, drawn from a seeded generator:
 * around every transition of the zones below from 2020 through 2030 (found with luxon), schedules
 * aimed at the skipped or repeated wall-clock hour under every DST setting; then random cron
 * expressions (seconds fields, L, W, #, names, ranges, steps, lists), time ranges, intervals,
 * day filters and calendars at random instants, up to the requested count.
 */
import type { ScheduleConfig, ScheduleType } from '../../../src/schedules';
import { cronMatcher } from './cron-matcher';
import { CalendarPredicate, localDateOf } from './next-run-oracle';
import { LuxonZone, Transition } from './luxon-zone';

export const ORACLE_ZONES = [
  // the usual ones
  'America/New_York',
  'America/Los_Angeles',
  'America/Chicago',
  'Europe/London',
  'Europe/Berlin',
  'Pacific/Auckland',
  // negative DST in the tz source (winter is the "saving" time)
  'Europe/Dublin',
  // half-hour and 45-minute offsets, 30-minute DST
  'Asia/Kolkata',
  'Australia/Adelaide',
  'America/St_Johns',
  'Asia/Kathmandu',
  'Pacific/Chatham',
  'Australia/Lord_Howe',
  // transitions at midnight
  'America/Havana',
  'America/Santiago',
  'Asia/Beirut',
  // southern hemisphere
  'Australia/Sydney',
  'America/Sao_Paulo',
  // rules changed between 2020 and 2030
  'America/Mexico_City',
  'Europe/Volgograd',
  'Asia/Amman',
  'Asia/Damascus',
  'Pacific/Fiji',
  'America/Whitehorse',
  'Pacific/Apia',
  'Asia/Tehran',
  'America/Nuuk',
  'America/Asuncion',
  'Africa/Cairo',
  // Ramadan pauses, irregular dates
  'Africa/Casablanca',
  'Asia/Gaza',
] as const;

const utc = (iso: string): number => Date.parse(iso) / 1000;
/** Transitions are collected in [FROM, TO); the zone tables cover a margin on both sides. */
export const FROM = utc('2020-01-01T00:00:00Z');
export const TO = utc('2031-01-01T00:00:00Z');
export const TABLE_FROM = utc('2019-06-01T00:00:00Z');
export const TABLE_TO = utc('2031-12-01T00:00:00Z');

export type DstSetting = ScheduleConfig['dst'];
/** No setting (the default for the kind of schedule), either half alone, and all four pairs. */
export const DST_SETTINGS: DstSetting[] = [
  undefined,
  { gap: 'shift' },
  { gap: 'skip' },
  { repeat: 'once' },
  { repeat: 'twice' },
  { gap: 'shift', repeat: 'once' },
  { gap: 'shift', repeat: 'twice' },
  { gap: 'skip', repeat: 'once' },
  { gap: 'skip', repeat: 'twice' },
];

export interface OracleCase {
  label: string;
  zone: string;
  type: ScheduleType;
  config: ScheduleConfig;
  /** UTC seconds (may have a fraction). */
  after: number;
  anchor: number;
  count: number;
  horizonDays: number;
  calendar?: { name: string; allows: CalendarPredicate };
}

type Random = () => number;
const pick = <T>(random: Random, list: readonly T[]): T => list[Math.floor(random() * list.length)];
const int = (random: Random, lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));
const pad = (n: number): string => String(n).padStart(2, '0');

/** Wall-clock hour and minute of local seconds. */
function clock(local: number): { h: number; m: number; s: number } {
  const tod = ((local % 86_400) + 86_400) % 86_400;
  return { h: Math.floor(tod / 3600), m: Math.floor((tod % 3600) / 60), s: tod % 60 };
}

const CALENDARS: { name: string; allows: CalendarPredicate }[] = [
  { name: 'skip the 1st, 13th and 25th', allows: ({ day }) => day !== 1 && day !== 13 && day !== 25 },
  { name: 'only odd dates', allows: ({ day }) => day % 2 === 1 },
  { name: 'skip every third date of the year', allows: ({ month, day }) => (month * 31 + day) % 3 !== 0 },
];

function withDst(config: ScheduleConfig, dst: DstSetting): ScheduleConfig {
  return dst ? { ...config, dst } : config;
}

/** Cases aimed at one transition; `dst` cycles through DST_SETTINGS across calls. */
function transitionCases(random: Random, zone: LuxonZone, t: Transition, nextDst: () => DstSetting): OracleCase[] {
  const gap = t.after > t.before;
  const windowStart = gap ? t.at + t.before : t.at + t.after; // first skipped / repeated wall-clock second
  const length = Math.abs(t.after - t.before);
  const inside = windowStart + Math.floor((random() * length) / 60) * 60;
  const end = windowStart + length;
  const tz = zone.name;
  const base = `${tz} ${gap ? 'gap' : 'overlap'} at ${new Date(t.at * 1000).toISOString()}`;
  const before = (maxSeconds: number): number => t.at - 1 - random() * maxSeconds;
  const cron = (expression: string, extra: Partial<ScheduleConfig> = {}): ScheduleConfig =>
    withDst({ cron_expression: expression, timezone: tz, ...extra }, nextDst());
  const at = (local: number, days = '*', dow = '*'): string => {
    const c = clock(local);
    return `${c.m} ${c.h} ${days} * ${dow}`;
  };
  const hourOf = clock(windowStart).h;
  const cases: OracleCase[] = [];
  const add = (label: string, config: ScheduleConfig, after: number, count: number, anchor = after): void => {
    const type: ScheduleType = 'RECURRING';
    cases.push({ label: `${base}: ${label}`, zone: tz, type, config, after, anchor, count, horizonDays: 12 });
  };
  add('fixed time inside', cron(at(inside)), before(26 * 3600), 3);
  add('fixed time at the start', cron(at(windowStart)), before(26 * 3600), 3);
  add('fixed time just after', cron(at(end)), before(26 * 3600), 3);
  add('fixed time a minute before', cron(at(windowStart - 60, '*', pick(random, ['*', '0-6', 'MON-FRI', 'SAT,SUN'] as const))), before(26 * 3600), 3);
  add('hourly', cron(`${pick(random, [0, 15, 30, 45, clock(inside).m])} * * * *`), before(4 * 3600), 8);
  add('every few minutes', cron(`*/${pick(random, [5, 10, 15, 20, 30])} * * * *`), before(3 * 3600), 20);
  add('seconds field', cron(`${pick(random, ['*/10', '0,30', '15-45/15'])} ${pick(random, ['*/30', '0,20,40', '0'])} * * * *`), before(2 * 3600), 24);
  // Any expression (seconds, L, W, #, names) with its hour field moved onto the skipped or repeated hour.
  const fields = randomExpression(random).split(' ');
  fields[fields.length - 4] = pick(random, [`${hourOf}`, `${hourOf},${(hourOf + 1) % 24}`, `*/${pick(random, [1, 2, 3])}`]);
  if (random() < 0.5) fields[fields.length - 1] = pick(random, ['SUN', '0#1', '0#2', '0L', '6,0', '*', '5#1', 'FRI']);
  add('random expression at the hour', cron(fields.join(' ')), before(26 * 3600), 3);
  add('two fixed times an hour apart', cron(`0,30 ${hourOf},${(hourOf + 1) % 24} * * *`), before(26 * 3600), 6);
  const range = (start: string, end: string, minutes: number): ScheduleConfig =>
    withDst({ timezone: tz, time_range: { start, end, frequency: { value: minutes, unit: 'm' } } }, nextDst());
  add('time range every 20 minutes', range(`${pad((hourOf + 23) % 24)}:00`, `${pad((hourOf + 2) % 24)}:00`, 20), before(4 * 3600), 12);
  const c = clock(inside);
  add('time range with one tick', range(`${pad(c.h)}:${pad(c.m)}`, `${pad(c.h)}:${pad(Math.min(59, c.m + 10))}`, 15), before(26 * 3600), 3);
  add(
    'cron inside a time window',
    cron(`*/10 * * * *`, { time_range: { start: `${pad((hourOf + 23) % 24)}:30`, end: `${pad((hourOf + 2) % 24)}:00` } }),
    before(3 * 3600),
    16,
  );
  // A daily interval created at the wall-clock time inside the window, some days earlier.
  const days = int(random, 1, 3);
  const anchorLocal = inside - days * 86_400;
  const anchor = anchorLocal - zone.offsetAt(anchorLocal - 12 * 3600);
  const everyDays = days === 3 ? 2 : 1;
  const daily = withDst({ timezone: tz, interval: { value: everyDays, unit: 'd' } }, nextDst());
  add(`every ${everyDays} days from a day ${days} before`, daily, Math.max(anchor, before(26 * 3600)), 3, anchor);
  const elapsedAnchor = t.at - int(random, 1, 86_400);
  add('every 7 minutes of elapsed time', { timezone: tz, interval: { value: 7, unit: 'm' } }, before(3 * 3600), 12, elapsedAnchor);
  return cases;
}

const SECONDS = ['0', '30', '*/15', '5,35', '10-20/5', '*/20'];
const MINUTES = ['0', '30', '15', '45', '*/15', '*/7', '0-10/5', '5,25,45', '*', '59', '10-50/20', '1-59/29'];
const HOURS = ['*', '0', '1', '2', '3', '12', '23', '*/2', '1-3', '0,12', '9-17', '2,14', '*/6', '22-23', '0-4/2'];
const DOMS = ['L', 'LW', '15W', '1W', '31W', '1,15', '1-7', '*/2', '?', '10-20', '28-31', '30W'];
const MONTHS = ['*/2', 'JAN-JUN', '3,10', 'MAR,NOV', '4-9', 'FEB', 'oct-dec', '2-12/3'];
const DOWS = ['1-5', 'MON-FRI', '5L', '1#2', '0#1', 'SUN', '6,0', '2#5', '0L', 'SAT', 'FRI#3', '1-5/2', 'mon,wed,fri', '5-7'];

export function randomExpression(random: Random): string {
  const fields = [
    pick(random, MINUTES),
    pick(random, HOURS),
    random() < 0.5 ? '*' : pick(random, DOMS),
    random() < 0.7 ? '*' : pick(random, MONTHS),
    random() < 0.5 ? '*' : pick(random, DOWS),
  ];
  if (random() < 0.3) fields.unshift(pick(random, SECONDS));
  return fields.join(' ');
}

/**
 * A random expression that runs on at least `count` days of the year after `after`: rarer ones
 * (a fifth Tuesday in February) send the engine decades ahead, which costs time and checks nothing
 * the oracle can see within its horizon.
 */
function frequentExpression(random: Random, after: number, count: number): string {
  const firstDay = Math.floor(after / 86_400);
  for (;;) {
    const expression = randomExpression(random);
    const matcher = cronMatcher(expression);
    let days = 0;
    for (let d = firstDay; d < firstDay + 366 && days < count; d++) if (matcher.matchesDate(localDateOf(d))) days += 1;
    if (days >= count) return expression;
  }
}

function randomCase(random: Random, zones: LuxonZone[], index: number): OracleCase {
  const zone = pick(random, zones);
  const tz = zone.name;
  const after = FROM + random() * (TO - FROM - 40 * 86_400);
  const dst = pick(random, DST_SETTINGS);
  const kind = random();
  let config: ScheduleConfig;
  let anchor = after;
  let count = int(random, 1, 5);
  let horizonDays = 400;
  if (kind < 0.7) {
    config = { cron_expression: frequentExpression(random, after, count), timezone: tz };
    if (random() < 0.1) config.time_range = { start: `${pad(int(random, 0, 23))}:${pick(random, ['00', '30'])}`, end: `${pad(int(random, 0, 23))}:00` };
  } else if (kind < 0.8) {
    const step = pick(random, [{ value: 45, unit: 'm' as const }, { value: 2, unit: 'h' as const }, { value: 90, unit: 's' as const }]);
    const start = `${pad(int(random, 0, 23))}:${pad(int(random, 0, 59))}`;
    const end = `${pad(int(random, 0, 23))}:${pad(int(random, 0, 59))}`;
    config = { timezone: tz, time_range: { start, end, frequency: step } };
    count = int(random, 3, 12);
  } else if (kind < 0.9) {
    config = { timezone: tz, interval: { value: int(random, 1, 10), unit: 'd' } };
    anchor = after - random() * 30 * 86_400;
  } else if (kind < 0.98) {
    config = { timezone: tz, interval: pick(random, [{ value: 17, unit: 'm' as const }, { value: 5, unit: 'h' as const }, { value: 3600, unit: 's' as const }]) };
    anchor = after - random() * 10 * 86_400;
    count = int(random, 3, 10);
    horizonDays = 30;
  } else {
    const runAt = new Date(Math.round(after + (random() - 0.3) * 86_400) * 1000).toISOString();
    const config: ScheduleConfig = { timezone: tz, run_at: runAt };
    return { label: `random #${index}: one-off`, zone: tz, type: 'ONEOFF', config, after, anchor, count: 1, horizonDays: 2 };
  }
  if (config.interval?.unit !== 'm' && config.interval?.unit !== 'h' && config.interval?.unit !== 's' && dst) config.dst = dst;
  const filter = random();
  if (filter < 0.06) config.days_of_week = [int(random, 0, 6), int(random, 0, 6), int(random, 0, 6)];
  else if (filter < 0.1) config.exclusions = [int(random, 0, 6)];
  else if (filter < 0.13) {
    const first = Math.floor(after / 86_400);
    config.excluded_dates = [0, 1, 3].map((d) => new Date((first + d) * 86_400_000).toISOString().slice(0, 10));
  }
  const kase: OracleCase = { label: `random #${index}`, zone: tz, type: 'RECURRING', config, after, anchor, count, horizonDays };
  if (random() < 0.1) kase.calendar = pick(random, CALENDARS);
  return kase;
}

export function oracleCases(random: Random, zones: LuxonZone[], total: number): { cases: OracleCase[]; transitions: number } {
  const cases: OracleCase[] = [];
  let dstIndex = 0;
  const nextDst = (): DstSetting => DST_SETTINGS[dstIndex++ % DST_SETTINGS.length];
  let transitions = 0;
  for (const zone of zones) {
    for (const t of zone.transitions) {
      if (t.at < FROM || t.at >= TO) continue;
      transitions += 1;
      cases.push(...transitionCases(random, zone, t, nextDst));
    }
  }
  while (cases.length < total) cases.push(randomCase(random, zones, cases.length));
  return { cases, transitions };
}
