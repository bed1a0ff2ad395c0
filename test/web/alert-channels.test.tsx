/**
 * @jest-environment ./test/web/jsdom-environment.js
 */
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { SettingsPage } from '../../web/src/pages/SettingsPage';
import { renderWithQueries, type RecordedRequest, stubFetch } from './render';

const PROJECT = { id: 'p1', uuid: 'p1', name: 'Nightly', api_key: null, execution_endpoint: null, timezone: 'UTC', alert_policy: null, retention_days: null, project_users: [], created_at: '', updated_at: '' };
const ME = { user: { id: 'u-ann', email: 'ann@example.com', name: 'Ann', super_admin: false }, super_admin: false, memberships: [{ project_id: 'p1', project_name: 'Nightly', role: 'admin' }] };

/** The API as the server answers it: channels listed masked, and the test's outcome as the vendor's answer decides. */
function serve(testAnswers: Array<{ outcome: string; detail: string | null }>): RecordedRequest[] {
  let channels: Array<Record<string, string | null>> = [{ id: 'ops', type: 'slack', name: 'Ops', url: 'https://hooks.slack.com/…abcd' }];
  return stubFetch(({ method, url, body }) => {
    const path = decodeURIComponent(new URL(url).pathname);
    if (method === 'GET' && path.endsWith('/auth/me')) return [200, ME];
    if (method === 'GET' && path.endsWith('/projects/p1')) return [200, PROJECT];
    if (method === 'GET' && path.endsWith('/projects/p1/alert-channels')) return [200, { data: channels }];
    if (method === 'GET' && path.endsWith('/projects/p1/api-keys')) return [200, []];
    if (method === 'POST' && path.endsWith('/alert-channels/ops/test')) return [200, testAnswers.shift()];
    const put = /\/alert-channels\/([^/]+)$/.exec(path);
    if (method === 'PUT' && put) {
      const channel = { id: put[1]!, type: (body as { type: string }).type, name: (body as { name: string }).name, url: null, routing_key: '…cdef' };
      channels = [...channels, channel];
      return [200, channel];
    }
    return [404, { error: `unexpected ${method} ${path}` }];
  });
}

describe('alert channels on the settings page', () => {
  it('"Send test alert" posts to the channel and shows what the vendor answered, each time', async () => {
    const requests = serve([
      { outcome: 'ok', detail: 'HTTP 200' },
      { outcome: 'http_error', detail: 'slack answered HTTP 404' },
    ]);
    renderWithQueries(<SettingsPage projectId="p1" access={{ label: 'admin', canEdit: true, isAdmin: true }} />);
    const button = await screen.findByRole('button', { name: 'Send test alert to Ops' });
    expect(screen.getByText('https://hooks.slack.com/…abcd')).toBeTruthy();

    fireEvent.click(button);
    expect((await screen.findByRole('status')).textContent).toBe('Test alert delivered (HTTP 200)');
    fireEvent.click(button);
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('Test alert failed: http_error — slack answered HTTP 404'));
    const tests = requests.filter((r) => r.method === 'POST').map((r) => new URL(r.url).pathname);
    expect(tests).toEqual(['/api/v1/projects/p1/alert-channels/ops/test', '/api/v1/projects/p1/alert-channels/ops/test']);
  });

  it('adds a PagerDuty channel with its routing key, under an id made from its name', async () => {
    const requests = serve([]);
    renderWithQueries(<SettingsPage projectId="p1" access={{ label: 'admin', canEdit: true, isAdmin: true }} />);
    await screen.findByRole('button', { name: 'Send test alert to Ops' });
    fireEvent.change(screen.getByLabelText('Type'), { target: { value: 'pagerduty' } });
    fireEvent.change(screen.getByLabelText('Channel name'), { target: { value: 'Night shift' } });
    fireEvent.change(screen.getByLabelText('Routing key'), { target: { value: 'R0123456789abcdef' } });
    fireEvent.submit(screen.getByRole('form', { name: 'Add an alert channel' }));
    await screen.findByRole('button', { name: 'Send test alert to Night shift' });
    const put = requests.find((r) => r.method === 'PUT')!;
    expect([new URL(put.url).pathname, put.body]).toEqual([
      '/api/v1/projects/p1/alert-channels/night-shift',
      { type: 'pagerduty', name: 'Night shift', routing_key: 'R0123456789abcdef' },
    ]);
  });
});
