/**
 * Wall-clock times (LocalTimes) in a time zone, under a DST policy, as UTC instants.
 *
 * The zone's offset table splits time into segments of constant offset. Inside a segment, local and
 * UTC time differ by a constant, so the next instant is simply the next local time minus the offset,
 * if it still falls inside the segment. Searching segment by segment in UTC order gives classic
 * elapsed-time behaviour for free: a local time in a spring-forward gap belongs to no segment (it is
 * skipped), and a local time in a fall-back overlap belongs to both segments around the transition
 * (it runs twice). The policies then adjust exactly those two cases:
 * - gap `shift`: when the search crosses a spring-forward transition and the first local time after
 *   the old segment falls inside the gap, the occurrence is the transition instant itself (02:30 in
 *   New York on 2026-03-08 runs at 03:00 EDT). Several gap times, or a gap time and a real time at the
 *   transition instant, are one occurrence: an instant runs at most once.
 * - repeat `once`: after a fall-back transition, local times already served before it (the overlap)
 *   are not searched again, so the earlier (summer-offset) occurrence is the one that runs.
 */
import { CompiledSchedule, OccurrenceDetail, nextAsDate } from './compiled-schedule';
import { DstPolicy } from './dst-policy';
import { LocalTimes } from './local-times';
import { ZoneRules } from './time-zone';

/** Safety bound on segments crossed in one search (~30 years of two transitions a year, with room). */
const MAX_SEGMENTS = 1000;

export class ZonedSchedule implements CompiledSchedule {
  private readonly shiftGaps: boolean;
  private readonly repeatOnce: boolean;

  constructor(
    readonly times: LocalTimes,
    readonly zone: ZoneRules,
    readonly policy: DstPolicy,
  ) {
    this.shiftGaps = policy.gap === 'shift';
    this.repeatOnce = policy.repeat === 'once';
  }

  nextMs(afterMs: number, detail?: OccurrenceDetail): number {
    const seconds = this.nextSecond(Math.floor(afterMs / 1000), detail);
    return Number.isNaN(seconds) ? seconds : seconds * 1000;
  }

  next(after: Date): Date | null {
    return nextAsDate(this, after);
  }

  countBetween(fromMs: number, toMs: number): number {
    return this.countSeconds(Math.floor(fromMs / 1000), Math.floor(toMs / 1000));
  }

  /** First occurrence (UTC seconds) strictly after `bound`, or NaN. */
  private nextSecond(bound: number, detail: OccurrenceDetail | undefined): number {
    const zone = this.zone;
    let i = zone.indexAt(bound);
    for (let n = 0; n < MAX_SEGMENTS; n++) {
      const offset = zone.segmentOffset(i);
      const overlapEnd = zone.segmentStart(i) + zone.previousOffset(i); // local end of a fall-back overlap
      const afterFallBack = zone.previousOffset(i) > offset;
      let from = bound + offset;
      if (afterFallBack && this.repeatOnce && from < overlapEnd - 1) from = overlapEnd - 1;
      const local = this.times.nextAfter(from);
      if (Number.isNaN(local)) return local;
      const end = zone.segmentEnd(i);
      if (local - offset < end) {
        if (detail) detail.dst = afterFallBack && local < overlapEnd ? 'repeated' : undefined;
        return local - offset;
      }
      if (zone.isOpenEnded(i)) {
        zone.extendForward(); // the table ended, not the segment: look again with more table
        continue;
      }
      // Crossing the transition at `end`: the local times [end + offset, end + nextOffset) do not exist.
      const nextOffset = zone.segmentOffset(i + 1);
      if (this.shiftGaps && nextOffset > offset && local < end + nextOffset) {
        if (detail) detail.dst = 'gap_shifted';
        return end;
      }
      bound = end - 1;
      i += 1;
    }
    return Number.NaN;
  }

  /** Occurrences (UTC seconds) in (lo, hi]; mirrors nextSecond segment by segment. */
  private countSeconds(lo: number, hi: number): number {
    if (hi <= lo) return 0;
    const zone = this.zone;
    let total = 0;
    let bound = lo;
    let i = zone.indexAt(lo);
    for (;;) {
      if (zone.isOpenEnded(i) && zone.segmentEnd(i) <= hi) {
        zone.extendForward();
        continue;
      }
      const offset = zone.segmentOffset(i);
      const end = zone.segmentEnd(i);
      const overlapEnd = zone.segmentStart(i) + zone.previousOffset(i);
      let from = bound + offset;
      if (zone.previousOffset(i) > offset && this.repeatOnce && from < overlapEnd - 1) from = overlapEnd - 1;
      total += this.times.countBetween(from, Math.min(hi, end - 1) + offset);
      if (end > hi) return total;
      const nextOffset = zone.segmentOffset(i + 1);
      if (this.shiftGaps && nextOffset > offset) {
        // One shifted occurrence at the transition, unless a real time already runs at that instant.
        const firstInGap = this.times.nextAfter(end + offset - 1);
        if (firstInGap < end + nextOffset && this.times.nextAfter(end + nextOffset - 1) !== end + nextOffset) {
          total += 1;
        }
      }
      bound = end - 1;
      i += 1;
    }
  }
}
