/**
 * The regression check of `npm run bench -- --check`: the figures of this run against the committed ones.
 * Every checked figure is a ratio or a size, never a bare time (a query's p99 over the raw SQL of the same
 * page, a rebuild's rate over the rate its events are merely read, bytes per execution), so results taken
 * on one machine still say something on another. Pure: no files, no clock.
 */

export interface CheckedFigure {
  /** Stable name, e.g. `1M executions: history page, project day, first 50: p99 ÷ raw SQL p99`. */
  key: string;
  value: number;
  better: 'lower' | 'higher';
  /**
   * A change smaller than this, in the figure's own units, is below what the machine resolves and never a
   * regression (absent: every change counts).
   */
  slack?: number;
}

export interface Regression {
  key: string;
  committed: number;
  current: number;
  /** How much worse, as a fraction of the committed value (0.25: 25% worse). */
  worse: number;
}

export interface CheckOutcome {
  regressions: Regression[];
  /** Committed figures this run did not measure (another scale, a query gone). */
  missing: string[];
  /** Figures of this run with nothing committed to compare with. */
  added: string[];
  compared: number;
}

/** Worse by more than this fraction of the committed value fails the check. */
export const REGRESSION_TOLERANCE = 0.2;

/**
 * A query's median moving by less than this many ms per call is not a regression, whatever the fraction:
 * between identical runs on a shared 2-core machine, medians of calls of some tens of µs move by a few µs
 * (JIT tiering, CPU caches, frequency), which is over 20% of the smallest ones. So a query whose median is
 * over 100 µs (the history, stats and deep log pages) fails at 20%, while the smallest (a short log's tail
 * at about 15 µs, a small project's task list, a task's failed runs at 35–130 µs) fail only when they
 * lose more than 20 µs per call.
 */
export const NOISE_FLOOR_MS = 0.02;

/**
 * A figure regressed when it is worse than the committed one by more than the tolerance: a lower-is-better
 * figure above committed × (1 + tolerance), a higher-is-better one below committed × (1 − tolerance); and,
 * for a figure with a slack (either run's), by more than that slack.
 */
export function compareFigures(committed: CheckedFigure[], current: CheckedFigure[], tolerance = REGRESSION_TOLERANCE): CheckOutcome {
  const now = new Map(current.map((figure) => [figure.key, figure]));
  const before = new Set(committed.map((figure) => figure.key));
  const regressions: Regression[] = [];
  const missing: string[] = [];
  let compared = 0;
  for (const old of committed) {
    const fresh = now.get(old.key);
    if (!fresh) {
      missing.push(old.key);
      continue;
    }
    if (fresh.better !== old.better) throw new Error(`${old.key}: committed as ${old.better} is better, measured as ${fresh.better}`);
    compared++;
    const worse = worseBy(old, fresh.value);
    const slack = Math.max(old.slack ?? 0, fresh.slack ?? 0);
    if (worse > tolerance && Math.abs(fresh.value - old.value) > slack) regressions.push({ key: old.key, committed: old.value, current: fresh.value, worse });
  }
  const added = current.filter((figure) => !before.has(figure.key)).map((figure) => figure.key);
  return { regressions, missing, added, compared };
}

/** The fraction by which `value` is worse than the committed figure (negative when better). */
function worseBy(committed: CheckedFigure, value: number): number {
  if (committed.value === 0) return value === 0 ? 0 : committed.better === 'lower' ? Infinity : -Infinity;
  const change = (value - committed.value) / committed.value;
  return committed.better === 'lower' ? change : -change;
}

/** The check's verdict as lines to print; `passed` false when anything regressed or nothing could be compared. */
export function describeOutcome(outcome: CheckOutcome, tolerance = REGRESSION_TOLERANCE): { passed: boolean; lines: string[] } {
  const lines: string[] = [];
  const percent = `${Math.round(tolerance * 100)}%`;
  if (outcome.compared === 0) {
    lines.push('FAILED: no figure of this run matches a committed one (other scales?); nothing was compared.');
    return { passed: false, lines };
  }
  if (outcome.regressions.length === 0) lines.push(`passed: ${outcome.compared} figures compared, none worse by more than ${percent} than committed.`);
  else {
    lines.push(`FAILED: ${outcome.regressions.length} of ${outcome.compared} figures worse by more than ${percent} than committed:`);
    for (const r of outcome.regressions) {
      lines.push(`  ${r.key}: ${formatValue(r.committed)} committed, ${formatValue(r.current)} now (${Math.round(r.worse * 100)}% worse)`);
    }
  }
  if (outcome.missing.length > 0) lines.push(`not measured in this run (not compared): ${listed(outcome.missing)}`);
  if (outcome.added.length > 0) lines.push(`new in this run (nothing committed to compare with): ${listed(outcome.added)}`);
  return { passed: outcome.regressions.length === 0, lines };
}

/** A few keys, then how many more (another scale leaves dozens on one side). */
function listed(keys: string[], shown = 3): string {
  const more = keys.length > shown ? `; and ${keys.length - shown} more` : '';
  return `${keys.length}: ${keys.slice(0, shown).join('; ')}${more}`;
}

function formatValue(value: number): string {
  return Math.abs(value) >= 100 ? Math.round(value).toLocaleString('en-US') : value.toPrecision(3);
}
