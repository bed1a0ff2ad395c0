/**
 * How the cost curves time a query beside its baseline, and the statistics they keep.
 *
 * Calls alternate one by one (query, baseline, query…) so both see the same load, in several rounds. On a
 * shared machine the p99 of a sub-millisecond call is whatever pause (GC, another process) fell into the
 * run: two identical runs differed by 3× on it. So:
 * - the p99 printed (and judged for flatness) is the median over rounds of each round's p99, so one bad
 *   round does not decide it;
 * - the figure `--check` compares is the median over rounds of (query median ÷ baseline median): a slower
 *   query moves every call and so the median in full, a pause moves only a few calls.
 */
export interface QueryTiming {
  /** Median over rounds of the round's p99, in ms. */
  p99: number;
  baselineP99: number;
  /** Median over rounds of the round's median, in ms. */
  median: number;
  baselineMedian: number;
  /** Median over rounds of (the round's query median ÷ its baseline median): what `--check` compares. */
  medianRatio: number;
}

export interface Samples {
  /** Per round, the durations of the query's calls in ms. */
  query: number[][];
  baseline: number[][];
}

/** At most this many rounds, and rounds of at least MIN_ROUND_CALLS calls (a p99 of fewer is the maximum). */
const ROUNDS = 5;
const MIN_ROUND_CALLS = 20;
const WARM_UP_CALLS = 50;

/**
 * Times `calls` alternated calls of `query` and `baseline`, after a warm-up of both. `slowdown` > 1 makes
 * each query call last that many times its own duration (busy, as slower code would), so a run can show
 * that the check catches a regression of known size.
 */
export async function timeAlternated(calls: number, query: () => Promise<unknown>, baseline: () => void, slowdown = 1): Promise<Samples> {
  for (let i = 0; i < Math.min(WARM_UP_CALLS, calls); i++) {
    await query();
    baseline();
  }
  const rounds = Math.max(1, Math.min(ROUNDS, Math.floor(calls / MIN_ROUND_CALLS)));
  const samples: Samples = { query: [], baseline: [] };
  for (let round = 0; round < rounds; round++) {
    const querySamples: number[] = [];
    const baselineSamples: number[] = [];
    const perRound = Math.round(calls / rounds);
    for (let i = 0; i < perRound; i++) {
      let started = process.hrtime.bigint();
      await query();
      const took = Number(process.hrtime.bigint() - started) / 1e6;
      if (slowdown > 1) busyWaitMs(took * (slowdown - 1));
      querySamples.push(Number(process.hrtime.bigint() - started) / 1e6);
      started = process.hrtime.bigint();
      baseline();
      baselineSamples.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    samples.query.push(querySamples);
    samples.baseline.push(baselineSamples);
  }
  return samples;
}

export function summarize(samples: Samples): QueryTiming {
  const perRound = (rounds: number[][], q: number) => median(rounds.map((round) => percentile(round, q)));
  return {
    p99: perRound(samples.query, 0.99),
    baselineP99: perRound(samples.baseline, 0.99),
    median: perRound(samples.query, 0.5),
    baselineMedian: perRound(samples.baseline, 0.5),
    medianRatio: median(samples.query.map((round, i) => percentile(round, 0.5) / percentile(samples.baseline[i]!, 0.5))),
  };
}

export function percentile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1))]!;
}

/** Holds the thread for `ms`, as code that much slower would. */
function busyWaitMs(ms: number): void {
  const until = process.hrtime.bigint() + BigInt(Math.round(ms * 1e6));
  while (process.hrtime.bigint() < until);
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
