/**
 * The next-run oracle: the runs a schedule config should produce after an instant, derived without
 * src/schedules. It walks the wall clock of the task's zone in order (dates with luxon, times of day
 * from the config), keeps the local times the config matches (cron-matcher.ts for expressions), turns
 * each into instants with luxon's offsets (luxon-zone.ts) and applies the DST policy as the README
 * states it:
 * - a local time no instant reads (spring forward) runs at the transition instant under gap `shift`,
 *   not at all under `skip` (several such times, or such a time and a real one, share that instant);
 * - a local time two instants read (fall back) runs at the earlier one under repeat `once`, at both
 *   under `twice` (the second flagged `repeated`);
 * - the default is `shift` + `once` for fixed times of day (no `*` or step in the second, minute and
 *   hour fields; a time range with one tick; a daily interval), `skip` + `twice` otherwise;
 * - elapsed intervals (`s`/`m`/`h`) are instants anchor + k·step, untouched by DST.
 * Calendars: `calendar` is a predicate on the local date of the run's wall-clock time; runs on dates
 * it refuses are dropped (see CalendarPredicate in the test for how the engine side is filtered).
 */
import { DateTime } from 'luxon';
import type { ScheduleConfig, ScheduleType } from '../../../src/schedules';
import { LocalDate, cronMatcher } from './cron-matcher';
import { LuxonZone } from './luxon-zone';

export type DstFlag = 'gap_shifted' | 'repeated' | 'transition_day';

export interface ExpectedRun {
  /** UTC seconds. */
  at: number;
  local: string;
  dst?: DstFlag;
}

/** A calendar as the oracle sees one: may a run whose wall-clock date is this one fire? */
export type CalendarPredicate = (date: { year: number; month: number; day: number }) => boolean;

export interface OracleQuery {
  type: ScheduleType;
  config: ScheduleConfig;
  zone: LuxonZone;
  /** Runs strictly after this instant (UTC seconds, may be fractional). */
  after: number;
  count: number;
  /** UTC seconds: the start of interval schedules. */
  anchor: number;
  calendar?: CalendarPredicate;
  /** Wall-clock days to walk at most. */
  horizonDays: number;
}

export interface OracleAnswer {
  runs: ExpectedRun[];
  /** The answer is exact for runs up to this instant (UTC seconds); later ones were not searched. */
  exactUntil: number;
}

const DAY = 86_400;

type Day = LocalDate & { iso: string };
const days = new Map<number, Day>();

/** The wall-clock date of a day number (days since 1970-01-01), from luxon's calendar. */
export function localDateOf(day: number): Day {
  let date = days.get(day);
  if (!date) {
    const dt = DateTime.fromSeconds(day * DAY, { zone: 'utc' });
    date = { year: dt.year, month: dt.month, day: dt.day, weekday: dt.weekday % 7, daysInMonth: dt.daysInMonth ?? 0, iso: dt.toISODate() ?? '' };
    days.set(day, date);
  }
  return date;
}

/** days_of_week / exclusions / excluded_dates, on a wall-clock day number. */
function dayFilter(config: ScheduleConfig): (day: number) => boolean {
  const weekdays = config.days_of_week?.length ? new Set(config.days_of_week) : null;
  const excludedWeekdays = new Set(config.exclusions ?? []);
  const excludedDates = new Set(config.excluded_dates ?? []);
  return (day) => {
    const d = localDateOf(day);
    if (weekdays && !weekdays.has(d.weekday)) return false;
    if (excludedWeekdays.has(d.weekday)) return false;
    return !excludedDates.has(d.iso);
  };
}

function hhmm(text: string): number {
  const [h, m] = text.split(':').map(Number);
  return h * 3600 + m * 60;
}

/** A daily window: opening second of the day and its length (both ends included). */
function windowOf(range: { start: string; end: string }): { start: number; span: number } {
  const s = hhmm(range.start);
  const e = hhmm(range.end);
  return { start: s, span: e > s ? e - s : e < s ? e + DAY - s : DAY - 1 };
}

/** The wall-clock times (local seconds) of a zoned schedule from `from` on, ascending, and whether they are fixed times. */
function wallClock(config: ScheduleConfig, anchorLocal: number): { times: (from: number, until: number) => Generator<number>; fixed: boolean } {
  const allows = dayFilter(config);
  if (config.interval?.unit === 'd') {
    const period = config.interval.value * DAY;
    return {
      fixed: true,
      *times(from, until) {
        for (let k = Math.max(1, Math.floor((from - anchorLocal) / period)); anchorLocal + k * period <= until; k++) {
          const t = anchorLocal + k * period;
          if (t >= from && allows(Math.floor(t / DAY))) yield t;
        }
      },
    };
  }
  const range = config.time_range;
  if (config.cron_expression === undefined && range?.frequency) {
    const { start, span } = windowOf(range);
    const unit = { s: 1, m: 60, h: 3600 }[range.frequency.unit];
    const step = range.frequency.value * unit;
    const ticks = Math.floor(span / step) + 1;
    return {
      fixed: ticks === 1,
      *times(from, until) {
        for (let k = Math.floor(from / DAY) - 1; k * DAY <= until; k++) {
          if (!allows(k)) continue;
          for (let j = 0; j < ticks; j++) {
            const t = k * DAY + start + j * step;
            if (t >= from) yield t;
          }
        }
      },
    };
  }
  const cron = cronMatcher(config.cron_expression as string);
  const window = range ? windowOf(range) : null;
  const inWindow = (t: number): boolean => {
    if (!window) return allows(Math.floor(t / DAY));
    for (const k of [Math.floor(t / DAY), Math.floor(t / DAY) - 1]) {
      const opens = k * DAY + window.start;
      if (opens <= t && t <= opens + window.span && allows(k)) return true;
    }
    return false;
  };
  return {
    fixed: cron.isFixedTime,
    *times(from, until) {
      for (let day = Math.floor(from / DAY); day * DAY <= until; day++) {
        if (!cron.matchesDate(localDateOf(day))) continue;
        const dayStart = day * DAY;
        for (const h of cron.hours) {
          if (dayStart + h * 3600 + 3599 < from) continue;
          for (const m of cron.minutes) {
            if (dayStart + h * 3600 + m * 60 + 59 < from) continue;
            for (const s of cron.seconds) {
              const t = dayStart + h * 3600 + m * 60 + s;
              if (t >= from && inWindow(t)) yield t;
            }
          }
        }
      }
    },
  };
}

function calendarAllows(calendar: CalendarPredicate | undefined, local: number): boolean {
  if (!calendar) return true;
  const d = localDateOf(Math.floor(local / DAY));
  return calendar({ year: d.year, month: d.month, day: d.day });
}

function finish(zone: LuxonZone, at: number, dst: DstFlag | undefined): ExpectedRun {
  const run: ExpectedRun = { at, local: zone.formatLocal(at) };
  const flag = dst ?? (zone.hasTransitionOnLocalDay(Math.floor((at + zone.offsetAt(at)) / DAY)) ? 'transition_day' : undefined);
  if (flag) run.dst = flag;
  return run;
}

export function expectedRuns(q: OracleQuery): OracleAnswer {
  const { zone, config } = q;
  const horizon = q.after + q.horizonDays * DAY;
  if (q.type === 'ONEOFF') {
    const at = Date.parse(config.run_at as string) / 1000;
    return { runs: at > q.after ? [finish(zone, at, undefined)] : [], exactUntil: Number.POSITIVE_INFINITY };
  }
  if (config.interval && config.interval.unit !== 'd') {
    const step = config.interval.value * { s: 1, m: 60, h: 3600 }[config.interval.unit];
    const allows = dayFilter(config);
    const anchor = Math.floor(q.anchor);
    const runs: ExpectedRun[] = [];
    for (let k = Math.max(1, Math.floor((q.after - anchor) / step)); runs.length < q.count; k++) {
      const at = anchor + k * step;
      if (at > horizon) return { runs, exactUntil: horizon };
      const local = at + zone.offsetAt(at);
      if (at > q.after && allows(Math.floor(local / DAY)) && calendarAllows(q.calendar, local)) runs.push(finish(zone, at, undefined));
    }
    return { runs, exactUntil: Number.POSITIVE_INFINITY };
  }

  const anchorLocal = Math.floor(q.anchor) + zone.offsetAt(Math.floor(q.anchor));
  const { times, fixed } = wallClock(config, anchorLocal);
  const gap = config.dst?.gap ?? (fixed ? 'shift' : 'skip');
  const repeat = config.dst?.repeat ?? (fixed ? 'once' : 'twice');
  // Any run after `after` reads a wall-clock time later than after + (smallest offset).
  const from = Math.floor(q.after + zone.minOffset) + 1;
  const found = new Map<number, DstFlag | undefined>();
  let nthSize = -1;
  let nthAt = Number.NaN;
  const nth = (): number => {
    if (found.size !== nthSize) {
      nthSize = found.size;
      nthAt = [...found.keys()].sort((a, b) => a - b)[q.count - 1];
    }
    return nthAt;
  };
  let exactUntil = horizon - zone.maxOffset; // unless the walk stops early, below
  for (const local of times(from, horizon)) {
    // Every later wall-clock time runs at or after local − (largest offset).
    if (found.size >= q.count && local - zone.maxOffset > nth()) {
      exactUntil = Number.POSITIVE_INFINITY;
      break;
    }
    if (local > horizon) break;
    if (!calendarAllows(q.calendar, local)) continue;
    const instants = zone.instantsOf(local);
    if (instants.length === 0) {
      if (gap === 'shift') {
        const at = zone.gapTransitionOf(local).at;
        if (at > q.after) found.set(at, 'gap_shifted');
      }
      continue;
    }
    const kept = repeat === 'once' ? instants.slice(0, 1) : instants;
    kept.forEach((at, i) => {
      if (at > q.after && !found.has(at)) found.set(at, i > 0 ? 'repeated' : undefined);
    });
  }
  const runs = [...found.entries()]
    .sort((a, b) => a[0] - b[0])
    .filter(([at]) => at <= exactUntil)
    .slice(0, q.count)
    .map(([at, flag]) => finish(zone, at, flag));
  return { runs, exactUntil };
}
