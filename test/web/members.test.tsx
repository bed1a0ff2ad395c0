/**
 * @jest-environment ./test/web/jsdom-environment.js
 */
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { SettingsPage } from '../../web/src/pages/SettingsPage';
import { renderWithQueries, type RecordedRequest, stubFetch } from './render';

const MEMBERS = [
  { email: 'owner@example.com', role: 'admin', alerts: true },
  { email: 'vic@example.com', role: 'viewer', alerts: false },
  { email: 'ed@example.com', role: 'editor', alerts: false },
];
const PROJECT = { id: 'p1', uuid: 'p1', name: 'Nightly', api_key: null, execution_endpoint: null, timezone: 'UTC', alert_policy: null, retention_days: null, project_users: MEMBERS, created_at: '', updated_at: '' };
const ME = { user: { id: 'u-vic', email: 'Vic@Example.com', name: 'Vic', super_admin: false }, super_admin: false, memberships: [{ project_id: 'p1', project_name: 'Nightly', role: 'viewer' }] };

function serve(): RecordedRequest[] {
  let members = MEMBERS;
  return stubFetch(({ method, url, body }) => {
    const path = decodeURIComponent(new URL(url).pathname);
    if (method === 'GET' && path.endsWith('/auth/me')) return [200, ME];
    if (method === 'GET' && path.endsWith('/projects/p1')) return [200, { ...PROJECT, project_users: members }];
    const alerts = /\/projects\/p1\/members\/(.+)\/alerts$/.exec(path);
    if (method === 'PUT' && alerts) {
      members = members.map((m) => (m.email === alerts[1] ? { ...m, ...(body as object) } : m));
      return [200, { project_id: 'p1', ...members.find((m) => m.email === alerts[1]) }];
    }
    return [404, { error: `unexpected ${method} ${path}` }];
  });
}

const checkbox = (email: string) => screen.getByRole('checkbox', { name: `Alerts for ${email}` }) as HTMLInputElement;

describe('members on the settings page', () => {
  it('shows each member\'s alerts and lets a viewer turn on their own, not anyone else\'s', async () => {
    const requests = serve();
    renderWithQueries(<SettingsPage projectId="p1" access={{ label: 'viewer', canEdit: false, isAdmin: false }} />);
    await screen.findByRole('checkbox', { name: 'Alerts for vic@example.com' });
    expect([checkbox('owner@example.com'), checkbox('ed@example.com')].map((c) => [c.checked, c.disabled])).toEqual([
      [true, true],
      [false, true],
    ]);
    // Enabled once the signed-in person is known (their own row).
    await waitFor(() => expect(checkbox('vic@example.com').disabled).toBe(false));
    expect(checkbox('vic@example.com').checked).toBe(false);

    fireEvent.click(checkbox('vic@example.com'));
    await waitFor(() => expect(checkbox('vic@example.com').checked).toBe(true));
    const puts = requests.filter((r) => r.method === 'PUT');
    expect(puts.map((r) => [decodeURIComponent(new URL(r.url).pathname), r.body])).toEqual([['/api/v1/projects/p1/members/vic@example.com/alerts', { alerts: true }]]);
  });
});
