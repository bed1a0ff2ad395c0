/**
 * The wall-clock times of a 5- or 6-field cron expression.
 *
 * croner parses the expression (ranges, steps, names, L, W, #, ?, and most error messages; plain
 * values are range-checked here first, for clearer messages), then this class copies what it needs
 * into small lookup tables and searches them itself. Why not
 * keep croner's objects: a croner pattern carries a 10,000-entry year array (~80 KB) and its search
 * converts through Intl on every step; here a search is a handful of table reads, one instance is
 * shared by every task with the same expression whatever its zone, and DST is handled once, outside,
 * by zoned-schedule.ts. The day-of-month/day-of-week rules mirror croner's (`_matchDayValue`), and
 * the tests compare the two over whole years.
 */
import { CronPattern } from 'croner';
import {
  SECONDS_PER_DAY,
  civilFromDays,
  dayOfPacked,
  daysFromCivil,
  daysInMonth,
  monthOfPacked,
  weekdayOf,
  yearOfPacked,
} from './civil-time';
import { LocalTimes, SEARCH_HORIZON_DAYS } from './local-times';

const FIELD_NAMES = ['second', 'minute', 'hour', 'day-of-month', 'month', 'day-of-week', 'year'];
const NTH_BITS = [1, 2, 4, 8, 16];
const ANY_OCCURRENCE = 63;
const LAST_OCCURRENCE = 32;

/** Thrown for an expression that is not a valid 5- or 6-field cron expression. */
export class CronSyntaxError extends Error {}

/** croner's message, minus its class-name prefix and with field positions named. */
function explainCronError(error: unknown): string {
  const raw = error instanceof Error ? error.message : String(error);
  return (
    raw
      .replace(/^CronPattern: /, '')
      // croner numbers the fields of the 6-field form (a 5-field expression gets a "0" second
      // field prepended), so the index names the field whatever the user's field count.
      .replace(/configuration entry (\d) /, (_m, index: string) => `the ${FIELD_NAMES[Number(index)]} field `)
      .replace(/\bdayOfWeek\b/g, 'day-of-week')
      .replace(/\b(day|nearestWeekdays)\b(?=[:)])/g, 'day-of-month')
      .replace(/^./, (c) => c.toLowerCase())
  );
}

/** Fields in the 6-field order, with the values a plain number may take. */
const FIELD_RANGES: readonly { name: string; min: number; max: number }[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day-of-week', min: 0, max: 7 },
];

/**
 * Checks the numbers of each field against its range before croner does, because croner reports
 * day-of-month and month values shifted to its 0-based arrays ("invalid value for day: 31" for a 32).
 * Everything else (names, L, W, steps, syntax) is left to croner.
 */
function checkFieldValues(fields: string[]): void {
  const sixFields = fields.length === 5 ? ['0', ...fields] : fields;
  sixFields.forEach((field, index) => {
    const range = FIELD_RANGES[index];
    for (const item of field.split(',')) {
      const [valuePart, nth] = item.split('#');
      if (nth !== undefined && /^\d+$/.test(nth) && (Number(nth) < 1 || Number(nth) > 5)) {
        throw new CronSyntaxError(`the ${range.name} field has "${item}"; # takes 1–5 (the nth weekday of the month)`);
      }
      const values = valuePart.split('/')[0].replace(/[LW]+$/i, '').split('-');
      for (const value of values) {
        if (!/^\d+$/.test(value)) continue;
        const n = Number(value);
        if (n < range.min || n > range.max) {
          throw new CronSyntaxError(`the ${range.name} field has ${value}, outside ${range.min}–${range.max}`);
        }
      }
    }
  });
}

/** Parses with croner, or throws CronSyntaxError with a human message. */
export function parseCronExpression(expression: string): CronPattern {
  const fields = expression.trim().split(/\s+/).filter((f) => f !== '');
  if (fields.length !== 5 && fields.length !== 6) {
    throw new CronSyntaxError(
      `has ${fields.length} field${fields.length === 1 ? '' : 's'}; expected 5 (minute hour day-of-month month day-of-week) ` +
        'or 6 (second minute hour day-of-month month day-of-week)',
    );
  }
  checkFieldValues(fields);
  try {
    // "no-wildcard": a job whose second, minute and hour fields have no `*` and no step is a
    // fixed-time job, as in Vixie cron (so `30 2,14 * * *` is fixed-time too). See dst-policy.ts.
    return new CronPattern(fields.join(' '), undefined, { mode: '5-or-6-parts', fixedTimeRule: 'no-wildcard' });
  } catch (error) {
    throw new CronSyntaxError(explainCronError(error));
  }
}

/** Canonical text of an expression, for cache keys: single spaces, upper-case names. */
export function normalizeCronExpression(expression: string): string {
  return expression.trim().split(/\s+/).join(' ').toUpperCase();
}

/** For each value v, the smallest allowed value ≥ v, or −1; one extra slot for "past the end". */
function nextAllowedTable(allowed: ArrayLike<number>): Int8Array {
  const table = new Int8Array(allowed.length + 1).fill(-1);
  for (let v = allowed.length - 1; v >= 0; v--) table[v] = allowed[v] ? v : table[v + 1];
  return table;
}

/** For each value v, how many allowed values are < v. */
function countBelowTable(allowed: ArrayLike<number>): Uint8Array {
  const table = new Uint8Array(allowed.length + 1);
  for (let v = 0; v < allowed.length; v++) table[v + 1] = table[v] + (allowed[v] ? 1 : 0);
  return table;
}

function popcount(bits: number): number {
  let x = bits - ((bits >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

export class CronTimes implements LocalTimes {
  readonly isFixedTime: boolean;

  private readonly nextSecond: Int8Array;
  private readonly nextMinute: Int8Array;
  private readonly nextHour: Int8Array;
  private readonly secondsBelow: Uint8Array;
  private readonly minutesBelow: Uint8Array;
  private readonly hoursBelow: Uint8Array;
  private readonly timesPerDay: number;

  // Day rules, copied from croner's parsed pattern.
  private readonly monthBits: number; // bit m-1 = month m allowed
  private readonly domBits: number; // bit d-1 = day-of-month d listed
  private readonly nearestWeekdayDays: readonly number[]; // "15W"
  private readonly lastDayOfMonth: boolean; // "L"
  private readonly lastWeekday: boolean; // "LW"
  private readonly dayOfWeek: Uint8Array; // per weekday: 0, ANY_OCCURRENCE, or nth / last bits
  private readonly starDom: boolean;
  private readonly starDow: boolean;
  private readonly dowAndDom: boolean; // "+" prefix on day-of-week

  // One-entry caches. Safe to share: they only remember pure results.
  private cachedMonthKey = -1;
  private cachedMonthMask = 0;
  /** No time of the set lies in (memoFrom, memoResult), and memoResult is in the set. */
  private memoFrom = Number.NaN;
  private memoResult = Number.NaN;

  constructor(readonly expression: string) {
    const p = parseCronExpression(expression);
    this.isFixedTime = p.isFixedTime;
    this.nextSecond = nextAllowedTable(p.second);
    this.nextMinute = nextAllowedTable(p.minute);
    this.nextHour = nextAllowedTable(p.hour);
    this.secondsBelow = countBelowTable(p.second);
    this.minutesBelow = countBelowTable(p.minute);
    this.hoursBelow = countBelowTable(p.hour);
    this.timesPerDay = this.secondsBelow[60] * this.minutesBelow[60] * this.hoursBelow[24];
    let monthBits = 0;
    for (let m = 0; m < 12; m++) if (p.month[m]) monthBits |= 1 << m;
    this.monthBits = monthBits;
    let domBits = 0;
    for (let d = 0; d < 31; d++) if (p.day[d]) domBits |= 1 << d;
    this.domBits = domBits;
    const nearest: number[] = [];
    for (let d = 0; d < 31; d++) if (p.nearestWeekdays[d]) nearest.push(d + 1);
    this.nearestWeekdayDays = nearest;
    this.lastDayOfMonth = p.lastDayOfMonth;
    this.lastWeekday = p.lastWeekday;
    this.dayOfWeek = Uint8Array.from(p.dayOfWeek.slice(0, 7));
    this.starDom = p.starDOM;
    this.starDow = p.starDOW;
    this.dowAndDom = p.useAndLogic;
  }

  nextAfter(fromExclusive: number): number {
    if (fromExclusive >= this.memoFrom && fromExclusive < this.memoResult) return this.memoResult;
    const t = fromExclusive + 1;
    let day = Math.floor(t / SECONDS_PER_DAY);
    let tod = t - day * SECONDS_PER_DAY;
    const lastDay = day + SEARCH_HORIZON_DAYS;
    const packed = civilFromDays(day);
    let year = yearOfPacked(packed);
    let month = monthOfPacked(packed);
    let dom = dayOfPacked(packed);
    while (day <= lastDay) {
      const bits = dom > 31 ? 0 : this.monthMask(year, month) & (-1 << (dom - 1));
      if (bits === 0) {
        day += daysInMonth(year, month) - dom + 1;
        dom = 1;
        tod = 0;
        if (month === 12) {
          month = 1;
          year += 1;
        } else {
          month += 1;
        }
        continue;
      }
      const nextDom = 32 - Math.clz32(bits & -bits);
      if (nextDom !== dom) {
        day += nextDom - dom;
        dom = nextDom;
        tod = 0;
      }
      const time = this.nextTimeOfDay(tod);
      if (time >= 0) {
        const result = day * SECONDS_PER_DAY + time;
        this.memoFrom = fromExclusive;
        this.memoResult = result;
        return result;
      }
      day += 1;
      dom += 1;
      tod = 0;
    }
    return Number.NaN;
  }

  countBetween(loExclusive: number, hiInclusive: number): number {
    if (hiInclusive <= loExclusive) return 0;
    const a = loExclusive + 1;
    const dayA = Math.floor(a / SECONDS_PER_DAY);
    const dayB = Math.floor(hiInclusive / SECONDS_PER_DAY);
    const todA = a - dayA * SECONDS_PER_DAY;
    const todB = hiInclusive - dayB * SECONDS_PER_DAY;
    if (dayA === dayB) return this.dayMatches(dayA) ? this.countTimes(todA, todB) : 0;
    let total = 0;
    if (this.dayMatches(dayA)) total += this.countTimes(todA, SECONDS_PER_DAY - 1);
    if (this.dayMatches(dayB)) total += this.countTimes(0, todB);
    if (dayB - dayA > 1) total += this.timesPerDay * this.countMatchingDays(dayA + 1, dayB - 1);
    return total;
  }

  /** Does the pattern's date part (month, day-of-month, day-of-week) match this day number? */
  private dayMatches(day: number): boolean {
    const packed = civilFromDays(day);
    return ((this.monthMask(yearOfPacked(packed), monthOfPacked(packed)) >> (dayOfPacked(packed) - 1)) & 1) === 1;
  }

  /** Smallest matching second-of-day ≥ tod, or −1. */
  private nextTimeOfDay(tod: number): number {
    let h = Math.floor(tod / 3600);
    const r = tod - h * 3600;
    let m = Math.floor(r / 60);
    let s = r - m * 60;
    for (;;) {
      const nh = this.nextHour[h];
      if (nh < 0) return -1;
      if (nh !== h) {
        h = nh;
        m = 0;
        s = 0;
      }
      const nm = this.nextMinute[m];
      if (nm < 0) {
        h += 1;
        m = 0;
        s = 0;
        continue;
      }
      if (nm !== m) {
        m = nm;
        s = 0;
      }
      const ns = this.nextSecond[s];
      if (ns < 0) {
        m += 1;
        s = 0;
        continue;
      }
      return h * 3600 + m * 60 + ns;
    }
  }

  /** Matching seconds-of-day in [from, to] (0 ≤ from ≤ to ≤ 86399). */
  private countTimes(from: number, to: number): number {
    return this.timesBelow(to + 1) - this.timesBelow(from);
  }

  /** Matching seconds-of-day < tod (0 ≤ tod ≤ 86400). */
  private timesBelow(tod: number): number {
    const h = Math.floor(tod / 3600);
    const r = tod - h * 3600;
    const m = Math.floor(r / 60);
    const s = r - m * 60;
    const perMinute = this.secondsBelow[60];
    const perHour = this.minutesBelow[60] * perMinute;
    let count = this.hoursBelow[h] * perHour;
    if (h < 24 && this.hoursBelow[h + 1] > this.hoursBelow[h]) {
      count += this.minutesBelow[m] * perMinute;
      if (this.minutesBelow[m + 1] > this.minutesBelow[m]) count += this.secondsBelow[s];
    }
    return count;
  }

  /** Matching days among day numbers [first, last]. */
  private countMatchingDays(first: number, last: number): number {
    let total = 0;
    let day = first;
    while (day <= last) {
      const packed = civilFromDays(day);
      const year = yearOfPacked(packed);
      const month = monthOfPacked(packed);
      const dom = dayOfPacked(packed);
      const monthEnd = daysInMonth(year, month);
      const lastDom = Math.min(monthEnd, dom + (last - day));
      // Bits dom..lastDom (1-based) of the month mask.
      const width = lastDom - dom + 1;
      const range = (width >= 32 ? -1 : (1 << width) - 1) << (dom - 1);
      total += popcount(this.monthMask(year, month) & range);
      day += monthEnd - dom + 1;
    }
    return total;
  }

  /** Bit d-1 set = day d of the month matches the date fields. */
  private monthMask(year: number, month: number): number {
    const key = year * 16 + month;
    if (key === this.cachedMonthKey) return this.cachedMonthMask;
    let mask = 0;
    if ((this.monthBits >> (month - 1)) & 1) {
      const length = daysInMonth(year, month);
      const firstWeekday = weekdayOf(daysFromCivil(year, month, 1));
      for (let d = 1; d <= length; d++) {
        if (this.dayMatchesInMonth(d, length, firstWeekday)) mask |= 1 << (d - 1);
      }
    }
    this.cachedMonthKey = key;
    this.cachedMonthMask = mask;
    return mask;
  }

  /** croner's `_matchDayValue`, with domAndDow off (classic OR of day-of-month and day-of-week). */
  private dayMatchesInMonth(d: number, length: number, firstWeekday: number): boolean {
    let matches = ((this.domBits >> (d - 1)) & 1) === 1;
    if (!matches) {
      for (const n of this.nearestWeekdayDays) {
        if (nearestWeekday(n, length, (firstWeekday + n - 1) % 7) === d) {
          matches = true;
          break;
        }
      }
    }
    if (this.lastWeekday && d === lastWeekdayOfMonth(length, (firstWeekday + length - 1) % 7)) matches = true;
    if (this.lastDayOfMonth && d === length) matches = true;
    if (!this.starDow) {
      const weekday = (firstWeekday + d - 1) % 7;
      const bits = this.dayOfWeek[weekday];
      let dowMatches = bits !== 0;
      if (dowMatches && (bits & ANY_OCCURRENCE) !== 0) {
        const occurrence = Math.floor((d - 1) / 7) + 1;
        dowMatches =
          (bits & NTH_BITS[occurrence - 1]) !== 0 || ((bits & LAST_OCCURRENCE) !== 0 && d + 7 > length);
      }
      if (this.dowAndDom) matches = matches && dowMatches;
      else if (!this.starDom) matches = matches || dowMatches;
      else matches = matches && dowMatches;
    }
    return matches;
  }
}

/** "nW": the weekday nearest to day n, within the month (croner's getNearestWeekday). */
function nearestWeekday(n: number, length: number, weekday: number): number {
  if (n > length) return -1;
  if (weekday === 0) return n === length ? n - 2 : n + 1;
  if (weekday === 6) return n === 1 ? n + 2 : n - 1;
  return n;
}

/** "LW": the last Monday–Friday of the month. */
function lastWeekdayOfMonth(length: number, weekdayOfLast: number): number {
  if (weekdayOfLast === 0) return length - 2;
  if (weekdayOfLast === 6) return length - 1;
  return length;
}

const cronTimesCache = new Map<string, WeakRef<CronTimes>>();
const cronTimesRegistry = new FinalizationRegistry<string>((key) => {
  const ref = cronTimesCache.get(key);
  if (ref && ref.deref() === undefined) cronTimesCache.delete(key);
});

/** The shared CronTimes of an expression (kept while any schedule uses it). Throws CronSyntaxError. */
export function cronTimesFor(expression: string): CronTimes {
  const key = normalizeCronExpression(expression);
  const cached = cronTimesCache.get(key)?.deref();
  if (cached) return cached;
  // Parse the text as written, so error messages quote the user's own spelling.
  const times = new CronTimes(expression.trim());
  cronTimesCache.set(key, new WeakRef(times));
  cronTimesRegistry.register(times, key);
  return times;
}

export function cronTimesCount(): number {
  return cronTimesCache.size;
}
