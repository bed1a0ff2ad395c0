/**
 * @jest-environment ./test/web/jsdom-environment.js
 */
import { fireEvent, screen } from '@testing-library/react';
import { LoginPage } from '../../web/src/pages/LoginPage';
import { renderWithQueries, stubFetch } from './render';

const SSO = { label: 'Sign in with Example ID', login_url: '/api/v1/auth/oidc/login' };

function answeringConfig(config: unknown) {
  return stubFetch(({ method, url }) => (method === 'GET' && new URL(url).pathname === '/api/v1/auth/config' ? [200, config] : [404, { error: 'unexpected' }]));
}

describe('the sign-in page', () => {
  it('shows the password form alone when the server has no single sign-on', async () => {
    answeringConfig({ password_sign_in: 'everyone', sso: null });
    renderWithQueries(<LoginPage />);
    expect(await screen.findByLabelText('Password')).toBeTruthy();
    expect(screen.queryByRole('link')).toBeNull();
  });

  it('shows the single sign-on button, leading to the server\'s login route, beside the password form', async () => {
    answeringConfig({ password_sign_in: 'everyone', sso: SSO });
    renderWithQueries(<LoginPage />);
    const button = await screen.findByRole('link', { name: 'Sign in with Example ID' });
    expect(button.getAttribute('href')).toBe('/api/v1/auth/oidc/login');
    expect(await screen.findByLabelText('Password')).toBeTruthy();
  });

  it('hides the password form when SSO only, until "Administrator sign-in" opens it for the break-glass admin', async () => {
    answeringConfig({ password_sign_in: 'break_glass_only', sso: SSO });
    renderWithQueries(<LoginPage />);
    expect(await screen.findByRole('link', { name: 'Sign in with Example ID' })).toBeTruthy();
    expect(screen.queryByLabelText('Password')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Administrator sign-in' }));
    expect(screen.getByLabelText('Password')).toBeTruthy();
    expect(screen.getByText(/break-glass administrator only/)).toBeTruthy();
  });
});
