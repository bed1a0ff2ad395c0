/**
 * Single sign-on in a real Chromium (chromium-session.ts) against a real OpenID Connect provider
 * (oidc-provider in a child process on loopback): the sign-in page's button, the provider's own
 * sign-in and consent pages, and back to the dashboard signed in, with no CSP violation.
 */
import type { Page } from 'playwright-core';
import { startTestOidcProvider, type TestOidcProvider } from '../../support/oidc-test-provider';
import { type ChromiumSession, describeInChromium, openChromiumSession } from './chromium-session';

describeInChromium('single sign-on in Chromium', () => {
  let provider: TestOidcProvider;
  let session: ChromiumSession;
  let page: Page;
  /** The address the server names in its redirect URI: the browser starts there, so the sign-in cookie comes back. */
  let appUrl: string;

  beforeAll(async () => {
    provider = await startTestOidcProvider();
    session = await openChromiumSession({}, {
      OIDC_ISSUER: provider.issuer,
      OIDC_CLIENT_ID: 'cron-observer',
      OIDC_SSO_ONLY: 'true',
      OIDC_BUTTON_LABEL: 'Sign in with Example ID',
    });
    page = session.page;
    appUrl = session.server.services.config.publicUrl;
    await provider.serve({
      clients: [{ clientId: 'cron-observer', redirectUri: `${appUrl}/api/v1/auth/oidc/callback` }],
      accounts: { ada: { email: 'ada@example.com', email_verified: true, name: 'Ada Lovelace' } },
    });
  }, 60_000);

  afterAll(async () => {
    await session?.close();
    await provider?.stop();
  });

  test('signs in with the button through the provider, and lands on the dashboard signed in', async () => {
    await page.goto(`${appUrl}/`);
    await page.getByRole('heading', { name: 'Sign in to Cron Observer' }).waitFor();
    // SSO only: no password form until "Administrator sign-in".
    expect(await page.getByLabel('Password').count()).toBe(0);
    await session.shot('sso-sign-in-page');
    await page.getByRole('link', { name: 'Sign in with Example ID' }).click();

    await page.waitForURL((url) => url.origin === provider.issuer);
    await page.locator('input[name="login"]').fill('ada');
    await page.locator('input[name="password"]').fill('any password');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();

    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    expect(new URL(page.url()).origin).toBe(new URL(appUrl).origin);
    await page.getByText('ada@example.com').waitFor();
    await session.shot('sso-signed-in');
    expect(session.cspViolations).toEqual([]);
  });
});
