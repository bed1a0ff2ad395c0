/**
 * What the project statistics chart draws, apart from drawing it: the range's query, each bar's
 * segments, the y-axis ticks and which x labels fit. Pure, so it is tested without a browser.
 */
import type { StatsRange } from '../api/client';
import { dayIn } from '../format';

export type RangeName = '24h' | '7d' | '30d' | '90d';
export const RANGES: ReadonlyArray<{ name: RangeName; label: string; days: number | null }> = [
  { name: '24h', label: 'Last 24 hours', days: null },
  { name: '7d', label: 'Last 7 days', days: 7 },
  { name: '30d', label: 'Last 30 days', days: 30 },
  { name: '90d', label: 'Last 90 days', days: 90 },
];

export function rangeNamed(name: string | null): RangeName {
  return RANGES.some((r) => r.name === name) ? (name as RangeName) : '7d';
}

export interface RangeQuery {
  granularity: 'hour' | 'day';
  from?: string;
  to?: string;
}

/** The query of a range: UTC hours for 24 hours (the server's default window), else the last N days up to today in `zone`. */
export function rangeQuery(name: RangeName, zone: string, now = new Date()): RangeQuery {
  const days = RANGES.find((r) => r.name === name)?.days ?? null;
  if (days === null) return { granularity: 'hour' };
  const to = dayIn(now, zone);
  const from = dayIn(new Date(Date.parse(`${to}T12:00:00Z`) - (days - 1) * 86_400_000), 'UTC');
  return { granularity: 'day', from, to };
}

export type SegmentKind = 'success' | 'failed' | 'missed' | 'other';
export const SEGMENTS: ReadonlyArray<{ kind: SegmentKind; label: string }> = [
  { kind: 'success', label: 'Succeeded' },
  { kind: 'failed', label: 'Failed or timed out' },
  { kind: 'missed', label: 'Missed' },
  { kind: 'other', label: 'Cancelled or in progress' },
];

type Bucket = StatsRange['buckets'][number];

export interface ChartBar {
  key: string;
  start: string;
  /** Short label under the bar: `HH` for hours, `MM-DD` for days. */
  tick: string;
  total: number;
  values: Record<SegmentKind, number>;
}

/** `hourZone`: the zone hours are labelled in (the shown zone; a UTC hour starts at :30 or :45 in some). */
export function chartBars(stats: Pick<StatsRange, 'buckets' | 'granularity'>, hourZone = 'UTC'): ChartBar[] {
  const hourOf = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: hourZone });
  return stats.buckets.map((b: Bucket) => {
    const failed = b.failed + b.timed_out;
    const other = Math.max(0, b.total - b.success - failed - b.missed);
    return {
      key: b.key,
      start: b.start,
      tick: stats.granularity === 'hour' ? hourOf.format(new Date(b.start)) : b.key.slice(5),
      total: b.total,
      values: { success: b.success, failed, missed: b.missed, other },
    };
  });
}

/** Round y-axis ticks from 0 to a top at or above `max`: 0, the middle, the top. */
export function yTicks(max: number): number[] {
  if (max <= 0) return [0, 1];
  if (max <= 4) return Array.from({ length: max + 1 }, (_, i) => i);
  const magnitude = 10 ** Math.floor(Math.log10(max));
  const step = [1, 2, 5, 10, 20, 50].map((m) => (m * magnitude) / 10).find((s) => s * 4 >= max)!;
  const ticks: number[] = [];
  for (let t = 0; t < max + step; t += step) ticks.push(t);
  return ticks;
}

/** Every how many bars an x label is shown, so at most about 12 labels stand under the axis. */
export function tickEvery(bars: number): number {
  return Math.max(1, Math.ceil(bars / 12));
}

/** The words for one bar, for the readout, the bar's accessible name and the table. */
export function describeBar(bar: ChartBar, when: string): string {
  const parts = SEGMENTS.filter((s) => bar.values[s.kind] > 0).map((s) => `${bar.values[s.kind]} ${s.label.toLowerCase()}`);
  return `${when}: ${bar.total} run${bar.total === 1 ? '' : 's'}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

/** A rate (0…1) as a percentage with one decimal when below 10 %. */
export function percent(rate: number | null | undefined): string {
  if (rate === null || rate === undefined) return '—';
  const p = rate * 100;
  return `${p < 10 && p > 0 ? p.toFixed(1) : Math.round(p)} %`;
}
