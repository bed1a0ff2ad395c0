/**
 * `interval {value, unit: s|m|h}`: every n seconds of elapsed time from the anchor (the task's
 * creation, cut to the whole second), so the runs stay on the same grid whenever the schedule is
 * recomputed and DST cannot move them. The first run is one interval after the anchor. A day filter
 * drops the runs whose local date (in the task's zone) it does not allow.
 */
import { SECONDS_PER_DAY } from './civil-time';
import { CompiledSchedule, OccurrenceDetail, nextAsDate } from './compiled-schedule';
import { DayFilter } from './day-filter';
import { SEARCH_HORIZON_DAYS } from './local-times';
import { ZoneRules } from './time-zone';

export class ElapsedIntervalSchedule implements CompiledSchedule {
  constructor(
    private readonly anchor: number,
    private readonly step: number,
    private readonly filter: DayFilter | null,
    readonly zone: ZoneRules,
  ) {}

  nextMs(afterMs: number, detail?: OccurrenceDetail): number {
    if (detail) detail.dst = undefined;
    const seconds = this.nextSecond(Math.floor(afterMs / 1000));
    return Number.isNaN(seconds) ? seconds : seconds * 1000;
  }

  next(after: Date): Date | null {
    return nextAsDate(this, after);
  }

  countBetween(fromMs: number, toMs: number): number {
    const lo = Math.floor(fromMs / 1000);
    const hi = Math.floor(toMs / 1000);
    if (hi <= lo) return 0;
    if (this.filter === null) return this.countRuns(lo, hi);
    // Count day by day (local days of the zone), keeping the days the filter allows.
    let total = 0;
    let day = Math.floor((lo + 1 + this.zone.offsetAt(lo + 1)) / SECONDS_PER_DAY);
    let dayStart = lo;
    while (dayStart < hi) {
      const nextDayStart = this.zone.firstInstantAtOrAfterLocal((day + 1) * SECONDS_PER_DAY);
      if (this.filter.allows(day)) total += this.countRuns(dayStart, Math.min(hi, nextDayStart - 1));
      dayStart = nextDayStart - 1;
      day += 1;
    }
    return total;
  }

  /** Runs in (lo, hi], unfiltered. */
  private countRuns(lo: number, hi: number): number {
    const first = Math.max(1, Math.floor((lo - this.anchor) / this.step) + 1);
    const last = Math.floor((hi - this.anchor) / this.step);
    return Math.max(0, last - first + 1);
  }

  private nextSecond(bound: number): number {
    let k = Math.max(1, Math.floor((bound - this.anchor) / this.step) + 1);
    if (this.filter === null) return this.anchor + k * this.step;
    const horizon = bound + SEARCH_HORIZON_DAYS * SECONDS_PER_DAY;
    for (let t = this.anchor + k * this.step; t <= horizon; t = this.anchor + k * this.step) {
      const day = Math.floor((t + this.zone.offsetAt(t)) / SECONDS_PER_DAY);
      if (this.filter.allows(day)) return t;
      // Jump to the first run of the next local day.
      const nextDayStart = this.zone.firstInstantAtOrAfterLocal((day + 1) * SECONDS_PER_DAY);
      k = Math.max(k + 1, Math.ceil((nextDayStart - this.anchor) / this.step));
    }
    return Number.NaN;
  }
}
