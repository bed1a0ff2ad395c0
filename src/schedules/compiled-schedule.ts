/** What the scheduler, the preview API and downtime accounting need from a schedule. */
import { ZoneRules } from './time-zone';

/** How DST changed an occurrence, as reported by `nextMs`. */
export type DstAdjustment = 'gap_shifted' | 'repeated';

/** Filled in by `nextMs` when asked; reused by the caller so the hot path allocates nothing. */
export interface OccurrenceDetail {
  dst: DstAdjustment | undefined;
}

export interface CompiledSchedule {
  /** The task's zone (shared offset table). */
  readonly zone: ZoneRules;
  /**
   * The first occurrence strictly after `afterMs` (epoch milliseconds), or NaN when there is none
   * (a one-off already past, or no match within 30 years). Allocation-free.
   */
  nextMs(afterMs: number, detail?: OccurrenceDetail): number;
  /** `nextMs` with Dates: the first occurrence strictly after `after`, or null. */
  next(after: Date): Date | null;
  /** How many occurrences lie in (fromMs, toMs]. Proportional to the days in the range, not the ticks. */
  countBetween(fromMs: number, toMs: number): number;
}

/** Shared `next(Date)` on top of `nextMs`. */
export function nextAsDate(schedule: CompiledSchedule, after: Date): Date | null {
  const ms = schedule.nextMs(after.getTime());
  return Number.isNaN(ms) ? null : new Date(ms);
}
