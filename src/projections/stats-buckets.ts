/**
 * The shapes and arithmetic of the pre-aggregated execution statistics (stats-projection.ts), shared by
 * the projection and the queries (src/queries/stats-range.ts) so both use one definition of a bucket
 * key, a duration histogram bucket and a percentile.
 *
 * Bucketing (fixed, part of the read model's meaning):
 * - an execution belongs to the buckets of its *bucket instant*: its scheduled instant, or its creation
 *   time for a manual run (for manual runs the two are the same instant today; the rule keeps it so);
 * - `hour`: the UTC hour of that instant, key `YYYY-MM-DDTHH` (UTC days, as the original API's stats
 *   endpoints count them, are sums of 24 of these);
 * - `day`: the calendar day in the PROJECT's time zone as it was when the execution was created
 *   (ProjectCreated / ProjectUpdated before the ExecutionCreated event in `$all`), key `YYYY-MM-DD`.
 *   After a zone change, executions created from then on go to days of the new zone; days already
 *   counted stay as they were, so one key may hold the old zone's day and the new zone's day around
 *   the change. Each bucket records the zone of its first execution.
 * Every execution is counted in `total` once, at ExecutionCreated, and in exactly one end counter at
 * its first terminal event, in the same buckets (the keys are kept from creation), whatever happens later.
 * Failures (FAILED, TIMED_OUT, MISSED) are also counted per task and UTC day in a small document of
 * their own (FailureDayDoc), written only when a failure happens, for the original API's `failures?date=`.
 *
 * Purges: a deleted task's statistics go with it (its buckets are deleted and taken out of its
 * project's); executions removed by retention stay counted (the aggregates outlive the raw history).
 */
import { formatDay, dayOf, SECONDS_PER_DAY } from '../schedules/civil-time';
import { checkTimeZone, zoneRules } from '../schedules/time-zone';
import type { Doc } from '../stores/read/read-store';

export type StatsSeries = 'project' | 'task';
export type StatsGranularity = 'hour' | 'day';
export const STATS_GRANULARITIES: readonly StatsGranularity[] = ['hour', 'day'];

/** Counters of one bucket (also the shape of a sum of buckets). */
export interface StatsCounters {
  total: number;
  success: number;
  failed: number;
  timedOut: number;
  missed: number;
  cancelled: number;
  /**
   * Retries: attempts begun after an execution's first (ExecutionRetryStarted). An execution is still
   * counted once, by its final outcome; its attempts are `total + retries`. Absent until a bucket has a
   * retry (so buckets without any stay as they were written before retries existed): read as 0.
   */
  retries?: number;
  /** Executions with a duration (every end but MISSED). */
  durationCount: number;
  durationSumMs: number;
  durationMinMs: number | null;
  durationMaxMs: number | null;
  /** Sparse duration histogram: bucket index (decimal string, see histogramIndex) → count. */
  histogram: Record<string, number>;
}

/** One bucket of one series (a project's or a task's) at one granularity. */
export interface StatsBucketDoc extends Doc, StatsCounters {
  projectId: string;
  /** null for a project series. */
  taskId: string | null;
  series: StatsSeries;
  granularity: StatsGranularity;
  /** `YYYY-MM-DDTHH` (hour, UTC) or `YYYY-MM-DD` (day). */
  key: string;
  /** `UTC` for hours; for a day, the project's zone when the bucket's first execution was created (its start is that zone's midnight). */
  zone: string;
}

/** A day bucket of a task also lists the UTC hours its executions fell in (to find them when the task is deleted). */
export interface TaskDayBucketDoc extends StatsBucketDoc {
  hours: string[];
}

/**
 * Where a task has day buckets, to find them when the task is deleted: the months (`YYYY-MM`) of its
 * days, one field each, so a new day is noted without reading the document. Documents written before
 * months were listed hold the range of days instead, and keep it.
 */
export interface TaskDaysDoc extends Doc {
  projectId: string;
  months?: Record<string, true>;
  firstDay?: string;
  lastDay?: string;
}

/** A task's failures on one UTC day (only days with failures have one). */
export interface FailureDayDoc extends Doc {
  projectId: string;
  taskId: string;
  /** `YYYY-MM-DD`, UTC. */
  day: string;
  failures: number;
}

/** `<projectId>|<day>|<taskId>`: a project's failure days are one id range per day. */
export function failureDayId(projectId: string, day: string, taskId: string): string {
  return `${projectId}|${day}|${taskId}`;
}

export function failureDayRange(projectId: string, day: string): { $gte: string; $lt: string } {
  return { $gte: `${projectId}|${day}|`, $lt: `${projectId}|${day}|\uffff` };
}

export function emptyCounters(): StatsCounters {
  return {
    total: 0,
    success: 0,
    failed: 0,
    timedOut: 0,
    missed: 0,
    cancelled: 0,
    durationCount: 0,
    durationSumMs: 0,
    durationMinMs: null,
    durationMaxMs: null,
    histogram: {},
  };
}

// ---- duration histogram -------------------------------------------------------------------------

/** Buckets per doubling: neighbouring bounds differ by 2^(1/8) ≈ 9 %, a percentile is within ≈ 4.4 %. */
export const HISTOGRAM_STEPS_PER_DOUBLING = 8;
/** The last bucket holds everything from 2^(255/8) ms ≈ 32 days up. */
export const HISTOGRAM_MAX_INDEX = 256;

/**
 * Fixed log-scale buckets of durations in milliseconds: index 0 holds [0, 1 ms); index i ≥ 1 holds
 * [2^((i−1)/8), 2^(i/8)) ms. The same for every bucket and every rebuild, so histograms add up.
 */
export function histogramIndex(durationMs: number): number {
  if (!(durationMs >= 1)) return 0;
  const index = 1 + Math.floor(Math.log2(durationMs) * HISTOGRAM_STEPS_PER_DOUBLING);
  return Math.min(index, HISTOGRAM_MAX_INDEX);
}

/** [lower, upper) of a histogram bucket in ms (upper is Infinity for the last one). */
export function histogramBounds(index: number): [number, number] {
  if (index <= 0) return [0, 1];
  const lower = 2 ** ((index - 1) / HISTOGRAM_STEPS_PER_DOUBLING);
  const upper = index >= HISTOGRAM_MAX_INDEX ? Number.POSITIVE_INFINITY : 2 ** (index / HISTOGRAM_STEPS_PER_DOUBLING);
  return [lower, upper];
}

type HistogramCounters = Pick<StatsCounters, 'histogram' | 'durationCount' | 'durationMinMs' | 'durationMaxMs'>;

/**
 * The q-quantile (0 < q ≤ 1) estimated from a histogram: the bucket holding the ⌈q·n⌉-th smallest
 * duration, answered by the geometric middle of its bounds and clamped to the exact min and max
 * (so p0/p100 and one-bucket distributions are exact). Null without durations.
 */
export function histogramQuantile(counters: HistogramCounters, q: number): number | null {
  return histogramQuantiles(counters, [q])[0];
}

/**
 * Several quantiles (each 0 < q ≤ 1) from one walk of the histogram when they ascend: a stats range
 * asks three per bucket, and sorting the histogram's indexes once per quantile was most of its time.
 */
export function histogramQuantiles(counters: HistogramCounters, qs: readonly number[]): Array<number | null> {
  const n = counters.durationCount;
  const { durationMinMs: min, durationMaxMs: max } = counters;
  if (n <= 0 || min === null || max === null) return qs.map(() => null);
  const entries = Object.entries(counters.histogram)
    .map(([index, count]) => [Number(index), count] as const)
    .sort((a, b) => a[0] - b[0]);
  const results: Array<number | null> = [];
  let seen = 0;
  let next = 0;
  let previousRank = 0;
  for (const q of qs) {
    const rank = Math.max(1, Math.ceil(q * n));
    if (rank < previousRank) seen = next = 0; // not ascending: walk again from the start
    previousRank = rank;
    while (next < entries.length && seen < rank) seen += entries[next++][1] ?? 0;
    if (seen < rank) {
      results.push(max);
      continue;
    }
    const index = entries[next - 1][0];
    const [lower, upper] = histogramBounds(index);
    const middle = index === 0 ? 0.5 : Number.isFinite(upper) ? Math.sqrt(lower * upper) : lower;
    results.push(Math.round(Math.min(max, Math.max(min, middle))));
  }
  return results;
}

// ---- counting ----------------------------------------------------------------------------------

export type EndCounter = 'success' | 'failed' | 'timedOut' | 'missed' | 'cancelled';

/** Adds `other` into `into` (sums, min/max, histogram); returns `into`. */
export function addCounters(into: StatsCounters, other: StatsCounters): StatsCounters {
  into.total += other.total;
  into.success += other.success;
  into.failed += other.failed;
  into.timedOut += other.timedOut;
  into.missed += other.missed;
  into.cancelled += other.cancelled;
  if (other.retries) into.retries = (into.retries ?? 0) + other.retries;
  into.durationCount += other.durationCount;
  into.durationSumMs += other.durationSumMs;
  into.durationMinMs = minOf(into.durationMinMs, other.durationMinMs);
  into.durationMaxMs = maxOf(into.durationMaxMs, other.durationMaxMs);
  // for…in, not Object.entries: a stats range adds every bucket into its totals, and the pairs were garbage.
  for (const index in other.histogram) into.histogram[index] = (into.histogram[index] ?? 0) + other.histogram[index];
  return into;
}

/**
 * Takes a task's bucket out of its project's bucket (the task is deleted). Sums and the histogram are
 * exact; the min and max stay exact unless the task held them, in which case they are narrowed to the
 * project's remaining histogram buckets (within one bucket, ≈ 9 %).
 */
export function subtractCounters(from: StatsCounters, other: StatsCounters): StatsCounters {
  from.total -= other.total;
  from.success -= other.success;
  from.failed -= other.failed;
  from.timedOut -= other.timedOut;
  from.missed -= other.missed;
  from.cancelled -= other.cancelled;
  if (other.retries) from.retries = (from.retries ?? 0) - other.retries;
  from.durationCount -= other.durationCount;
  from.durationSumMs -= other.durationSumMs;
  for (const [index, count] of Object.entries(other.histogram)) {
    const left = (from.histogram[index] ?? 0) - count;
    if (left > 0) from.histogram[index] = left;
    else delete from.histogram[index];
  }
  const indexes = Object.keys(from.histogram).map(Number);
  if (from.durationCount <= 0 || indexes.length === 0) {
    from.durationMinMs = null;
    from.durationMaxMs = null;
  } else {
    const [low] = histogramBounds(Math.min(...indexes));
    const [, high] = histogramBounds(Math.max(...indexes));
    if (from.durationMinMs !== null) from.durationMinMs = Math.max(from.durationMinMs, Math.ceil(low));
    if (from.durationMaxMs !== null && Number.isFinite(high)) from.durationMaxMs = Math.min(from.durationMaxMs, Math.ceil(high) - 1);
  }
  return from;
}

/** Counts one end (and its duration, when it has one) into `into`. */
export function countEnd(into: StatsCounters, counter: EndCounter, durationMs: number | null): void {
  into[counter] += 1;
  if (durationMs === null) return;
  into.durationCount += 1;
  into.durationSumMs += durationMs;
  into.durationMinMs = minOf(into.durationMinMs, durationMs);
  into.durationMaxMs = maxOf(into.durationMaxMs, durationMs);
  const index = histogramIndex(durationMs);
  const count = into.histogram[index];
  if (count !== undefined) into.histogram[index] = count + 1;
  // The histogram holds one count per duration, so it is empty exactly when this is the first (a
  // for…in over it, to ask, enumerated its keys for each end).
  else if (into.durationCount > 1) into.histogram[index] = 1;
  else into.histogram = firstHistogramEntry(index);
}

/**
 * A histogram holding one duration. Its keys are array indexes to V8: assigned to an empty object,
 * index 100 reserves ~170 slots (1.4 KB), where JSON.parse keeps them sparse (~0.2 KB) and so do later
 * assignments. A stats rebuild makes one for nearly every execution, and holds a transaction's worth.
 */
function firstHistogramEntry(index: number): Record<string, number> {
  return JSON.parse(`{"${index}":1}`) as Record<string, number>;
}

function minOf(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.min(a, b);
}

function maxOf(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.max(a, b);
}

/** FAILED, TIMED_OUT and MISSED: what the original API's stats call failures (and alerts count). */
export function failuresOf(counters: Pick<StatsCounters, 'failed' | 'timedOut' | 'missed'>): number {
  return counters.failed + counters.timedOut + counters.missed;
}

/** Executions created but not ended yet. */
export function inProgressOf(c: StatsCounters): number {
  return c.total - c.success - c.failed - c.timedOut - c.missed - c.cancelled;
}

/**
 * success / (success + failed + timed out + missed): cancelled runs are a person's decision and do not
 * count either way; null when nothing has ended yet.
 */
export function successRateOf(c: StatsCounters): number | null {
  const ended = c.success + failuresOf(c);
  return ended === 0 ? null : c.success / ended;
}

// ---- keys ---------------------------------------------------------------------------------------

export const MS_PER_HOUR = 3_600_000;

/** A zone usable for day keys: the name when this Node knows it, else UTC (a stored name never breaks a projection). */
export function usableZone(zone: string | null | undefined): string {
  return zone && checkTimeZone(zone).ok ? zone : 'UTC';
}

const MS_PER_DAY = 86_400_000;
/** The instants a Date can hold (ECMA-262 §21.4.1.22); past them toISOString throws. */
const MAX_DATE_MS = 8.64e15;
const HOUR_SUFFIXES = Array.from({ length: 24 }, (_, hour) => `T${String(hour).padStart(2, '0')}`);
/** The day of the last key made, and its text: an hourly range, or a rebuild's executions, stay in a day for many keys. */
let lastDay = Number.NaN;
let lastDayText = '';

/**
 * `YYYY-MM-DDTHH` of the UTC hour holding an instant (ms): its `toISOString` up to the hour (a year past
 * 9999 has six digits and a sign). Made from the day's text, formatted once per day: formatting a Date
 * for every hour was most of the time of an hourly stats answer.
 */
export function hourKeyOf(ms: number): string {
  if (!(Math.abs(ms) <= MAX_DATE_MS)) return new Date(ms).toISOString().slice(0, 13);
  // A Date drops a fraction of a millisecond toward zero.
  const whole = Math.trunc(ms);
  const day = Math.floor(whole / MS_PER_DAY);
  if (day !== lastDay) {
    lastDayText = formatDay(day);
    lastDay = day;
  }
  return lastDayText + HOUR_SUFFIXES[Math.floor((whole - day * MS_PER_DAY) / MS_PER_HOUR)]!;
}

/** The first instant (ms) of an hour key. */
export function hourStartMs(key: string): number {
  return Date.parse(`${key}:00:00.000Z`);
}

/** The first instant of an hour key, as ISO text (`toISOString` of hourStartMs). */
export function hourStartIso(key: string): string {
  return `${key}:00:00.000Z`;
}

export function hourKeyAfter(key: string, hours = 1): string {
  return hourKeyOf(hourStartMs(key) + hours * MS_PER_HOUR);
}

/** The local calendar day (day number since 1970-01-01) holding an instant (ms) in a zone. */
export function localDayOf(ms: number, zone: string): number {
  const seconds = Math.floor(ms / 1000);
  const offset = zone === 'UTC' ? 0 : zoneRules(zone).offsetAt(seconds);
  return dayOf(seconds + offset);
}

/** `YYYY-MM-DD` of the local day holding an instant (ms) in a zone. */
export function localDayKeyOf(ms: number, zone: string): string {
  return formatDay(localDayOf(ms, zone));
}

/**
 * The first instant (ms) of a local day (day number) in a zone: local midnight, or the first instant
 * after it when midnight falls in a DST gap.
 */
export function localDayStartMs(day: number, zone: string): number {
  if (zone === 'UTC') return day * SECONDS_PER_DAY * 1000;
  return zoneRules(zone).firstInstantAtOrAfterLocal(day * SECONDS_PER_DAY) * 1000;
}

/** The keys of the buckets an execution with this bucket instant falls in, given the project's zone. */
export function bucketKeysOf(instantMs: number, zone: string): Record<StatsGranularity, string> {
  return { hour: hourKeyOf(instantMs), day: localDayKeyOf(instantMs, zone) };
}

/** The first instant (ISO) of a bucket. */
export function bucketStart(granularity: StatsGranularity, key: string, zone: string): string {
  if (granularity === 'hour') return new Date(hourStartMs(key)).toISOString();
  const day = Math.round(Date.parse(`${key}T00:00:00.000Z`) / (SECONDS_PER_DAY * 1000));
  return new Date(localDayStartMs(day, zone)).toISOString();
}
