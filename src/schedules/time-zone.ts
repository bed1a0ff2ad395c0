/**
 * Offsets of an IANA time zone as a table of UTC-offset segments, built once per zone from Intl
 * (the ICU tz data that Node ships) and then read with a binary search.
 *
 * Why not ask Intl (or luxon, which asks Intl) on every call: a formatToParts call costs about 2 µs,
 * and the scheduler asks for offsets on every tick of 100,000 tasks. A table answers in tens of
 * nanoseconds, is shared by every task in the zone, and makes DST transitions explicit values
 * (instant, offset before, offset after) that the schedule engine reasons about directly.
 *
 * The table is filled lazily, a year at a time, around the instants that are asked about. It finds
 * transitions by sampling the offset once a day and bisecting to the second: two transitions less
 * than a day apart would be missed, which no zone has had in the tz database for decades.
 */
import { SECONDS_PER_DAY, dayOf } from './civil-time';

const CHUNK_SECONDS = 366 * SECONDS_PER_DAY;
const SAMPLE_STEP_SECONDS = SECONDS_PER_DAY;
/** Offsets in the tz database lie within −12:00 … +14:00; a little margin on both sides. */
const MAX_OFFSET_SECONDS = 15 * 3600;

export type TimeZoneCheck = { ok: true; name: string } | { ok: false; suggestion?: string };

const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;
const zoneChecks = new Map<string, TimeZoneCheck>();
const MAX_ZONE_NAME = 64;

/**
 * Is `name` an IANA time zone name known to this Node's ICU? Offsets such as "+05:00" are refused
 * (they have no DST rules and are not IANA names), and so is a known name in the wrong case, with a
 * suggestion: Intl would accept "america/new_york", but other consumers (the dashboard, other
 * languages' tz libraries) are case-sensitive, so stored configs keep the canonical spelling.
 */
export function checkTimeZone(name: string): TimeZoneCheck {
  // No IANA name is this long; refusing it first keeps huge strings out of the cache.
  if (name.length > MAX_ZONE_NAME) return { ok: false };
  const cached = zoneChecks.get(name);
  if (cached) return cached;
  let result: TimeZoneCheck;
  if (!IANA_NAME.test(name)) {
    result = { ok: false };
  } else {
    try {
      const resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
      result =
        resolved !== name && resolved.toLowerCase() === name.toLowerCase()
          ? { ok: false, suggestion: resolved }
          : { ok: true, name };
    } catch {
      result = { ok: false };
    }
  }
  if (zoneChecks.size < 10_000) zoneChecks.set(name, result);
  return result;
}

/** Parses Intl's `longOffset` names: "GMT", "GMT+05:30", "GMT-04:56:02". */
function parseGmtOffset(text: string): number {
  const m = /^GMT(?:([+-])(\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text);
  if (!m) throw new Error(`unexpected time zone offset format from Intl: ${text}`);
  if (!m[1]) return 0;
  const seconds = Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4] ?? 0);
  return m[1] === '-' ? -seconds : seconds;
}

export class ZoneRules {
  /**
   * Segment i covers UTC seconds [starts[i], starts[i + 1]) (the last one up to `coveredTo`) at
   * offsets[i] seconds east of UTC. Neighbouring offsets always differ, so every starts[i] with
   * i > 0 is a real transition; the end of the last segment is only the end of what is known yet.
   */
  private readonly starts: number[] = [];
  private readonly offsets: number[] = [];
  private coveredTo = 0;
  private lastIndex = 0;
  private readonly formatter: Intl.DateTimeFormat;

  constructor(readonly name: string) {
    this.formatter = new Intl.DateTimeFormat('en-US', { timeZone: name, timeZoneName: 'longOffset' });
  }

  /** Offset (seconds east of UTC) in force at a UTC second. */
  offsetAt(utcSeconds: number): number {
    return this.offsets[this.indexAt(utcSeconds)];
  }

  /**
   * Index of the segment holding `utcSeconds`, with the table covering it as `cover` describes.
   * The index is stable until the table grows backwards (only ever here, never in `extendForward`).
   */
  indexAt(utcSeconds: number): number {
    // Fast path: the same segment as last time (the scheduler asks about nearby instants).
    const last = this.lastIndex;
    if (
      this.starts.length > 0 &&
      utcSeconds >= this.starts[last] &&
      (last > 0 || utcSeconds - 2 * SECONDS_PER_DAY >= this.starts[0]) &&
      utcSeconds + 1 < this.coveredTo &&
      (last + 1 === this.starts.length || utcSeconds < this.starts[last + 1])
    ) {
      return last;
    }
    this.cover(utcSeconds);
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= utcSeconds) lo = mid;
      else hi = mid - 1;
    }
    this.lastIndex = lo;
    return lo;
  }

  segmentCount(): number {
    return this.starts.length;
  }

  segmentStart(index: number): number {
    return this.starts[index];
  }

  /** End (exclusive) of a segment: the next transition, or the end of the table for the last one. */
  segmentEnd(index: number): number {
    return index + 1 < this.starts.length ? this.starts[index + 1] : this.coveredTo;
  }

  /** True when the segment's end is only the end of the table, not a transition. */
  isOpenEnded(index: number): boolean {
    return index + 1 >= this.starts.length;
  }

  segmentOffset(index: number): number {
    return this.offsets[index];
  }

  /** Offset before the transition that starts the segment (its own offset for the first one). */
  previousOffset(index: number): number {
    return index > 0 ? this.offsets[index - 1] : this.offsets[index];
  }

  /** Grows the table by a year at its end (segment indices stay valid). */
  extendForward(): void {
    this.scan(this.coveredTo, this.coveredTo + CHUNK_SECONDS);
  }

  /**
   * The first instant whose wall-clock time is at or after `localSeconds`: the instant itself when
   * the time exists once, the earlier one when it exists twice (fall back), and the transition
   * instant when it falls in a spring-forward gap.
   */
  firstInstantAtOrAfterLocal(localSeconds: number): number {
    let i = this.indexAt(localSeconds - MAX_OFFSET_SECONDS);
    for (;;) {
      const o = this.offsets[i];
      const start = this.starts[i];
      if (localSeconds < start + o) return start;
      const end = this.segmentEnd(i);
      if (localSeconds < end + o) return localSeconds - o;
      if (this.isOpenEnded(i)) this.extendForward();
      else i += 1;
    }
  }

  /** Does the local calendar day (day number) contain a DST or other offset transition? */
  hasTransitionOnLocalDay(day: number): boolean {
    const from = day * SECONDS_PER_DAY - MAX_OFFSET_SECONDS;
    const to = (day + 1) * SECONDS_PER_DAY + MAX_OFFSET_SECONDS;
    this.cover(to);
    for (let i = this.indexAt(from) + 1; i < this.starts.length && this.starts[i] <= to; i++) {
      const t = this.starts[i];
      if (dayOf(t + this.offsets[i - 1]) === day || dayOf(t + this.offsets[i]) === day) return true;
    }
    return false;
  }

  private sample(utcSeconds: number): number {
    const parts = this.formatter.formatToParts(utcSeconds * 1000);
    for (const part of parts) if (part.type === 'timeZoneName') return parseGmtOffset(part.value);
    throw new Error(`Intl gave no offset for ${this.name}`);
  }

  /**
   * Extends the table so that it covers [utcSeconds − 2 days, utcSeconds + 2 s): the segment holding
   * an instant then starts either at a real transition or at least two days earlier, long after the
   * fall-back overlap of any transition before the table began.
   */
  private cover(utcSeconds: number): void {
    if (this.starts.length === 0) {
      const from = utcSeconds - CHUNK_SECONDS;
      this.starts.push(from);
      this.offsets.push(this.sample(from));
      this.coveredTo = from;
      this.scan(from, utcSeconds + CHUNK_SECONDS);
    }
    while (utcSeconds - 2 * SECONDS_PER_DAY < this.starts[0]) this.scanBackward();
    while (utcSeconds + 2 >= this.coveredTo) this.extendForward();
  }

  /** Appends the transitions found in [from, to), `from` being the current end of the table. */
  private scan(from: number, to: number): void {
    let t = from;
    let offset = this.offsets[this.offsets.length - 1];
    while (t < to) {
      const next = Math.min(t + SAMPLE_STEP_SECONDS, to);
      const nextOffset = this.sample(next);
      if (nextOffset !== offset) {
        // Bisect to the first second at the new offset.
        let lo = t;
        let hi = next;
        while (hi - lo > 1) {
          const mid = lo + Math.floor((hi - lo) / 2);
          if (this.sample(mid) === offset) lo = mid;
          else hi = mid;
        }
        const found = this.sample(hi);
        this.starts.push(hi);
        this.offsets.push(found);
        offset = found;
        // A second change inside the same step (never seen in practice) is picked up by resampling.
        if (found !== nextOffset) {
          t = hi;
          continue;
        }
      }
      t = next;
    }
    this.coveredTo = to;
  }

  /** Prepends a year to the table. Rebuilds the arrays: rare (only for instants far in the past). */
  private scanBackward(): void {
    const oldStarts = this.starts.splice(0);
    const oldOffsets = this.offsets.splice(0);
    const oldTo = this.coveredTo;
    const from = oldStarts[0] - CHUNK_SECONDS;
    this.starts.push(from);
    this.offsets.push(this.sample(from));
    this.scan(from, oldStarts[0]);
    for (let i = 0; i < oldStarts.length; i++) {
      if (this.offsets[this.offsets.length - 1] === oldOffsets[i]) continue; // same offset: merge
      this.starts.push(oldStarts[i]);
      this.offsets.push(oldOffsets[i]);
    }
    this.coveredTo = oldTo;
    this.lastIndex = 0;
  }
}

const zones = new Map<string, ZoneRules>();

/** The shared offset table of a zone; the name must have passed checkTimeZone. */
export function zoneRules(name: string): ZoneRules {
  let rules = zones.get(name);
  if (!rules) {
    rules = new ZoneRules(name);
    zones.set(name, rules);
  }
  return rules;
}

export function zoneTableCount(): number {
  return zones.size;
}
