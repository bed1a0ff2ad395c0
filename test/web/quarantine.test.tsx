/**
 * @jest-environment ./test/web/jsdom-environment.js
 */
import { screen, within } from '@testing-library/react';
import { QuarantineBanner, QuarantinePage } from '../../web/src/pages/QuarantinePage';
import { renderWithQueries, stubFetch } from './render';

const EVENTS = [
  {
    id: 'tasks#2@41',
    consumer: 'tasks',
    kind: 'projection',
    generation: 2,
    stream: 'task-deep',
    revision: 0,
    position: '41',
    type: 'TaskCreated',
    error: 'ValidationError: the document nests deeper than 100 levels',
    quarantined_at: '2026-12-04T05:00:00.000Z',
    alert: 'not sent: no mail server',
  },
  {
    id: 'scheduler@42',
    consumer: 'scheduler',
    kind: 'process-manager',
    generation: null,
    stream: 'task-deep',
    revision: 1,
    position: '42',
    type: 'TaskUpdated',
    error: 'Error: boom',
    quarantined_at: '2026-12-04T05:00:01.000Z',
    alert: null,
  },
];

function serve(events: unknown[]) {
  return stubFetch(({ method, url }) => {
    const path = new URL(url).pathname;
    if (method === 'GET' && path === '/api/v1/admin/quarantine') return [200, { events }];
    return [404, { error: `unexpected ${method} ${path}` }];
  });
}

describe('quarantined events in the dashboard', () => {
  it('warns super admins with a banner that links to the list', async () => {
    serve(EVENTS);
    renderWithQueries(<QuarantineBanner superAdmin />);
    const banner = await screen.findByTestId('quarantine-banner');
    expect(banner.textContent).toContain('2 events are quarantined');
    expect(within(banner).getByRole('link', { name: 'See which' }).getAttribute('href')).toBe('/admin/quarantine');
  });

  it('shows no banner when nothing is quarantined, and asks nothing for other people', async () => {
    const requests = serve([]);
    const { container } = renderWithQueries(<QuarantineBanner superAdmin />);
    await screen.findByText((_, element) => element === container);
    expect(screen.queryByTestId('quarantine-banner')).toBeNull();
    const others = serve(EVENTS);
    renderWithQueries(<QuarantineBanner superAdmin={false} />);
    expect(screen.queryByTestId('quarantine-banner')).toBeNull();
    expect(others).toEqual([]);
    expect(requests.length).toBeLessThanOrEqual(1);
  });

  it('lists each event with its consumer, stream, error and alert, and says how to retry', async () => {
    serve(EVENTS);
    renderWithQueries(<QuarantinePage superAdmin />);
    const table = await screen.findByRole('table', { name: 'Quarantined events' });
    const rows = within(table).getAllByRole('row').slice(1).map((row) => row.textContent);
    expect(rows[0]).toContain('tasks (projection, generation 2)');
    expect(rows[0]).toContain('TaskCreated');
    expect(rows[0]).toContain('task-deep @ 0');
    expect(rows[0]).toContain('nests deeper than 100 levels');
    expect(rows[0]).toContain('not sent: no mail server');
    expect(rows[1]).toContain('scheduler (process-manager)');
    expect(rows[1]).toContain('sending…');
    expect(screen.getByText(/retry-quarantined/)).toBeTruthy();
  });
});
