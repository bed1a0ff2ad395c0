/**
 * The cost curves as one table (a column per scale), the two verdicts (queries flat, size linear) and the
 * figures `--check` compares.
 */
import { type CheckedFigure, NOISE_FLOOR_MS } from './check-results';
import type { QueryTiming } from './query-timing';

export interface Scale {
  executions: number;
  tasks: number;
}

/** One query's timing beside its baseline's (raw SQL of the same kind of page) in the same scale. */
export interface QueryFigure extends QueryTiming {
  name: string;
  baseline: string;
  /**
   * Rows each call answers, for a query whose answer is the whole of something that grows with the scale
   * (the original API's unpaged task list): its flatness is judged per row. Absent: a page of fixed size.
   */
  rows?: number;
}

export interface ScaleFigures extends Scale {
  events: number;
  logLines: number;
  queries: QueryFigure[];
  /** Best rates over `runs` rebuilds (and reads of its events). */
  rebuilds: Array<{
    name: string;
    rate: number;
    ceiling: number;
    runs: number;
    /** After the best run, live: its WAL copied into read.db on another thread (absent from older results). */
    copySeconds?: number;
  }>;
  eventsBytes: number;
  readBytes: number;
  /** The read db's pages that hold data: without the free pages that replaced rebuild generations left. */
  readUsedBytes: number;
  rss: number;
  /** The JavaScript heap in use after a full collection: what the process keeps, apart from native memory. */
  heapUsed: number;
  seconds: number;
  cpuSeconds: number;
}

/** A query's p99 at the largest scale may be at most this multiple of the smallest's. */
const FLAT_LIMIT = 2;
/** Bytes per added execution may differ this much between steps and still count as linear. */
const LINEAR_TOLERANCE = 0.25;

export function curveTable(scales: ScaleFigures[]): string {
  const first = scales[0]!;
  const last = scales[scales.length - 1]!;
  const growth = `${label(last.executions)} ÷ ${label(first.executions)}`;
  const rows: string[][] = [];
  const row = (figure: string, unit: string, value: (s: ScaleFigures) => number, showGrowth = false) =>
    rows.push([figure, unit, ...scales.map((s) => formatNumber(value(s))), showGrowth && scales.length > 1 ? `${(value(last) / value(first)).toFixed(2)}×` : '']);
  row('executions', 'count', (s) => s.executions);
  row('tasks', 'count', (s) => s.tasks);
  row('events', 'count', (s) => s.events);
  row('log lines', 'count', (s) => s.logLines);
  first.queries.forEach((query, i) => {
    row(`${query.name} p99`, 'ms', (s) => s.queries[i]!.p99, true);
    row(`  ${query.baseline} p99 (baseline, calls alternated)`, 'ms', (s) => s.queries[i]!.baselineP99, true);
    row(`  ÷ the baseline`, 'ratio', (s) => s.queries[i]!.p99 / s.queries[i]!.baselineP99);
    row(`  median`, 'ms', (s) => s.queries[i]!.median, true);
    row(`  baseline median`, 'ms', (s) => s.queries[i]!.baselineMedian, true);
    row(`  median ÷ the baseline's median (checked)`, 'ratio', (s) => s.queries[i]!.medianRatio);
    if (query.rows !== undefined) {
      row(`  rows answered per call`, 'count', (s) => s.queries[i]!.rows ?? Number.NaN);
      row(`  p99 per row answered (judged for flatness)`, 'µs', (s) => perRow(s.queries[i]!), true);
    }
  });
  first.rebuilds.forEach((rebuild, i) => {
    row(`${rebuild.name} rebuild from zero`, 'events/s', (s) => s.rebuilds[i]!.rate, true);
    row(`  reading its events only (ceiling)`, 'events/s', (s) => s.rebuilds[i]!.ceiling);
    row(`  ÷ the ceiling`, 'ratio', (s) => s.rebuilds[i]!.rate / s.rebuilds[i]!.ceiling);
    row(`  then, live, its WAL copied on another thread`, 's', (s) => s.rebuilds[i]!.copySeconds ?? Number.NaN);
  });
  row('events.db on disk', 'MiB', (s) => s.eventsBytes / 2 ** 20, true);
  row('  per execution', 'bytes', (s) => s.eventsBytes / s.executions);
  row('read db on disk', 'MiB', (s) => s.readBytes / 2 ** 20, true);
  row('  in use (less free pages of replaced rebuilds)', 'MiB', (s) => s.readUsedBytes / 2 ** 20, true);
  row('  in use per execution', 'bytes', (s) => s.readUsedBytes / s.executions);
  row('RSS after rebuilds and queries', 'MiB', (s) => s.rss / 2 ** 20);
  row('  heap in use (checked)', 'MiB', (s) => s.heapUsed / 2 ** 20);
  row('time for the scale (generate, rebuild, query)', 's', (s) => s.seconds);
  // On a busy machine the wall time says little; the process's CPU time says what a quiet one would take.
  row('  CPU time of the process', 's', (s) => s.cpuSeconds);
  const header = ['figure', 'unit', ...scales.map((s) => label(s.executions)), scales.length > 1 ? growth : ''];
  return formatColumns([header, ...rows]);
}

/** The two verdicts the issue asks for, as lines. */
export function verdicts(scales: ScaleFigures[]): string[] {
  if (scales.length < 2) return ['(one scale: no curve, no verdicts)'];
  const first = scales[0]!;
  const last = scales[scales.length - 1]!;
  const span = `${label(first.executions)} to ${label(last.executions)}`;
  // A query answering a whole list that grows with the scale cannot be flat per call; per row it can.
  const growthOf = (query: QueryFigure, i: number) =>
    query.rows === undefined ? last.queries[i]!.p99 / query.p99 : perRow(last.queries[i]!) / perRow(query);
  const growing = first.queries
    .map((query, i) => ({ ...query, growth: growthOf(query, i), rawGrowth: last.queries[i]!.baselineP99 / query.baselineP99 }))
    .filter((query) => query.growth > FLAT_LIMIT);
  // A baseline that grew alike: more rows at the larger scale, or a busier machine.
  const why = (q: (typeof growing)[number]) =>
    (q.rows !== undefined ? ' per row answered' : '') + (q.rawGrowth > FLAT_LIMIT ? ` (its raw SQL baseline ${q.rawGrowth.toFixed(1)}× too)` : '');
  const lines = [
    growing.length === 0
      ? `Queries stay flat from ${span}: yes, every p99 within ${FLAT_LIMIT}× of its ${label(first.executions)} figure${first.queries.some((q) => q.rows !== undefined) ? " (a whole list's per row answered)" : ''}.`
      : `Queries stay flat from ${span}: NO: ${growing.map((q) => `${q.name} ${q.growth.toFixed(1)}×${why(q)}`).join('; ')} (limit ${FLAT_LIMIT}×).`,
  ];
  // Bytes per added execution between consecutive scales: a fixed part (the 100,000-line log, the schema)
  // drops out, a part that grows faster than the history does not.
  for (const [name, bytes] of [['events.db', (s: ScaleFigures) => s.eventsBytes], ['read db in use', (s: ScaleFigures) => s.readUsedBytes]] as const) {
    const steps = scales.slice(1).map((s, i) => (bytes(s) - bytes(scales[i]!)) / (s.executions - scales[i]!.executions));
    const spread = Math.max(...steps) / Math.min(...steps) - 1;
    const linear = Math.min(...steps) > 0 && spread <= LINEAR_TOLERANCE;
    lines.push(
      `${name} grows linearly: ${linear ? 'yes' : 'NO'}: ${steps.map((b, i) => `${Math.round(b).toLocaleString('en-US')} bytes per added execution from ${label(scales[i]!.executions)} to ${label(scales[i + 1]!.executions)}`).join(', ')} (${Math.round(spread * 100)}% apart, limit ${Math.round(LINEAR_TOLERANCE * 100)}%).`,
    );
  }
  return lines;
}

/** What `--check` compares: ratios to baselines of the same scale, and sizes; never a bare time. */
export function checkedFigures(scales: ScaleFigures[]): CheckedFigure[] {
  const figures: CheckedFigure[] = [];
  for (const s of scales) {
    const at = `${label(s.executions)} executions`;
    for (const query of s.queries) {
      // The noise floor in the ratio's units: NOISE_FLOOR_MS more per call, over the baseline's median.
      const slack = NOISE_FLOOR_MS / query.baselineMedian;
      figures.push({ key: `${at}: ${query.name}: median ÷ ${query.baseline} median`, value: query.medianRatio, better: 'lower', slack });
    }
    for (const rebuild of s.rebuilds) figures.push({ key: `${at}: ${rebuild.name} rebuild ÷ reading its events`, value: rebuild.rate / rebuild.ceiling, better: 'higher' });
    figures.push({ key: `${at}: events.db bytes per execution`, value: s.eventsBytes / s.executions, better: 'lower' });
    figures.push({ key: `${at}: read db bytes in use per execution`, value: s.readUsedBytes / s.executions, better: 'lower' });
    // RSS moved by 40% between identical runs even after a full collection (malloc arenas and SQLite's
    // caches keep what they had): it is printed, and the heap the process keeps is checked.
    figures.push({ key: `${at}: heap MiB in use after rebuilds and queries`, value: s.heapUsed / 2 ** 20, better: 'lower' });
  }
  return figures;
}

function formatColumns(lines: string[][]): string {
  const widths = lines[0]!.map((_, column) => Math.max(...lines.map((line) => line[column]!.length)));
  const format = (line: string[]) => line.map((cell, column) => (column < 2 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join(' | ');
  return [format(lines[0]!), widths.map((width) => '-'.repeat(width)).join('-|-'), ...lines.slice(1).map(format)].join('\n');
}

function formatNumber(value: number): string {
  if (value < 0.1) return value.toFixed(3);
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2);
}

/** 10000 → 10k, 1000000 → 1M. */
export function label(n: number): string {
  if (n >= 1e6 && n % 1e5 === 0) return `${n / 1e6}M`;
  if (n >= 1e3 && n % 100 === 0) return `${n / 1e3}k`;
  return String(n);
}

/** A whole-list query's p99 per row it answers, in µs. */
function perRow(query: QueryFigure): number {
  return (query.p99 * 1000) / (query.rows ?? 1);
}
