/**
 * Queries over the pre-aggregated stats (src/projections/stats-projection.ts). Every answer reads one
 * document per bucket in the range (at most a few hundred), never the history, so its cost does not
 * grow with the number of executions.
 *
 * Days:
 * - days of the project's own zone come from the `day` buckets, each day in the zone the project had
 *   when its executions were created (so around a zone change a day may follow the old zone);
 * - days of any other zone (UTC included) are summed from the UTC hours: exact for zones whose offset is
 *   a whole number of hours on that day; in zones with a :30 or :45 offset (Asia/Kolkata,
 *   Asia/Kathmandu, Australia/Adelaide, …) each UTC hour counts for the local day in which it starts, so
 *   executions in the 30 or 45 minutes after local midnight are counted on the previous day.
 * A month of days from hours reads about 744 small documents; a month of project days, 31.
 */
import { type FailureDayDoc, type StatsBucketDoc, type StatsCounters, type StatsGranularity, addCounters, bucketStart, failureDayRange, emptyCounters, failuresOf, histogramQuantiles, hourKeyOf, hourStartIso, hourStartMs, inProgressOf, MS_PER_HOUR, localDayOf, localDayStartMs, successRateOf, usableZone } from '../projections/stats-buckets';
import { bucketsByKey } from './stats-bucket-reads';
import { STATS_FAILURE_DAYS, STATS_PROJECTION, STATS_ZONES, type ProjectZoneDoc } from '../projections/stats-projection';
import { formatDay, parseIsoDate } from '../schedules/civil-time';
import type { QueryServices } from './query-services';

/** The duration percentiles every bucket and total reports. */
const QUANTILES = [0.5, 0.95, 0.99] as const;

export interface DurationFigures {
  /** Executions with a duration (every end but MISSED). */
  count: number;
  sum_ms: number;
  min_ms: number | null;
  max_ms: number | null;
  mean_ms: number | null;
  /** Estimated from a log-scale histogram (within about 4.4 %), clamped to the exact min and max. */
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
}

export interface StatsFigures {
  /** Executions created (counted once each, at creation). */
  total: number;
  success: number;
  failed: number;
  timed_out: number;
  missed: number;
  cancelled: number;
  /** Attempts begun (retries included): `total` + `retries`. */
  attempts: number;
  /** Attempts begun after an execution's first (retry policies); each execution still counts once in `total`. */
  retries: number;
  /** Created and not ended yet (PENDING, RUNNING or RETRYING). */
  in_progress: number;
  /** failed + timed_out + missed. */
  failures: number;
  /** success / (success + failures), cancelled runs left out; null when none has ended. */
  success_rate: number | null;
  duration: DurationFigures;
}

export interface StatsBucket extends StatsFigures {
  /** `YYYY-MM-DDTHH` (UTC hour) or `YYYY-MM-DD` (day). */
  key: string;
  /** First instant of the bucket. */
  start: string;
  /** First instant after the bucket. */
  end: string;
}

export type StatsSource = 'hourly_buckets' | 'daily_buckets';

export interface StatsRange {
  project_id: string;
  task_id: string | null;
  granularity: 'hour' | 'day';
  /** The zone of the days (UTC for hours). */
  timezone: string;
  /** Which pre-aggregates answered: the project's daily buckets, or UTC hours (summed per day for days). */
  source: StatsSource;
  /** Every bucket of the range, oldest first, empty ones included. */
  buckets: StatsBucket[];
  totals: StatsFigures;
}

export function toFigures(c: StatsCounters): StatsFigures {
  const [p50, p95, p99] = histogramQuantiles(c, QUANTILES);
  return {
    total: c.total,
    success: c.success,
    failed: c.failed,
    timed_out: c.timedOut,
    missed: c.missed,
    cancelled: c.cancelled,
    attempts: c.total + (c.retries ?? 0),
    retries: c.retries ?? 0,
    in_progress: inProgressOf(c),
    failures: failuresOf(c),
    success_rate: successRateOf(c),
    duration: {
      count: c.durationCount,
      sum_ms: c.durationSumMs,
      min_ms: c.durationMinMs,
      max_ms: c.durationMaxMs,
      mean_ms: c.durationCount === 0 ? null : c.durationSumMs / c.durationCount,
      p50_ms: p50,
      p95_ms: p95,
      p99_ms: p99,
    },
  };
}

/** The project's current zone as the stats projection knows it (UTC until it has seen the project). */
export async function statsZoneOf(services: QueryServices, projectId: string): Promise<string> {
  const doc = await services.reads.get<ProjectZoneDoc>(services.registry.collection(STATS_PROJECTION, STATS_ZONES), projectId);
  return usableZone(doc?.timezone);
}

export interface HourRange {
  projectId: string;
  taskId: string | null;
  /** Instants (ms): every UTC hour overlapping [fromMs, toMs). */
  fromMs: number;
  toMs: number;
}

/** Hourly stats (UTC) for every hour overlapping [from, to). */
export async function hourlyStats(services: QueryServices, range: HourRange): Promise<StatsRange> {
  const firstKey = hourKeyOf(range.fromMs);
  const lastKey = hourKeyOf(range.toMs - 1);
  const docs = await bucketsByKey(services, range.projectId, range.taskId, 'hour', firstKey, lastKey);
  const buckets: StatsBucket[] = [];
  const totals = emptyCounters();
  const last = hourStartMs(lastKey);
  for (let start = hourStartMs(firstKey), key = firstKey; start <= last; start += MS_PER_HOUR) {
    const next = hourKeyOf(start + MS_PER_HOUR);
    const counters = docs.get(key) ?? emptyCounters();
    addCounters(totals, counters);
    buckets.push({ key, start: hourStartIso(key), end: hourStartIso(next), ...toFigures(counters) });
    key = next;
  }
  return { project_id: range.projectId, task_id: range.taskId, granularity: 'hour', timezone: 'UTC', source: 'hourly_buckets', buckets, totals: toFigures(totals) };
}

export interface DayRange {
  projectId: string;
  taskId: string | null;
  /** Day numbers (days since 1970-01-01), both included. */
  fromDay: number;
  toDay: number;
  /** The zone of the days; undefined: the project's. */
  timezone?: string;
}

/** Daily stats for the days [fromDay, toDay] of a zone (see the header for how exact each zone is). */
export async function dailyStats(services: QueryServices, range: DayRange): Promise<StatsRange> {
  const projectZone = await statsZoneOf(services, range.projectId);
  const zone = range.timezone ?? projectZone;
  const perDay = await countersPerDay(services, range, zone, projectZone);
  const buckets: StatsBucket[] = [];
  const totals = emptyCounters();
  for (let day = range.fromDay; day <= range.toDay; day++) {
    const { counters, start } = perDay.days.get(day) ?? { counters: emptyCounters(), start: undefined };
    addCounters(totals, counters);
    buckets.push({
      key: formatDay(day),
      start: start ?? iso(localDayStartMs(day, zone)),
      end: iso(localDayStartMs(day + 1, zone)),
      ...toFigures(counters),
    });
  }
  return {
    project_id: range.projectId,
    task_id: range.taskId,
    granularity: 'day',
    timezone: zone,
    source: perDay.source,
    buckets,
    totals: toFigures(totals),
  };
}

interface PerDay {
  source: StatsSource;
  days: Map<number, { counters: StatsCounters; start?: string }>;
}

async function countersPerDay(services: QueryServices, range: DayRange, zone: string, projectZone: string): Promise<PerDay> {
  const days = new Map<number, { counters: StatsCounters; start?: string }>();
  if (zone === projectZone) {
    const docs = await bucketsByKey(services, range.projectId, range.taskId, 'day', formatDay(range.fromDay), formatDay(range.toDay));
    for (const doc of docs.values()) days.set(dayNumber(doc.key), { counters: doc, start: bucketStart('day', doc.key, doc.zone) });
    return { source: 'daily_buckets', days };
  }
  const fromMs = localDayStartMs(range.fromDay, zone);
  const toMs = localDayStartMs(range.toDay + 1, zone);
  const docs = await bucketsByKey(services, range.projectId, range.taskId, 'hour', hourKeyOf(fromMs), hourKeyOf(toMs - 1));
  for (const doc of docs.values()) {
    const day = localDayOf(hourStartMs(doc.key), zone);
    if (day < range.fromDay || day > range.toDay) continue;
    const entry = days.get(day) ?? { counters: emptyCounters() };
    addCounters(entry.counters, doc);
    days.set(day, entry);
  }
  return { source: 'hourly_buckets', days };
}

// ---- calendar -----------------------------------------------------------------------------------

export interface CalendarDay {
  date: string;
  total: number;
  success: number;
  /** failed + timed_out + missed. */
  failures: number;
  cancelled: number;
  in_progress: number;
}

export interface CalendarMonth {
  month: string;
  timezone: string;
  source: StatsSource;
  /** Only the days that had executions, in date order. */
  days: CalendarDay[];
}

/** Which days of a month (`YYYY-MM`, validated) had executions, and how many failed. */
export async function calendarMonth(
  services: QueryServices,
  query: { projectId: string; taskId: string | null; month: string; timezone?: string },
): Promise<CalendarMonth> {
  const [year, month] = query.month.split('-').map(Number) as [number, number];
  const fromDay = parseIsoDate(`${query.month}-01`)!;
  const toDay = parseIsoDate(`${month === 12 ? year + 1 : year}-${String(month === 12 ? 1 : month + 1).padStart(2, '0')}-01`)! - 1;
  const stats = await dailyStats(services, { projectId: query.projectId, taskId: query.taskId, fromDay, toDay, timezone: query.timezone });
  return {
    month: query.month,
    timezone: stats.timezone,
    source: stats.source,
    days: stats.buckets
      .filter((b) => b.total > 0)
      .map((b) => ({ date: b.key, total: b.total, success: b.success, failures: b.failures, cancelled: b.cancelled, in_progress: b.in_progress })),
  };
}

// ---- the original API's three stats endpoints (COMPAT.md) ---------------------------------------

export interface CompatDayStats {
  date: string;
  failures: number;
  success: number;
  total: number;
}

export interface CompatFailedDay {
  date: string;
  count: number;
}

export interface CompatTaskFailures {
  taskId: string;
  failures: number;
}

/** The project's counts per UTC day (summed from its hours) over the last `days` UTC days up to today (at `now`), newest first. */
async function recentUtcDays(services: QueryServices, projectId: string, days: number, now: Date): Promise<Array<StatsCounters & { key: string }>> {
  const today = Math.floor(now.getTime() / 86_400_000);
  const hours = await bucketsByKey(services, projectId, null, 'hour', `${formatDay(today - days + 1)}T00`, `${formatDay(today)}T23`);
  const byDay = new Map<string, StatsCounters & { key: string }>();
  for (const hour of hours.values()) {
    const key = hour.key.slice(0, 10);
    let day = byDay.get(key);
    if (!day) byDay.set(key, (day = { ...emptyCounters(), key }));
    addCounters(day, hour);
  }
  return [...byDay.values()].sort((a, b) => (a.key < b.key ? 1 : -1));
}

/** `executions/stats`: one row per UTC day with executions, newest first. */
export async function compatExecutionStats(services: QueryServices, projectId: string, days: number, now: Date): Promise<{ stats: CompatDayStats[] }> {
  const docs = await recentUtcDays(services, projectId, days, now);
  return {
    stats: docs.filter((d) => d.total > 0).map((d) => ({ date: d.key, failures: failuresOf(d), success: d.success, total: d.total })),
  };
}

/** `executions/failed-stats`: one row per UTC day with failures, newest first, and their sum. */
export async function compatFailedStats(services: QueryServices, projectId: string, days: number, now: Date): Promise<{ stats: CompatFailedDay[]; total: number }> {
  const docs = await recentUtcDays(services, projectId, days, now);
  const stats = docs.map((d) => ({ date: d.key, count: failuresOf(d) })).filter((row) => row.count > 0);
  return { stats, total: stats.reduce((sum, row) => sum + row.count, 0) };
}

/** `failures?date=`: the failures of each task on one UTC day, most first (then by task id). */
export async function compatFailuresOfDay(
  services: QueryServices,
  projectId: string,
  date: string,
  now: Date,
): Promise<{ date: string; tasks: CompatTaskFailures[]; total: number; calculated_at: string }> {
  const { items } = await services.reads.find<FailureDayDoc>(services.registry.collection(STATS_PROJECTION, STATS_FAILURE_DAYS), {
    filter: { id: failureDayRange(projectId, date) },
  });
  const tasks = items
    .map((d) => ({ taskId: d.taskId, failures: d.failures }))
    .filter((t) => t.failures > 0)
    .sort((a, b) => b.failures - a.failures || (a.taskId < b.taskId ? -1 : 1));
  return { date, tasks, total: tasks.reduce((sum, t) => sum + t.failures, 0), calculated_at: now.toISOString() };
}

function dayNumber(key: string): number {
  return parseIsoDate(key)!;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** One series' figures summed over the day buckets [fromKey, toKey] (`YYYY-MM-DD`) of the project's zone: one id range. */
export async function dayTotals(services: QueryServices, projectId: string, taskId: string | null, fromKey: string, toKey: string): Promise<StatsFigures> {
  const totals = emptyCounters();
  for (const doc of (await bucketsByKey(services, projectId, taskId, 'day', fromKey, toKey)).values()) addCounters(totals, doc);
  return toFigures(totals);
}
