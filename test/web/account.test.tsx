/**
 * @jest-environment ./test/web/jsdom-environment.js
 */
import { fireEvent, screen } from '@testing-library/react';
import { AccountPage } from '../../web/src/pages/AccountPage';
import { renderWithQueries, stubFetch } from './render';

function fill(label: string, value: string): void {
  fireEvent.change(screen.getByLabelText(label), { target: { value } });
}

describe('the account page', () => {
  it('changes the password with the current one, and says the other sessions ended', async () => {
    const requests = stubFetch(({ method, url }) => (method === 'POST' && new URL(url).pathname === '/api/v1/auth/password' ? [204, null] : [404, { error: 'unexpected' }]));
    renderWithQueries(<AccountPage email="ada@example.com" />);
    fill('Current password', 'the old plum-orbit password');
    fill('New password', 'a new velvet-canyon password');
    fill('Repeat the new password', 'a new velvet-canyon password');
    fireEvent.click(screen.getByRole('button', { name: 'Change password' }));
    expect((await screen.findByRole('status')).textContent).toContain('Your other sessions have ended');
    expect(requests.map((r) => [r.method, new URL(r.url).pathname, r.body])).toEqual([
      ['POST', '/api/v1/auth/password', { current_password: 'the old plum-orbit password', new_password: 'a new velvet-canyon password' }],
    ]);
    expect((screen.getByLabelText('Current password') as HTMLInputElement).value).toBe('');
  });

  it('shows the server\'s refusal, naming the field, and sends nothing when the two new passwords differ', async () => {
    const requests = stubFetch(() => [400, { error: 'The current password is wrong', details: ["current_password: does not match the account's password"] }]);
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
});
