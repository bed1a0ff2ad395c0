/**
 * A daily window of wall-clock time (`time_range {start, end}`), and the times of another set that
 * fall inside it.
 *
 * Rules (documented in schedule-config.ts too):
 * - both ends are included: 09:00–17:00 holds 09:00:00 and 17:00:00, not 17:00:01;
 * - end before start crosses midnight: 22:00–02:00 runs from 22:00 to 02:00 the next morning;
 * - end equal to start is the whole day (24 hours from start, the next start excluded), since a
 *   window of no length would be useless and "00:00–00:00" reads as "all day" in most tools;
 * - a window belongs to the day it opens: days_of_week, exclusions and excluded_dates decide whether
 *   a window opens, so Friday's 22:00–02:00 window still runs at 01:00 on Saturday.
 */
import { SECONDS_PER_DAY, parseHourMinute } from './civil-time';
import { DayFilter } from './day-filter';
import { LocalTimes, SEARCH_HORIZON_DAYS } from './local-times';

export interface DailyWindow {
  /** Second of the day the window opens. */
  readonly start: number;
  /** Seconds from the opening to the last second inside the window (inclusive), < 86400. */
  readonly span: number;
}

export function dailyWindow(start: string, end: string): DailyWindow {
  const s = parseHourMinute(start);
  const e = parseHourMinute(end);
  if (s === undefined || e === undefined) throw new RangeError(`invalid window ${start}–${end}`);
  if (e > s) return { start: s, span: e - s };
  if (e < s) return { start: s, span: e + SECONDS_PER_DAY - s };
  return { start: s, span: SECONDS_PER_DAY - 1 };
}

/** The times of `inner` inside the window, on the days the filter lets the window open. */
export class WindowedTimes implements LocalTimes {
  readonly isFixedTime: boolean;

  constructor(
    private readonly inner: LocalTimes,
    private readonly window: DailyWindow,
    private readonly filter: DayFilter | null,
  ) {
    this.isFixedTime = inner.isFixedTime;
  }

  nextAfter(fromExclusive: number): number {
    const { start, span } = this.window;
    let t = fromExclusive + 1;
    // Window k opens at k·86400 + start. The latest window opening at or before t is the only
    // earlier one that can still contain t (windows are shorter than a day).
    let k = Math.floor((t - start) / SECONDS_PER_DAY);
    const lastWindow = k + SEARCH_HORIZON_DAYS;
    while (k <= lastWindow) {
      const opens = k * SECONDS_PER_DAY + start;
      const closes = opens + span;
      if (t > closes || (this.filter !== null && !this.filter.allows(k))) {
        k += 1;
        continue;
      }
      const candidate = this.inner.nextAfter(Math.max(t, opens) - 1);
      if (Number.isNaN(candidate)) return candidate;
      if (candidate <= closes) return candidate;
      // Jump straight to the window around the inner set's next time.
      t = candidate;
      k = Math.floor((candidate - start) / SECONDS_PER_DAY);
    }
    return Number.NaN;
  }

  countBetween(loExclusive: number, hiInclusive: number): number {
    if (hiInclusive <= loExclusive) return 0;
    const { start, span } = this.window;
    let total = 0;
    const last = Math.floor((hiInclusive - start) / SECONDS_PER_DAY);
    for (let k = Math.floor((loExclusive + 1 - start) / SECONDS_PER_DAY) - 1; k <= last; k++) {
      if (this.filter !== null && !this.filter.allows(k)) continue;
      const opens = k * SECONDS_PER_DAY + start;
      total += this.inner.countBetween(Math.max(loExclusive, opens - 1), Math.min(hiInclusive, opens + span));
    }
    return total;
  }
}
