/**
 * @jest-environment ./test/web/jsdom-environment.js
 */
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { AccountPage } from '../../web/src/pages/AccountPage';
import { type RecordedRequest, renderWithQueries, stubFetch } from './render';

const SESSIONS = [
  { id: 'this-one', created_at: '2026-12-04T08:00:00.000Z', expires_at: '2026-12-11T08:00:00.000Z', current: true },
  { id: 'the-laptop', created_at: '2026-12-01T08:00:00.000Z', expires_at: '2026-12-08T08:00:00.000Z', current: false },
];

/** The session list every account page loads, answered before the request under test. */
function withSessions(answer: (request: RecordedRequest) => [number, unknown]): (request: RecordedRequest) => [number, unknown] {
  return (request) => (request.method === 'GET' && new URL(request.url).pathname === '/api/v1/auth/sessions' ? [200, SESSIONS] : answer(request));
}

const notSessionList = (r: RecordedRequest) => !(r.method === 'GET' && new URL(r.url).pathname === '/api/v1/auth/sessions');

function fill(label: string, value: string): void {
  fireEvent.change(screen.getByLabelText(label), { target: { value } });
}

describe('the account page', () => {
  it('changes the password with the current one, and says the other sessions ended', async () => {
    const requests = stubFetch(withSessions(({ method, url }) => (method === 'POST' && new URL(url).pathname === '/api/v1/auth/password' ? [204, null] : [404, { error: 'unexpected' }])));
    renderWithQueries(<AccountPage email="ada@example.com" />);
    fill('Current password', 'the old plum-orbit password');
    fill('New password', 'a new velvet-canyon password');
    fill('Repeat the new password', 'a new velvet-canyon password');
    fireEvent.click(screen.getByRole('button', { name: 'Change password' }));
    expect(await screen.findByText(/Your other sessions have ended/)).toBeTruthy();
    expect(requests.filter(notSessionList).map((r) => [r.method, new URL(r.url).pathname, r.body])).toEqual([
      ['POST', '/api/v1/auth/password', { current_password: 'the old plum-orbit password', new_password: 'a new velvet-canyon password' }],
    ]);
    expect((screen.getByLabelText('Current password') as HTMLInputElement).value).toBe('');
  });

  it('shows the server\'s refusal, naming the field, and sends nothing when the two new passwords differ', async () => {
    const all = stubFetch(withSessions(() => [400, { error: 'The current password is wrong', details: ["current_password: does not match the account's password"] }]));
    const requests = { get length() { return all.filter(notSessionList).length; } };
    renderWithQueries(<AccountPage email="ada@example.com" />);
    fill('Current password', 'a wrong one');
    fill('New password', 'a new velvet-canyon password');
    fill('Repeat the new password', 'something else entirely');
    fireEvent.click(screen.getByRole('button', { name: 'Change password' }));
    expect((await screen.findByRole('alert')).textContent).toContain('The two passwords differ');
    expect(requests).toHaveLength(0);

    fill('Repeat the new password', 'a new velvet-canyon password');
    fireEvent.click(screen.getByRole('button', { name: 'Change password' }));
    expect(await screen.findByText(/current_password: does not match/)).toBeTruthy();
    expect(requests).toHaveLength(1);
  });

  it('lists the sessions, marks this one, and ends another after asking', async () => {
    const requests = stubFetch(withSessions(({ method, url }) => (method === 'DELETE' && new URL(url).pathname === '/api/v1/auth/sessions/the-laptop' ? [204, null] : [404, { error: 'unexpected' }])));
    renderWithQueries(<AccountPage email="ada@example.com" />);
    const rows = await screen.findAllByTestId('own-session');
    expect(rows).toHaveLength(2);
    expect(rows[0]!.textContent).toContain('this session');
    expect(rows[0]!.querySelector('button')).toBeNull();
    const confirm = jest.spyOn(window, 'confirm').mockReturnValueOnce(false).mockReturnValueOnce(true);
    fireEvent.click(screen.getByRole('button', { name: 'End session' }));
    expect(requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);
    fireEvent.click(screen.getByRole('button', { name: 'End session' }));
    await waitFor(() => expect(requests.filter((r) => r.method === 'DELETE').map((r) => new URL(r.url).pathname)).toEqual(['/api/v1/auth/sessions/the-laptop']));
    // The list is read again after ending one.
    await waitFor(() => expect(requests.filter((r) => !notSessionList(r)).length).toBeGreaterThanOrEqual(2));
    confirm.mockRestore();
  });
});
