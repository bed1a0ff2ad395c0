/**
 * @jest-environment ./test/web/jsdom-environment.js
 */
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { UsersPage } from '../../web/src/pages/UsersPage';
import { type RecordedRequest, renderWithQueries, stubFetch } from './render';

const at = '2026-12-01T08:00:00.000Z';
const user = (id: string, email: string, fields: Record<string, unknown> = {}) => ({
  id, uuid: id, email, name: email.split('@')[0], super_admin: false, disabled: false, status: 'active', created_at: at, updated_at: at, ...fields,
});
const USERS = [user('u-root', 'root@example.com', { super_admin: true }), user('u-ada', 'ada@example.com'), user('u-bo', 'bo@example.com', { disabled: true }), user('u-new', 'new@example.com', { name: null, status: 'invited' })];

function server(extra: (request: RecordedRequest) => [number, unknown] | null = () => null) {
  return stubFetch((request) => {
    const path = new URL(request.url).pathname;
    const answer = extra(request);
    if (answer) return answer;
    if (request.method === 'GET' && path === '/api/v1/users') return [200, USERS];
    if (request.method === 'GET' && path === '/api/v1/projects') return [200, [{ id: 'p-1', name: 'Billing' }, { id: 'p-2', name: 'Reports' }]];
    return [404, { error: 'unexpected' }];
  });
}
const writes = (requests: RecordedRequest[]) => requests.filter((r) => r.method !== 'GET').map((r) => [r.method, new URL(r.url).pathname, r.body]);

describe('the people page', () => {
  afterEach(() => jest.restoreAllMocks());

  it('tells anyone but a super admin it is not theirs, and asks the server nothing', () => {
    const requests = server();
    renderWithQueries(<UsersPage superAdmin={false} myEmail="ada@example.com" />);
    expect(screen.getByText('Only super admins manage people.')).toBeTruthy();
    expect(requests).toHaveLength(0);
  });

  it('lists every account with its state; the own row has no actions', async () => {
    server();
    renderWithQueries(<UsersPage superAdmin myEmail="root@example.com" />);
    const rows = await screen.findAllByTestId('user-row');
    expect(rows.map((r) => within(r).getByRole('rowheader').textContent)).toEqual(['root@example.com', 'ada@example.com', 'bo@example.com', 'new@example.com']);
    expect(rows[0]!.textContent).toContain('super admin');
    expect(within(rows[0]!).queryByRole('button')).toBeNull();
    expect(rows[2]!.textContent).toContain('disabled');
    expect(rows[3]!.textContent).toContain('invited');
    // An invited person has no password to reset yet.
    expect(within(rows[3]!).queryByText('Reset password')).toBeNull();
  });

  it('disables after asking, and enables again', async () => {
    const requests = server(({ method }) => (method === 'PATCH' ? [200, USERS[1]] : null));
    renderWithQueries(<UsersPage superAdmin myEmail="root@example.com" />);
    const confirm = jest.spyOn(window, 'confirm').mockReturnValueOnce(false).mockReturnValueOnce(true);
    fireEvent.click(await screen.findByRole('button', { name: 'Disable ada@example.com' }));
    expect(writes(requests)).toEqual([]);
    fireEvent.click(screen.getByRole('button', { name: 'Disable ada@example.com' }));
    fireEvent.click(screen.getByRole('button', { name: 'Enable bo@example.com' }));
    await waitFor(() =>
      expect(writes(requests)).toEqual([
        ['PATCH', '/api/v1/users/u-ada', { disabled: true }],
        ['PATCH', '/api/v1/users/u-bo', { disabled: false }],
      ]),
    );
    expect(confirm).toHaveBeenCalledTimes(2);
  });

  it("resets a password after asking, and shows the server's rule when it refuses", async () => {
    let refuse = true;
    const requests = server(({ method }) => {
      if (method !== 'PATCH') return null;
      if (refuse) return [400, { error: 'Invalid request', details: ['password: too easy to guess'] }];
      return [200, USERS[1]];
    });
    jest.spyOn(window, 'confirm').mockReturnValue(true);
    renderWithQueries(<UsersPage superAdmin myEmail="root@example.com" />);
    await screen.findAllByTestId('user-row');
    fireEvent.change(screen.getByLabelText('New password for ada@example.com'), { target: { value: 'password1234' } });
    fireEvent.change(screen.getAllByLabelText('Repeat the new password')[0]!, { target: { value: 'password1234' } });
    fireEvent.click(screen.getAllByRole('button', { name: 'Set password', hidden: true })[0]!);
    expect(await screen.findByText(/password: too easy to guess/)).toBeTruthy();
    refuse = false;
    fireEvent.click(screen.getAllByRole('button', { name: 'Set password', hidden: true })[0]!);
    expect(await screen.findByText(/Password set/)).toBeTruthy();
    expect(writes(requests)).toEqual([
      ['PATCH', '/api/v1/users/u-ada', { password: 'password1234' }],
      ['PATCH', '/api/v1/users/u-ada', { password: 'password1234' }],
    ]);
  });

  it('invites by adding the person to a chosen project with a role', async () => {
    const requests = server(({ method }) =>
      method === 'PUT' ? [200, { project_id: 'p-2', email: 'cy@example.com', role: 'editor', alerts: false, status: 'invited', invitation_expires_at: '2026-12-11T08:00:00.000Z' }] : null,
    );
    renderWithQueries(<UsersPage superAdmin myEmail="root@example.com" />);
    await screen.findByRole('option', { name: 'Reports' });
    fireEvent.change(screen.getByLabelText('Email'), { target: { value: ' cy@example.com ' } });
    fireEvent.change(screen.getByLabelText('Project'), { target: { value: 'p-2' } });
    fireEvent.change(screen.getByLabelText('Role'), { target: { value: 'editor' } });
    fireEvent.click(screen.getByRole('button', { name: 'Invite' }));
    expect((await screen.findByRole('status')).textContent).toContain('Invited cy@example.com as editor');
    expect(writes(requests)).toEqual([['PUT', '/api/v1/projects/p-2/members/cy%40example.com', { role: 'editor' }]]);
  });
});
