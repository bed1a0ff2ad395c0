/**
 * Which local calendar days a schedule may run on: `days_of_week` minus `exclusions` (weekdays) minus
 * `excluded_dates`. One filter is shared by every schedule compiled from the same day settings.
 */
import { weekdayOf } from './civil-time';

export class DayFilter {
  /**
   * @param weekdays bit w set = weekday w (0 = Sunday) allowed
   * @param excludedDays day numbers (days since 1970-01-01) that never run
   */
  constructor(
    readonly weekdays: number,
    readonly excludedDays: ReadonlySet<number>,
  ) {}

  allows(day: number): boolean {
    return ((this.weekdays >> weekdayOf(day)) & 1) === 1 && !this.excludedDays.has(day);
  }

  /**
   * How many consecutive days a search may have to skip before an allowed day, at most: a week of
   * disallowed weekdays plus every excluded date. Loops use it as their bound.
   */
  maxConsecutiveSkips(): number {
    return 7 + this.excludedDays.size;
  }
}

export const ALL_WEEKDAYS = 0b1111111;
