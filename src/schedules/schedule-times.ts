/**
 * Builds the wall-clock side of a validated schedule config: its day filter and, for the kinds that
 * do not depend on an anchor (cron expressions and time ranges), its LocalTimes.
 */
import { SECONDS_PER_DAY, parseIsoDate } from './civil-time';
import { cronTimesFor } from './cron-times';
import { dailyWindow, WindowedTimes } from './daily-window';
import { ALL_WEEKDAYS, DayFilter } from './day-filter';
import { DayFilteredTimes } from './day-filtered-times';
import { LocalTimes } from './local-times';
import type { ScheduleConfig } from './schedule-config';
import { TimeRangeTicks } from './time-range-ticks';

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: SECONDS_PER_DAY } as const;

export function unitSeconds(unit: keyof typeof UNIT_SECONDS): number {
  return UNIT_SECONDS[unit];
}

/** The config's day filter, or null when it has no days_of_week, exclusions or excluded_dates. */
export function dayFilterOf(config: ScheduleConfig): DayFilter | null {
  if (!config.days_of_week?.length && !config.exclusions?.length && !config.excluded_dates?.length) return null;
  let weekdays = 0;
  for (const d of config.days_of_week?.length ? config.days_of_week : [0, 1, 2, 3, 4, 5, 6]) weekdays |= 1 << d;
  for (const d of config.exclusions ?? []) weekdays &= ~(1 << d);
  const excluded = new Set<number>();
  for (const date of config.excluded_dates ?? []) {
    const day = parseIsoDate(date);
    if (day !== undefined) excluded.add(day);
  }
  return new DayFilter(weekdays & ALL_WEEKDAYS, excluded);
}

/**
 * The LocalTimes of a cron or time-range schedule; null for interval and one-off schedules, whose
 * times depend on an anchor or an instant.
 */
export function buildLocalTimes(config: ScheduleConfig, filter: DayFilter | null): LocalTimes | null {
  const range = config.time_range;
  if (config.cron_expression !== undefined) {
    const cron = cronTimesFor(config.cron_expression);
    if (range) return new WindowedTimes(cron, dailyWindow(range.start, range.end), filter);
    return filter ? new DayFilteredTimes(cron, filter) : cron;
  }
  if (range?.frequency && config.interval === undefined) {
    const step = range.frequency.value * UNIT_SECONDS[range.frequency.unit];
    return new TimeRangeTicks(dailyWindow(range.start, range.end), step, filter);
  }
  return null;
}
