/**
 * A set of wall-clock times, in local seconds (see civil-time.ts), independent of any time zone.
 * Cron patterns, time-range ticks, daily intervals and the day/window filters around them all
 * implement it; zoned-schedule.ts turns any of them into UTC instants under a DST policy.
 */
export interface LocalTimes {
  /**
   * The smallest time in the set strictly after `fromExclusive`, or NaN when there is none within
   * SEARCH_HORIZON_DAYS (a pattern that matches no real date, such as February 30).
   */
  nextAfter(fromExclusive: number): number;
  /** How many times of the set lie in (loExclusive, hiInclusive]. */
  countBetween(loExclusive: number, hiInclusive: number): number;
  /**
   * Fixed times of day (`30 2 * * *`, one tick a day) rather than a repeating clock
   * (`*\/15 * * * *`, a time-range frequency). Classic cron treats the two differently across DST;
   * see dst-policy.ts.
   */
  readonly isFixedTime: boolean;
}

/**
 * How far ahead a search looks before concluding "never". 30 years covers the 28-year cycle after
 * which every combination of weekday, leap day and month length has appeared.
 */
export const SEARCH_HORIZON_DAYS = 30 * 366;
