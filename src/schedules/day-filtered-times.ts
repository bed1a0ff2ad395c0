/** The times of another set that fall on days a DayFilter allows (the tick's own local date). */
import { SECONDS_PER_DAY } from './civil-time';
import { DayFilter } from './day-filter';
import { LocalTimes, SEARCH_HORIZON_DAYS } from './local-times';

export class DayFilteredTimes implements LocalTimes {
  readonly isFixedTime: boolean;

  constructor(
    private readonly inner: LocalTimes,
    private readonly filter: DayFilter,
  ) {
    this.isFixedTime = inner.isFixedTime;
  }

  nextAfter(fromExclusive: number): number {
    const lastDay = Math.floor((fromExclusive + 1) / SECONDS_PER_DAY) + SEARCH_HORIZON_DAYS;
    let candidate = this.inner.nextAfter(fromExclusive);
    while (!Number.isNaN(candidate)) {
      const day = Math.floor(candidate / SECONDS_PER_DAY);
      if (this.filter.allows(day)) return candidate;
      if (day > lastDay) break;
      // Skip the rest of a day that may not run.
      candidate = this.inner.nextAfter((day + 1) * SECONDS_PER_DAY - 1);
    }
    return Number.NaN;
  }

  countBetween(loExclusive: number, hiInclusive: number): number {
    if (hiInclusive <= loExclusive) return 0;
    let total = 0;
    const last = Math.floor(hiInclusive / SECONDS_PER_DAY);
    for (let day = Math.floor((loExclusive + 1) / SECONDS_PER_DAY); day <= last; day++) {
      if (!this.filter.allows(day)) continue;
      const dayStart = day * SECONDS_PER_DAY;
      total += this.inner.countBetween(
        Math.max(loExclusive, dayStart - 1),
        Math.min(hiInclusive, dayStart + SECONDS_PER_DAY - 1),
      );
    }
    return total;
  }
}
