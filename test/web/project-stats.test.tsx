/**
 * @jest-environment ./test/web/jsdom-environment.js
 */
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { StatsRange } from '../../web/src/api/client';
import { StatsChart } from '../../web/src/components/StatsChart';
import { chartBars, describeBar, percent, rangeNamed, rangeQuery, tickEvery, yTicks } from '../../web/src/components/stats-chart-model';
import { ProjectStatsPage } from '../../web/src/pages/ProjectStatsPage';
import { navigate } from '../../web/src/router';
import { renderWithQueries, stubFetch } from './render';

const EMPTY = { total: 0, success: 0, failed: 0, timed_out: 0, missed: 0, cancelled: 0, attempts: 0, retries: 0, in_progress: 0, failures: 0, success_rate: null, duration: { count: 0, sum_ms: 0, min_ms: null, max_ms: null, mean_ms: null, p50_ms: null, p95_ms: null, p99_ms: null } };

function bucket(key: string, start: string, counts: Partial<typeof EMPTY>) {
  const figures = { ...EMPTY, ...counts };
  return { key, start, end: start, ...figures, failures: figures.failed + figures.timed_out + figures.missed };
}

const DAYS: StatsRange = {
  project_id: 'p1',
  task_id: null,
  granularity: 'day',
  timezone: 'Asia/Tokyo',
  source: 'daily_buckets',
  buckets: [
    bucket('2026-03-08', '2026-03-07T15:00:00.000Z', { total: 4, success: 2, failed: 1, missed: 1 }),
    bucket('2026-03-09', '2026-03-08T15:00:00.000Z', {}),
    bucket('2026-03-10', '2026-03-09T15:00:00.000Z', { total: 3, success: 1, timed_out: 1, cancelled: 1 }),
  ],
  totals: { ...EMPTY, total: 7, success: 3, failed: 1, timed_out: 1, missed: 1, cancelled: 1, failures: 3 },
};

describe('project statistics chart logic', () => {
  it('queries UTC hours for 24 hours and the last N days of the zone otherwise', () => {
    const now = new Date('2026-03-09T16:00:00.000Z'); // March 10 in Tokyo, March 9 in UTC
    expect(rangeQuery('24h', 'Asia/Tokyo', now)).toEqual({ granularity: 'hour' });
    expect(rangeQuery('7d', 'Asia/Tokyo', now)).toEqual({ granularity: 'day', from: '2026-03-04', to: '2026-03-10' });
    expect(rangeQuery('7d', 'UTC', now)).toEqual({ granularity: 'day', from: '2026-03-03', to: '2026-03-09' });
    expect(rangeQuery('90d', 'UTC', now)).toEqual({ granularity: 'day', from: '2025-12-10', to: '2026-03-09' });
    expect([rangeNamed('30d'), rangeNamed('year'), rangeNamed(null)]).toEqual(['30d', '7d', '7d']);
  });

  it('splits each bar into succeeded, failed or timed out, missed and the rest', () => {
    const bars = chartBars(DAYS);
    expect(bars.map((b) => [b.tick, b.total, b.values])).toEqual([
      ['03-08', 4, { success: 2, failed: 1, missed: 1, other: 0 }],
      ['03-09', 0, { success: 0, failed: 0, missed: 0, other: 0 }],
      ['03-10', 3, { success: 1, failed: 1, missed: 0, other: 1 }],
    ]);
    expect(describeBar(bars[0]!, '2026-03-08')).toBe('2026-03-08: 4 runs (2 succeeded, 1 failed or timed out, 1 missed)');
    expect(describeBar(bars[1]!, '2026-03-09')).toBe('2026-03-09: 0 runs');
  });

  it('picks round y ticks covering the highest bar and thins x labels to about a dozen', () => {
    expect(yTicks(0)).toEqual([0, 1]);
    expect(yTicks(3)).toEqual([0, 1, 2, 3]);
    expect(yTicks(7)).toEqual([0, 2, 4, 6, 8]);
    expect(yTicks(37)).toEqual([0, 10, 20, 30, 40]);
    expect(yTicks(1200)).toEqual([0, 500, 1000, 1500]);
    expect([tickEvery(7), tickEvery(24), tickEvery(90)]).toEqual([1, 2, 8]);
    expect([percent(null), percent(2 / 3), percent(0.05), percent(0)]).toEqual(['—', '67 %', '5.0 %', '0 %']);
  });

  it('names its axes, shows a legend, and reads a bar out on hover and on focus, the arrow keys moving between bars', () => {
    render(<StatsChart stats={DAYS} title="Runs per day" projectZone="Asia/Tokyo" />);
    expect(screen.getByText('Runs', { selector: '.stats-y-title' })).toBeTruthy();
    expect(screen.getByText('Day (days in Asia/Tokyo)')).toBeTruthy();
    const legend = screen.getByRole('list', { name: 'Legend' });
    expect(within(legend).getAllByRole('listitem').map((li) => li.textContent?.trim())).toEqual(['Succeeded', 'Failed or timed out', 'Missed', 'Cancelled or in progress']);
    const bars = within(screen.getByRole('group', { name: /one bar per day/ })).getAllByRole('button');
    expect(bars.map((b) => b.tabIndex)).toEqual([-1, -1, 0]); // one tab stop: the newest bar
    fireEvent.mouseEnter(bars[0]!);
    expect(screen.getByTestId('chart-readout').textContent).toBe('2026-03-08 (Asia/Tokyo): 4 runs (2 succeeded, 1 failed or timed out, 1 missed)');
    fireEvent.focus(bars[2]!);
    expect(screen.getByTestId('chart-readout').textContent).toContain('2026-03-10 (Asia/Tokyo): 3 runs');
    fireEvent.keyDown(bars[2]!, { key: 'ArrowLeft' });
    expect(document.activeElement).toBe(bars[1]);
    expect(screen.getByTestId('chart-readout').textContent).toBe('2026-03-09 (Asia/Tokyo): 0 runs');
    expect(bars[1]!.getAttribute('aria-label')).toBe('2026-03-09 (Asia/Tokyo): 0 runs');
    // The table holds the same figures.
    const rows = within(screen.getByRole('table')).getAllByRole('row');
    expect(rows[1]!.textContent).toBe('2026-03-0842110');
  });
});

describe('project statistics page', () => {
  afterEach(() => navigate('/'));

  it('asks for the range in the address, from the buckets routes, and lists the failing and slowest tasks', async () => {
    const PROJECT = { id: 'p1', uuid: 'p1', name: 'Nightly', timezone: 'Asia/Tokyo' };
    const row = (name: string, fields: Record<string, unknown>) => ({ task_id: `id-${name}`, name, ...EMPTY, failure_rate: null, ...fields });
    const requests = stubFetch((request) => {
      const url = new URL(request.url);
      if (url.pathname.endsWith('/stats/tasks')) {
        return url.searchParams.get('sort') === 'p95'
          ? [200, { project_id: 'p1', granularity: 'hour', timezone: 'UTC', from: '', to: '', sort: 'p95', qualifying: 1, tasks: [row('backup', { total: 2, duration: { ...EMPTY.duration, p95_ms: 61_000, p50_ms: 1000, max_ms: 62_000 } })] }]
          : [200, { project_id: 'p1', granularity: 'hour', timezone: 'UTC', from: '', to: '', sort: 'failures', qualifying: 12, tasks: [row('sync', { total: 4, failures: 3, failure_rate: 0.75, missed: 1 })] }];
      }
      if (url.pathname.endsWith('/stats')) return [200, { ...DAYS, granularity: 'hour', timezone: 'UTC', buckets: [bucket('2026-03-10T05', '2026-03-10T05:00:00.000Z', { total: 1, success: 1 })] }];
      return [200, PROJECT];
    });
    navigate('/projects/p1/stats?range=24h');
    renderWithQueries(<ProjectStatsPage projectId="p1" />);
    await waitFor(() => expect(screen.getByTestId('top-failing')).toBeTruthy());
    await waitFor(() => expect(screen.getByTestId('slowest')).toBeTruthy());
    const paths = requests.map((r) => new URL(r.url)).filter((u) => u.pathname.includes('/stats'));
    expect(paths.map((u) => `${u.pathname.replace('/api/v1', '')}?${u.searchParams}`).sort()).toEqual([
      '/projects/p1/stats/tasks?granularity=hour&sort=failures&limit=10',
      '/projects/p1/stats/tasks?granularity=hour&sort=p95&limit=10',
      '/projects/p1/stats?granularity=hour',
    ]);
    expect(within(screen.getByTestId('top-failing')).getAllByRole('row')[1]!.textContent).toBe('sync375 %104');
    expect(screen.getByText('The first 1 of 12 tasks.')).toBeTruthy();
    expect(within(screen.getByTestId('slowest')).getAllByRole('row')[1]!.textContent).toBe('backup1 min 1 s1.0 s1 min 2 s2');
    expect(screen.getByText('Hour (UTC)')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Last 24 hours' }).getAttribute('aria-current')).toBe('page');
    expect(screen.getByRole('link', { name: 'Last 30 days' }).getAttribute('href')).toBe('/projects/p1/stats?range=30d');
  });
});
