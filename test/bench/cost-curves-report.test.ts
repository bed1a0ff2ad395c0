import { type ScaleFigures, checkedFigures, verdicts } from '../../bench/cost-curves-report';

function scale(executions: number, p99: number, baselineP99: number, bytesPerExecution: number, fixedBytes = 10_000_000, freeBytes = 0): ScaleFigures {
  return {
    executions,
    tasks: executions / 100,
    events: executions * 3,
    logLines: executions,
    queries: [{ name: 'history page', baseline: 'raw SQL page', p99, baselineP99, median: p99 / 4, baselineMedian: baselineP99 / 5, medianRatio: (p99 / 4) / (baselineP99 / 5) }],
    rebuilds: [{ name: 'history', rate: 30_000, ceiling: 120_000, runs: 1 }],
    eventsBytes: fixedBytes + executions * bytesPerExecution,
    readBytes: fixedBytes + executions * bytesPerExecution * 1.5 + freeBytes,
    readUsedBytes: fixedBytes + executions * bytesPerExecution * 1.5,
    rss: 300 * 2 ** 20,
    heapUsed: 100 * 2 ** 20,
    seconds: 1,
    cpuSeconds: 1,
  };
}

describe('the cost curves verdicts', () => {
  it('call queries flat within 2× and size linear when bytes per added execution agree, whatever the fixed part', () => {
    expect(verdicts([scale(10_000, 1, 0.5, 2000), scale(100_000, 1.5, 0.5, 2000), scale(1_000_000, 1.9, 0.6, 2100)])).toEqual([
      'Queries stay flat from 10k to 1M: yes, every p99 within 2× of its 10k figure.',
      'events.db grows linearly: yes: 2,000 bytes per added execution from 10k to 100k, 2,111 bytes per added execution from 100k to 1M (6% apart, limit 25%).',
      'read db in use grows linearly: yes: 3,000 bytes per added execution from 10k to 100k, 3,167 bytes per added execution from 100k to 1M (6% apart, limit 25%).',
    ]);
  });

  it('name the query that grows, and whether its raw SQL grew alike', () => {
    const [flat] = verdicts([scale(10_000, 1, 0.5, 2000), scale(1_000_000, 2.5, 0.5, 2000)]);
    expect(flat).toBe('Queries stay flat from 10k to 1M: NO: history page 2.5× (limit 2×).');
    const [rows] = verdicts([scale(10_000, 1, 0.5, 2000), scale(1_000_000, 30, 20, 2000)]);
    expect(rows).toBe('Queries stay flat from 10k to 1M: NO: history page 30.0× (its raw SQL baseline 40.0× too) (limit 2×).');
  });

  it('judge a whole list that grows with the scale by its p99 per row answered, and say so', () => {
    const withList = (executions: number, p99: number, listP99: number, rows: number): ScaleFigures => {
      const figures = scale(executions, p99, 0.5, 2000);
      const list = { name: 'task list', baseline: 'raw SQL list', p99: listP99, baselineP99: listP99 / 2, median: listP99, baselineMedian: listP99 / 2, medianRatio: 2, rows };
      return { ...figures, queries: [...figures.queries, list] };
    };
    // 1,000 times the rows in 1,500 times the time: 1.5× per row.
    expect(verdicts([withList(10_000, 1, 0.1, 10), withList(1_000_000, 1.2, 150, 10_000)])[0]).toBe(
      "Queries stay flat from 10k to 1M: yes, every p99 within 2× of its 10k figure (a whole list's per row answered).",
    );
    // 1,000 times the rows in 3,000 times the time: 3× per row.
    expect(verdicts([withList(10_000, 1, 0.1, 10), withList(1_000_000, 1.2, 300, 10_000)])[0]).toBe(
      'Queries stay flat from 10k to 1M: NO: task list 3.0× per row answered (its raw SQL baseline 3000.0× too) (limit 2×).',
    );
  });

  it('call size not linear when bytes per added execution grow between steps', () => {
    const lines = verdicts([scale(10_000, 1, 1, 2000), scale(100_000, 1, 1, 2000), scale(1_000_000, 1, 1, 4000)]);
    expect(lines[1]).toMatch(/^events\.db grows linearly: NO: 2,000 bytes .* 4,222 bytes .* \(111% apart, limit 25%\)\.$/);
  });

  it('judge the read db by its pages in use: free pages that replaced rebuild generations left do not count', () => {
    // Short rebuilds run several times at a small scale, each leaving the last generation's pages free.
    const lines = verdicts([scale(10_000, 1, 1, 2000, 10_000_000, 90_000_000), scale(100_000, 1, 1, 2000), scale(1_000_000, 1, 1, 2000)]);
    expect(lines[2]).toBe(
      'read db in use grows linearly: yes: 3,000 bytes per added execution from 10k to 100k, 3,000 bytes per added execution from 100k to 1M (0% apart, limit 25%).',
    );
  });

  it("check queries' median ratios (with the noise floor over the baseline's median as slack), rebuild ratios and sizes per execution, keyed by scale", () => {
    expect(checkedFigures([scale(10_000, 1, 0.5, 2000, 0)])).toEqual([
      { key: '10k executions: history page: median ÷ raw SQL page median', value: 2.5, better: 'lower', slack: expect.closeTo(0.2, 10) },
      { key: '10k executions: history rebuild ÷ reading its events', value: 0.25, better: 'higher' },
      { key: '10k executions: events.db bytes per execution', value: 2000, better: 'lower' },
      { key: '10k executions: read db bytes in use per execution', value: 3000, better: 'lower' },
      { key: '10k executions: heap MiB in use after rebuilds and queries', value: 100, better: 'lower' },
    ]);
  });
});
