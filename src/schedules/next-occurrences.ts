/**
 * Occurrences as the preview API, the dashboard's "next run" and downtime accounting want them:
 * UTC instant, local time in the task's zone, and how DST touched them.
 */
import { SECONDS_PER_DAY, formatLocalIso } from './civil-time';
import { CompiledSchedule, OccurrenceDetail } from './compiled-schedule';
import { compileSchedule } from './compile-schedule';
import { ScheduleConfig, ScheduleType } from './schedule-config';

export interface Occurrence {
  /** The UTC instant. */
  at: Date;
  /** ISO 8601 local date-time with the offset in force, in the task's zone: `2026-03-08T03:00:00-04:00`. */
  local: string;
  /**
   * `gap_shifted`: its wall-clock time did not exist (spring forward) and it runs at the first instant
   * after the gap; `repeated`: the second run of a wall-clock time that happened twice (fall back);
   * `transition_day`: otherwise untouched, on a local day with a DST (offset) change.
   */
  dst?: 'gap_shifted' | 'repeated' | 'transition_day';
}

export interface OccurrenceRange {
  /** The first occurrences in the range, at most `limit`. */
  first: Occurrence[];
  /** How many occurrences the range holds in all. */
  count: number;
  /** The last occurrence in the range (what `catch_up: latest` runs), or null when it holds none. */
  last: Occurrence | null;
}

function assertInstant(name: string, value: Date): void {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new RangeError(`${name} must be a valid Date`);
}

function assertCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a whole number ≥ 0`);
}

function occurrenceAt(schedule: CompiledSchedule, atMs: number, detail: OccurrenceDetail): Occurrence {
  const seconds = Math.floor(atMs / 1000);
  const offset = schedule.zone.offsetAt(seconds);
  const occurrence: Occurrence = { at: new Date(atMs), local: formatLocalIso(atMs, offset) };
  if (detail.dst) occurrence.dst = detail.dst;
  else if (schedule.zone.hasTransitionOnLocalDay(Math.floor((seconds + offset) / SECONDS_PER_DAY))) occurrence.dst = 'transition_day';
  return occurrence;
}

/**
 * The next `count` occurrences strictly after `after`. `anchor` starts interval schedules (the
 * task's creation time; when absent, `after`, as for a schedule created now). Throws
 * ValidationError for an invalid config.
 */
export function nextOccurrences(
  type: ScheduleType,
  config: ScheduleConfig,
  after: Date,
  count: number,
  anchor?: Date,
): Occurrence[] {
  assertInstant('after', after);
  assertCount('count', count);
  if (anchor !== undefined) assertInstant('anchor', anchor);
  const schedule = compileSchedule(type, config, anchor ?? after);
  return collect(schedule, after.getTime(), Number.POSITIVE_INFINITY, count);
}

/**
 * The occurrences in (from, to] — after `from`, up to and including `to` — for downtime
 * accounting: the first `limit` of them, how many there are in all, and the last one. Counting
 * works day by day, not tick by tick, so a month of an every-second schedule is as cheap as a day.
 */
export function occurrencesBetween(
  type: ScheduleType,
  config: ScheduleConfig,
  from: Date,
  to: Date,
  limit: number,
  anchor?: Date,
): OccurrenceRange {
  assertInstant('from', from);
  assertInstant('to', to);
  assertCount('limit', limit);
  if (anchor !== undefined) assertInstant('anchor', anchor);
  const schedule = compileSchedule(type, config, anchor ?? from);
  const fromMs = from.getTime();
  const toMs = to.getTime();
  const count = schedule.countBetween(fromMs, toMs);
  const first = collect(schedule, fromMs, toMs, Math.min(limit, count));
  let last: Occurrence | null = null;
  if (count > 0) {
    if (first.length === count) last = first[count - 1];
    else {
      const detail: OccurrenceDetail = { dst: undefined };
      last = occurrenceAt(schedule, schedule.nextMs(lastOccurrenceBound(schedule, fromMs, toMs), detail), detail);
    }
  }
  return { first, count, last };
}

function collect(schedule: CompiledSchedule, afterMs: number, toMs: number, count: number): Occurrence[] {
  const result: Occurrence[] = [];
  const detail: OccurrenceDetail = { dst: undefined };
  let cursor = afterMs;
  while (result.length < count) {
    const at = schedule.nextMs(cursor, detail);
    if (Number.isNaN(at) || at > toMs) break;
    result.push(occurrenceAt(schedule, at, detail));
    cursor = at;
  }
  return result;
}

/**
 * An instant x such that the last occurrence in (fromMs, toMs] is the first one after x. Found with
 * counts only (no backwards search needed): widen a window back from `to` until it holds an
 * occurrence, then bisect it down to the millisecond.
 */
function lastOccurrenceBound(schedule: CompiledSchedule, fromMs: number, toMs: number): number {
  let width = 1000;
  while (toMs - width > fromMs && schedule.countBetween(toMs - width, toMs) === 0) width *= 4;
  let holds = Math.max(fromMs, toMs - width); // (holds, to] has an occurrence
  let empty = toMs; // (empty, to] has none
  while (empty - holds > 1) {
    const mid = Math.floor((holds + empty) / 2);
    if (schedule.countBetween(mid, toMs) > 0) holds = mid;
    else empty = mid;
  }
  return holds;
}
