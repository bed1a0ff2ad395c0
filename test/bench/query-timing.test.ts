import { compareFigures } from '../../bench/check-results';
import { type Samples, summarize, timeAlternated } from '../../bench/query-timing';
import { seededRandom } from '../support/seeded-random';

/**
 * Alternated calls as a shared machine gives them: each call ±10% around its cost, each round under its own
 * load (both sides alike, up to 1.5×), and one call in a hundred hit by a pause of 5–30× its cost (GC,
 * another process), on either side independently.
 */
function recorded(seed: number, queryMs: number, baselineMs: number, rounds = 5, perRound = 200): Samples {
  const random = seededRandom(seed);
  const call = (ms: number, load: number) => ms * load * (0.9 + 0.2 * random()) * (random() < 0.01 ? 5 + 25 * random() : 1);
  const samples: Samples = { query: [], baseline: [] };
  for (let r = 0; r < rounds; r++) {
    const load = 1 + 0.5 * random();
    const query: number[] = [];
    const baseline: number[] = [];
    for (let i = 0; i < perRound; i++) {
      query.push(call(queryMs, load));
      baseline.push(call(baselineMs, load));
    }
    samples.query.push(query);
    samples.baseline.push(baseline);
  }
  return samples;
}

const figure = (samples: Samples) => [{ key: 'query median ÷ baseline median', value: summarize(samples).medianRatio, better: 'lower' as const, slack: 0.02 / summarize(samples).baselineMedian }];
const p99Ratio = (samples: Samples) => summarize(samples).p99 / summarize(samples).baselineP99;

describe('the cost curves query statistic', () => {
  const seeds = Array.from({ length: 30 }, (_, i) => i + 1);

  it('passes every clean rerun of a recorded run, where the p99 ratio would have moved by more than 20%', () => {
    let p99Moves = 0;
    for (const seed of seeds) {
      const first = recorded(seed, 0.3, 0.2);
      const again = recorded(seed + 1000, 0.3, 0.2);
      expect(compareFigures(figure(first), figure(again)).regressions).toEqual([]);
      if (Math.abs(p99Ratio(again) / p99Ratio(first) - 1) > 0.2) p99Moves++;
    }
    // Why the p99 is printed but not checked: on these same runs it moved by over 20% many times.
    expect(p99Moves).toBeGreaterThan(seeds.length / 10);
  });

  it('fails every rerun with the query 1.3× or 1.5× as slow', () => {
    for (const seed of seeds) {
      const first = recorded(seed, 0.3, 0.2);
      for (const slower of [1.3, 1.5]) {
        expect(compareFigures(figure(first), figure(recorded(seed + 1000, 0.3 * slower, 0.2))).regressions).toHaveLength(1);
      }
    }
  });

  it('does not fail a query of a few µs that moved by less than the noise floor', () => {
    for (const seed of seeds) {
      expect(compareFigures(figure(recorded(seed, 0.005, 0.1)), figure(recorded(seed + 1000, 0.0075, 0.1))).regressions).toEqual([]);
    }
  });

  it('takes the median over rounds of each round’s p99, so one bad round does not decide it', () => {
    const samples: Samples = { query: [], baseline: [] };
    for (let r = 0; r < 5; r++) {
      const query = Array.from({ length: 100 }, () => (r === 2 ? 50 : 1));
      samples.query.push(query);
      samples.baseline.push(Array.from({ length: 100 }, () => 1));
    }
    expect(summarize(samples)).toEqual({ p99: 1, baselineP99: 1, median: 1, baselineMedian: 1, medianRatio: 1 });
  });

  it('times calls in rounds, and an injected slowdown makes each query call that many times as long', async () => {
    const busy = (ms: number) => {
      const until = performance.now() + ms;
      while (performance.now() < until);
    };
    const plain = await timeAlternated(100, async () => busy(0.3), () => busy(0.3));
    expect(plain.query.map((round) => round.length)).toEqual([20, 20, 20, 20, 20]);
    expect(plain.baseline.map((round) => round.length)).toEqual([20, 20, 20, 20, 20]);
    const slowed = summarize(await timeAlternated(100, async () => busy(0.3), () => busy(0.3), 2));
    expect(slowed.medianRatio).toBeGreaterThan(1.7);
    expect(slowed.medianRatio).toBeLessThan(2.5);
  });
});
