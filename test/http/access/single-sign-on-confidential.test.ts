import { ApiClient } from '../../support/api-client';
import { CookieBrowser } from '../../support/cookie-browser';
import { OIDC_CALLBACK, signInThroughProvider, throughProvider } from '../../support/oidc-sign-in';
import { startTestOidcProvider, type TestOidcProvider } from '../../support/oidc-test-provider';
import { startTestServer, type TestServer } from '../../support/test-server';

/** A confidential client (OIDC_CLIENT_SECRET, client_secret_post) against a real provider, and that provider going away. */
describe('single sign-on with a client secret', () => {
  let provider: TestOidcProvider;
  let server: TestServer;
  let appUrl: string;

  beforeAll(async () => {
    provider = await startTestOidcProvider();
    server = await startTestServer({ OIDC_ISSUER: provider.issuer, OIDC_CLIENT_ID: 'confidential', OIDC_CLIENT_SECRET: 'a-client-secret-for-tests' });
    appUrl = server.services.config.publicUrl;
    await provider.serve({
      clients: [{ clientId: 'confidential', clientSecret: 'a-client-secret-for-tests', redirectUri: `${appUrl}${OIDC_CALLBACK}` }],
      accounts: { ada: { email: 'ada@example.com', email_verified: true } },
    });
  });
  afterAll(async () => {
    await server?.stop();
    await provider?.stop();
  });

  it('exchanges the code with its secret and opens a session', async () => {
    const { callback, sessionCookie } = await signInThroughProvider(appUrl, 'ada');
    expect(callback.status).toBe(303);
    const me = await new ApiClient(appUrl, { cookie: `co_session=${sessionCookie}` }).get('/auth/me');
    expect(me.body.user).toMatchObject({ email: 'ada@example.com', name: 'ada' });
  });

  it('answers 503 when the provider cannot be reached for the code exchange, opening no session', async () => {
    const browser = new CookieBrowser();
    const callback = await throughProvider(browser, appUrl, 'ada');
    await provider.stop();
    const answer = await browser.request(callback);
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body).error).toMatch(/^The sign-on provider http:\/\/127\.0\.0\.1:\d+ could not be reached: .*ECONNREFUSED/);
    expect(browser.cookieValue('co_session', new URL(appUrl).host)).toBeUndefined();
  });
});
