import { type CheckedFigure, compareFigures, describeOutcome } from '../../bench/check-results';

const lower = (key: string, value: number): CheckedFigure => ({ key, value, better: 'lower' });
const higher = (key: string, value: number): CheckedFigure => ({ key, value, better: 'higher' });

describe('the bench regression check', () => {
  it('passes figures within 20% either way', () => {
    const committed = [lower('query ÷ raw', 2), higher('rebuild ÷ read', 0.5), lower('bytes per execution', 3000)];
    const current = [lower('query ÷ raw', 2.39), higher('rebuild ÷ read', 0.41), lower('bytes per execution', 2000)];
    const outcome = compareFigures(committed, current);
    expect(outcome).toEqual({ regressions: [], missing: [], added: [], compared: 3 });
    expect(describeOutcome(outcome)).toEqual({ passed: true, lines: ['passed: 3 figures compared, none worse by more than 20% than committed.'] });
  });

  it('fails a lower-is-better figure more than 20% above committed, and a higher-is-better one more than 20% below', () => {
    const committed = [lower('query ÷ raw', 2), higher('rebuild ÷ read', 0.5), lower('bytes per execution', 3000), higher('better rate', 0.5)];
    const current = [lower('query ÷ raw', 2.5), higher('rebuild ÷ read', 0.39), lower('bytes per execution', 3000), higher('better rate', 0.9)];
    const outcome = compareFigures(committed, current);
    expect(outcome.compared).toBe(4);
    expect(outcome.regressions.map((r) => [r.key, r.committed, r.current, Number(r.worse.toFixed(2))])).toEqual([
      ['query ÷ raw', 2, 2.5, 0.25],
      ['rebuild ÷ read', 0.5, 0.39, 0.22],
    ]);
    const { passed, lines } = describeOutcome(outcome);
    expect(passed).toBe(false);
    expect(lines).toEqual([
      'FAILED: 2 of 4 figures worse by more than 20% than committed:',
      '  query ÷ raw: 2.00 committed, 2.50 now (25% worse)',
      '  rebuild ÷ read: 0.500 committed, 0.390 now (22% worse)',
    ]);
  });

  it('lists a few of many unmatched figures and counts the rest', () => {
    const keys = ['a', 'b', 'c', 'd', 'e'];
    const outcome = compareFigures([lower('x', 1), ...keys.map((key) => lower(key, 1))], [lower('x', 1)]);
    expect(describeOutcome(outcome).lines[1]).toBe('not measured in this run (not compared): 5: a; b; c; and 2 more');
  });

  it('takes the tolerance it is given', () => {
    expect(compareFigures([lower('a', 1)], [lower('a', 1.08)], 0.05).regressions).toHaveLength(1);
    expect(compareFigures([lower('a', 1)], [lower('a', 1.08)], 0.1).regressions).toHaveLength(0);
  });

  it('names figures measured on one side only, and fails when nothing could be compared', () => {
    const outcome = compareFigures([lower('1M: query ÷ raw', 2), lower('10k: query ÷ raw', 2)], [lower('10k: query ÷ raw', 2), lower('20k: query ÷ raw', 9)]);
    expect(outcome).toEqual({ regressions: [], missing: ['1M: query ÷ raw'], added: ['20k: query ÷ raw'], compared: 1 });
    expect(describeOutcome(outcome).lines.slice(1)).toEqual([
      'not measured in this run (not compared): 1: 1M: query ÷ raw',
      'new in this run (nothing committed to compare with): 1: 20k: query ÷ raw',
    ]);
    const none = describeOutcome(compareFigures([lower('1M: query ÷ raw', 2)], [lower('2k: query ÷ raw', 2)]));
    expect(none.passed).toBe(false);
    expect(none.lines[0]).toMatch(/^FAILED: no figure of this run matches a committed one/);
  });

  it('treats a committed zero as regressed by any growth of a lower-is-better figure', () => {
    expect(compareFigures([lower('a', 0)], [lower('a', 0)]).regressions).toEqual([]);
    expect(compareFigures([lower('a', 0)], [lower('a', 0.1)]).regressions).toHaveLength(1);
    expect(compareFigures([higher('a', 0)], [higher('a', 0.1)]).regressions).toEqual([]);
  });

  it('refuses a figure whose direction changed', () => {
    expect(() => compareFigures([lower('a', 1)], [higher('a', 1)])).toThrow('a: committed as lower is better, measured as higher');
  });
});

describe("the bench regression check's noise floor", () => {
  const withSlack = (value: number, slack: number): CheckedFigure => ({ key: 'query median ÷ raw', value, better: 'lower', slack });

  it('passes a change beyond 20% that stays within the slack, and fails one beyond both', () => {
    // A 40 µs query over a 100 µs baseline: 0.4; a floor of 20 µs is 0.2 in the ratio's units.
    expect(compareFigures([withSlack(0.4, 0.2)], [withSlack(0.55, 0.2)]).regressions).toEqual([]);
    expect(compareFigures([withSlack(0.4, 0.2)], [withSlack(0.65, 0.2)]).regressions.map((r) => r.current)).toEqual([0.65]);
  });

  it("takes the larger of the two runs' slacks", () => {
    expect(compareFigures([withSlack(0.4, 0.05)], [withSlack(0.55, 0.2)]).regressions).toEqual([]);
    expect(compareFigures([withSlack(0.4, 0.2)], [lower('query median ÷ raw', 0.55)]).regressions).toEqual([]);
  });

  it('leaves a slow query, where the floor is a small part of the figure, to the 20% rule', () => {
    // 2 ms over a 0.5 ms baseline: the floor is 0.04 of a ratio of 4.
    expect(compareFigures([withSlack(4, 0.04)], [withSlack(4.9, 0.04)]).regressions).toHaveLength(1);
    expect(compareFigures([withSlack(4, 0.04)], [withSlack(4.7, 0.04)]).regressions).toHaveLength(0);
  });
});
