/**
 * A zone's UTC offsets and transitions as luxon sees them, for the next-run oracle. The offsets are
 * sampled once a day over a fixed span and each change is bisected to the second, so the table
 * holds every transition of the span (no zone in the tz database has had two within a day in these
 * years) and nothing is taken from src/schedules/time-zone.ts. A luxon offset costs about 10 µs,
 * so sampling more often would make this table the slowest part of the test.
 */
import { IANAZone } from 'luxon';

export interface Transition {
  /** UTC seconds of the first instant at the new offset. */
  at: number;
  /** Offsets in seconds east of UTC. */
  before: number;
  after: number;
}

const SAMPLE_SECONDS = 24 * 3600;

export class LuxonZone {
  readonly transitions: Transition[] = [];
  /** Largest and smallest offset over the span. */
  readonly maxOffset: number;
  readonly minOffset: number;
  private readonly zone: IANAZone;

  /** Covers [fromSeconds, toSeconds) (UTC); asking outside it throws. */
  constructor(
    readonly name: string,
    readonly fromSeconds: number,
    readonly toSeconds: number,
  ) {
    this.zone = IANAZone.create(name);
    if (!this.zone.isValid) throw new Error(`luxon does not know ${name}`);
    let previous = this.luxonOffset(fromSeconds);
    let max = previous;
    let min = previous;
    for (let t = fromSeconds + SAMPLE_SECONDS; t < toSeconds + SAMPLE_SECONDS; t += SAMPLE_SECONDS) {
      const offset = this.luxonOffset(t);
      if (offset === previous) continue;
      let lo = t - SAMPLE_SECONDS; // offset(lo) = previous
      let hi = t; // offset(hi) = offset
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (this.luxonOffset(mid) === previous) lo = mid;
        else hi = mid;
      }
      this.transitions.push({ at: hi, before: previous, after: offset });
      max = Math.max(max, offset);
      min = Math.min(min, offset);
      previous = offset;
    }
    this.maxOffset = max;
    this.minOffset = min;
  }

  /** luxon's offset at a UTC second, in seconds. */
  luxonOffset(utcSeconds: number): number {
    return this.zone.offset(utcSeconds * 1000) * 60;
  }

  /** The offset at a UTC second, from the transition table. */
  offsetAt(utcSeconds: number): number {
    if (utcSeconds < this.fromSeconds || utcSeconds >= this.toSeconds) {
      throw new Error(`${this.name}: ${utcSeconds} is outside the oracle's span`);
    }
    const list = this.transitions;
    let lo = 0;
    let hi = list.length; // first transition after utcSeconds
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].at <= utcSeconds) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? this.luxonOffsetAtStart() : list[lo - 1].after;
  }

  /**
   * The instants whose wall clock reads `local` (local seconds: the wall-clock date and time counted
   * as if it were UTC), ascending: none in a spring-forward gap, two in a fall-back overlap.
   */
  instantsOf(local: number): number[] {
    const candidates = new Set([this.offsetAt(local - 86_400), this.offsetAt(local), this.offsetAt(local + 86_400)]);
    const out: number[] = [];
    for (const offset of candidates) if (this.offsetAt(local - offset) === offset) out.push(local - offset);
    return out.sort((a, b) => a - b);
  }

  /** The transition whose gap holds the wall-clock time `local` (which no instant reads). */
  gapTransitionOf(local: number): Transition {
    const t = this.transitions.find((x) => x.after > x.before && x.at + x.before <= local && local < x.at + x.after);
    if (!t) throw new Error(`${this.name}: ${local} is in no gap`);
    return t;
  }

  /** Does the local day (days since 1970-01-01 on the wall clock) see a transition? */
  hasTransitionOnLocalDay(day: number): boolean {
    return this.transitions.some(
      (t) => Math.floor((t.at + t.before) / 86_400) === day || Math.floor((t.at + t.after) / 86_400) === day,
    );
  }

  /** ISO 8601 local time with the offset in force, e.g. 2026-03-08T03:00:00-04:00. */
  formatLocal(utcSeconds: number): string {
    const offset = this.offsetAt(utcSeconds);
    const abs = Math.abs(offset);
    const hhmm = `${String(Math.floor(abs / 3600)).padStart(2, '0')}:${String(Math.floor((abs % 3600) / 60)).padStart(2, '0')}`;
    return `${new Date((utcSeconds + offset) * 1000).toISOString().slice(0, 19)}${offset < 0 ? '-' : '+'}${hhmm}`;
  }

  private startOffset: number | undefined;
  private luxonOffsetAtStart(): number {
    this.startOffset ??= this.luxonOffset(this.fromSeconds);
    return this.startOffset;
  }
}
