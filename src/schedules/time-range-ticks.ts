/**
 * `time_range` used alone: every `frequency` from the window's start, while inside the window
 * (see daily-window.ts for the window rules), on each day the filter lets the window open.
 * 09:00–17:00 every 2h runs at 09, 11, 13, 15, 17; 22:00–01:00 every 90 min at 22:00, 23:30, 01:00.
 */
import { SECONDS_PER_DAY } from './civil-time';
import { DailyWindow } from './daily-window';
import { DayFilter } from './day-filter';
import { LocalTimes, SEARCH_HORIZON_DAYS } from './local-times';

export class TimeRangeTicks implements LocalTimes {
  /** A window holding a single tick is one fixed time of day; more ticks are a repeating clock. */
  readonly isFixedTime: boolean;
  private readonly lastTickIndex: number;

  constructor(
    private readonly window: DailyWindow,
    private readonly stepSeconds: number,
    private readonly filter: DayFilter | null,
  ) {
    this.lastTickIndex = Math.floor(window.span / stepSeconds);
    this.isFixedTime = this.lastTickIndex === 0;
  }

  nextAfter(fromExclusive: number): number {
    const t = fromExclusive + 1;
    const first = Math.floor((t - this.window.start) / SECONDS_PER_DAY);
    for (let k = first; k <= first + SEARCH_HORIZON_DAYS; k++) {
      if (this.filter !== null && !this.filter.allows(k)) continue;
      const opens = k * SECONDS_PER_DAY + this.window.start;
      const j = t <= opens ? 0 : Math.ceil((t - opens) / this.stepSeconds);
      if (j <= this.lastTickIndex) return opens + j * this.stepSeconds;
    }
    return Number.NaN;
  }

  countBetween(loExclusive: number, hiInclusive: number): number {
    if (hiInclusive <= loExclusive) return 0;
    let total = 0;
    const last = Math.floor((hiInclusive - this.window.start) / SECONDS_PER_DAY);
    for (let k = Math.floor((loExclusive + 1 - this.window.start) / SECONDS_PER_DAY); k <= last; k++) {
      if (this.filter !== null && !this.filter.allows(k)) continue;
      const opens = k * SECONDS_PER_DAY + this.window.start;
      const firstTick = Math.max(0, Math.floor((loExclusive - opens) / this.stepSeconds) + 1);
      const lastTick = Math.min(this.lastTickIndex, Math.floor((hiInclusive - opens) / this.stepSeconds));
      if (lastTick >= firstTick) total += lastTick - firstTick + 1;
    }
    return total;
  }
}
