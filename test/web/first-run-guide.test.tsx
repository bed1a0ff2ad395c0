/**
 * @jest-environment ./test/web/jsdom-environment.js
 */
import { fireEvent, screen } from '@testing-library/react';
import { FirstRunGuide } from '../../web/src/components/FirstRunGuide';
import { renderWithQueries, stubFetch } from './render';

const ADMIN = { label: 'admin', canEdit: true, isAdmin: true };
const VIEWER = { label: 'viewer', canEdit: false, isAdmin: false };

describe('the first-run guide', () => {
  it('gives a viewer the commands with a placeholder key and says an admin must make one', () => {
    const requests = stubFetch(() => [404, { error: 'unexpected' }]);
    renderWithQueries(<FirstRunGuide projectId="p-1" access={VIEWER} />);
    expect(screen.queryByRole('button', { name: /Create an API key/ })).toBeNull();
    expect(screen.getByText(/Only a project admin can create an API key/)).toBeTruthy();
    const snippets = screen.getAllByTestId('ping-snippet').map((s) => s.textContent ?? '');
    expect(snippets).toHaveLength(4);
    for (const snippet of snippets) expect(snippet).toContain('<api-key>');
    expect(snippets[0]).toContain(`${window.location.origin}/api/v1/projects/p-1/tasks`);
    expect(snippets[3]).toContain('cron-observer exec --task first-job --project p-1 -- /path/to/job.sh');
    expect(requests).toHaveLength(0);
  });

  it('lets an admin make a write key, shows it once and fills it into every command', async () => {
    const requests = stubFetch(({ method, url }) =>
      method === 'POST' && new URL(url).pathname === '/api/v1/projects/p-1/api-keys'
        ? [201, { id: 'k-1', name: 'first run', scope: 'write', prefix: 'co_abc', api_key: 'co_abc_the_whole_secret', created_at: '2026-12-04T08:00:00.000Z' }]
        : [404, { error: 'unexpected' }],
    );
    renderWithQueries(<FirstRunGuide projectId="p-1" access={ADMIN} />);
    fireEvent.click(screen.getByRole('button', { name: 'Create an API key for these commands' }));
    expect((await screen.findByTestId('secret-value')).textContent).toBe('co_abc_the_whole_secret');
    expect(requests.map((r) => [r.method, new URL(r.url).pathname, r.body])).toEqual([['POST', '/api/v1/projects/p-1/api-keys', { name: 'first run', scope: 'write' }]]);
    expect(screen.queryByRole('button', { name: /Create an API key/ })).toBeNull();
    for (const snippet of screen.getAllByTestId('ping-snippet')) {
      expect(snippet.textContent).toContain('co_abc_the_whole_secret');
      expect(snippet.textContent).not.toContain('<api-key>');
    }
  });

  it('shows why a key could not be made', async () => {
    stubFetch(() => [403, { error: 'Forbidden: needs the admin role' }]);
    renderWithQueries(<FirstRunGuide projectId="p-1" access={ADMIN} />);
    fireEvent.click(screen.getByRole('button', { name: 'Create an API key for these commands' }));
    expect(await screen.findByText(/needs the admin role/)).toBeTruthy();
  });
});
