/**
 * `interval {value: n, unit: 'd'}`: every n calendar days in the task's zone, at the wall-clock time
 * of the anchor (the task's creation). Days are calendar days rather than 24-hour spans so that a
 * daily job created at 09:00 keeps running at 09:00 across DST changes, as users expect; the DST
 * policy then handles a 09:00 that does not exist or exists twice. The first run is one period after
 * the anchor.
 */
import { SECONDS_PER_DAY } from './civil-time';
import { DayFilter } from './day-filter';
import { LocalTimes } from './local-times';

export class DailyIntervalTimes implements LocalTimes {
  readonly isFixedTime = true;
  private readonly period: number;

  /** @param anchorLocal the anchor as local seconds in the task's zone */
  constructor(
    private readonly anchorLocal: number,
    everyDays: number,
    private readonly filter: DayFilter | null,
  ) {
    this.period = everyDays * SECONDS_PER_DAY;
  }

  nextAfter(fromExclusive: number): number {
    const first = Math.max(1, Math.floor((fromExclusive - this.anchorLocal) / this.period) + 1);
    if (this.filter === null) return this.anchorLocal + first * this.period;
    // Weekdays of successive runs repeat within 7 runs; beyond that only excluded dates can block.
    const tries = this.filter.maxConsecutiveSkips();
    for (let k = first; k <= first + tries; k++) {
      const candidate = this.anchorLocal + k * this.period;
      if (this.filter.allows(Math.floor(candidate / SECONDS_PER_DAY))) return candidate;
    }
    return Number.NaN;
  }

  countBetween(loExclusive: number, hiInclusive: number): number {
    if (hiInclusive <= loExclusive) return 0;
    const first = Math.max(1, Math.floor((loExclusive - this.anchorLocal) / this.period) + 1);
    const last = Math.floor((hiInclusive - this.anchorLocal) / this.period);
    if (last < first) return 0;
    if (this.filter === null) return last - first + 1;
    let total = 0;
    for (let k = first; k <= last; k++) {
      if (this.filter.allows(Math.floor((this.anchorLocal + k * this.period) / SECONDS_PER_DAY))) total += 1;
    }
    return total;
  }
}
