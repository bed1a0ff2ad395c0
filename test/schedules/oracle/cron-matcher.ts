/**
 * An independent reading of cron expressions for the next-run oracle: which wall-clock dates and
 * times an expression matches, written from the croner/Quartz documentation, without croner or
 * src/schedules. Small on purpose (a set of allowed values per field plus the L, W and # rules), so
 * a disagreement with the engine points at one of the two rather than at shared code.
 *
 * Rules: 5 fields (minute hour day-of-month month day-of-week) or 6 (second first); `*` and `?` are
 * "any"; items are values, names (JAN–DEC, SUN–SAT), ranges `a-b`, steps `*\/n`, `a/n` (a to the
 * field's end) and `a-b/n`, joined by commas; day-of-week 7 is Sunday. Day-of-month also takes `L`
 * (last day), `LW` (last Monday–Friday) and `nW` (the Monday–Friday nearest day n, inside the month);
 * day-of-week takes `d#k` (k-th weekday d of the month) and `dL` (last weekday d). When both day
 * fields are restricted a day matches either (classic cron OR); a field is "unrestricted" only when
 * it is exactly `*` or `?`. A fixed-time expression is one whose second, minute and hour fields hold
 * no `*` and no step.
 */

export interface LocalDate {
  year: number;
  /** 1–12 */
  month: number;
  /** 1–31 */
  day: number;
  /** 0 = Sunday */
  weekday: number;
  daysInMonth: number;
}

export interface CronMatcher {
  /** Allowed seconds, minutes and hours, ascending. */
  readonly seconds: readonly number[];
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly isFixedTime: boolean;
  matchesDate(date: LocalDate): boolean;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

function withNames(field: string, names: string[], first: number): string {
  return field.toUpperCase().replace(/[A-Z]{3}/g, (name) => {
    const i = names.indexOf(name);
    return i < 0 ? name : String(i + first);
  });
}

/** The values an item of plain numbers, ranges and steps allows, within [min, max]. */
function expandItem(item: string, min: number, max: number): number[] {
  const [range, stepText] = item.split('/');
  const step = stepText === undefined ? 1 : Number(stepText);
  let lo: number;
  let hi: number;
  if (range === '*' || range === '?') {
    lo = min;
    hi = max;
  } else if (range.includes('-')) {
    [lo, hi] = range.split('-').map(Number);
  } else {
    lo = Number(range);
    hi = stepText === undefined ? lo : max;
  }
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || !Number.isInteger(step) || step < 1) {
    throw new Error(`oracle cannot read cron item "${item}"`);
  }
  const out: number[] = [];
  for (let v = lo; v <= hi; v += step) out.push(v);
  return out;
}

function allowed(field: string, min: number, max: number): number[] {
  const set = new Set<number>();
  for (const item of field.split(',')) for (const v of expandItem(item, min, max)) set.add(v);
  return [...set].sort((a, b) => a - b);
}

/** Quartz `nW`: day n if it is Monday–Friday, else the nearest such day without leaving the month. */
function nearestWeekday(n: number, date: LocalDate): number {
  if (n > date.daysInMonth) return -1;
  const weekday = (date.weekday - (date.day - n) + 7 * 6) % 7;
  if (weekday === 6) return n === 1 ? 3 : n - 1; // Saturday: Friday, or Monday the 3rd
  if (weekday === 0) return n === date.daysInMonth ? n - 2 : n + 1; // Sunday: Monday, or Friday
  return n;
}

function lastWeekdayOfMonth(date: LocalDate): number {
  for (let d = date.daysInMonth; ; d--) {
    const weekday = (date.weekday - (date.day - d) + 7 * 6) % 7;
    if (weekday !== 0 && weekday !== 6) return d;
  }
}

export function cronMatcher(expression: string): CronMatcher {
  const fields = expression.trim().split(/\s+/);
  if (fields.length === 5) fields.unshift('0');
  if (fields.length !== 6) throw new Error(`oracle expects 5 or 6 fields: ${expression}`);
  const [secondField, minuteField, hourField, domField, monthRaw, dowRaw] = fields;
  const monthField = withNames(monthRaw, MONTHS, 1);
  const dowField = withNames(dowRaw, DAYS, 0);

  const months = new Set(allowed(monthField, 1, 12));

  const domStar = domField === '*' || domField === '?';
  const domValues = new Set<number>();
  const domNearest: number[] = [];
  let domLast = false;
  let domLastWeekday = false;
  for (const item of domField.toUpperCase().split(',')) {
    if (item === 'L') domLast = true;
    else if (item === 'LW') domLastWeekday = true;
    else if (item.endsWith('W')) domNearest.push(Number(item.slice(0, -1)));
    else for (const v of expandItem(item, 1, 31)) domValues.add(v);
  }

  const dowStar = dowField === '*' || dowField === '?';
  const dowValues = new Set<number>();
  const dowNth: [number, number][] = [];
  const dowLast = new Set<number>();
  for (const item of dowField.split(',')) {
    if (item.includes('#')) {
      const [d, k] = item.split('#').map(Number);
      dowNth.push([d % 7, k]);
    } else if (item.endsWith('L')) dowLast.add(Number(item.slice(0, -1)) % 7);
    else for (const v of expandItem(item, 0, 7)) dowValues.add(v % 7);
  }

  const domMatches = (date: LocalDate): boolean =>
    domValues.has(date.day) ||
    domNearest.some((n) => nearestWeekday(n, date) === date.day) ||
    (domLast && date.day === date.daysInMonth) ||
    (domLastWeekday && date.day === lastWeekdayOfMonth(date));
  const dowMatches = (date: LocalDate): boolean =>
    dowValues.has(date.weekday) ||
    dowNth.some(([d, k]) => d === date.weekday && Math.ceil(date.day / 7) === k) ||
    (dowLast.has(date.weekday) && date.day + 7 > date.daysInMonth);

  const noClock = (f: string): boolean => !f.includes('*') && !f.includes('/');
  return {
    seconds: allowed(secondField, 0, 59),
    minutes: allowed(minuteField, 0, 59),
    hours: allowed(hourField, 0, 23),
    isFixedTime: noClock(secondField) && noClock(minuteField) && noClock(hourField),
    matchesDate(date: LocalDate): boolean {
      if (!months.has(date.month)) return false;
      if (dowStar) return domStar || domMatches(date);
      if (domStar) return dowMatches(date);
      return domMatches(date) || dowMatches(date);
    },
  };
}
