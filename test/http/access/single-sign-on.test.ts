import { SESSION_LIFETIME_MS } from '../../../src/commands/flows/log-in';
import { LOGIN_TRANSACTION_LIFETIME_MS } from '../../../src/auth/oidc/login-transaction';
import { loadConfig } from '../../../src/config/config';
import { type RunningServer, startServer } from '../../../src/server';
import { ApiClient } from '../../support/api-client';
import { type BrowserAnswer, CookieBrowser } from '../../support/cookie-browser';
import { ManualClock } from '../../support/manual-clock';
import { OIDC_CALLBACK as CALLBACK, signInThroughProvider, throughProvider } from '../../support/oidc-sign-in';
import { startTestOidcProvider, type TestOidcProvider } from '../../support/oidc-test-provider';
import { strongPassword } from '../../support/passwords';
import { logInAs, TEST_ADMIN } from '../../support/signed-in';
import { makeTempDir } from '../../support/temp-dir';
import { testEngineEnv } from '../../support/test-stores';

const CLIENT_ID = 'cron-observer';

/**
 * Single sign-on end to end: a real OpenID Connect provider (oidc-provider, in a child process on
 * loopback) and a real server, a cookie-keeping client following every redirect and posting the
 * provider's sign-in and consent forms as a browser would.
 */
describe('single sign-on with OpenID Connect', () => {
  const clock = new ManualClock();
  const temp = makeTempDir('cron-observer-sso-');
  let provider: TestOidcProvider;
  let server: RunningServer;
  let appUrl: string;
  let admin: ApiClient;
  let projectId: string;

  beforeAll(async () => {
    provider = await startTestOidcProvider();
    const env = { PORT: '0', DATA_DIR: temp.dir, LOG_LEVEL: 'silent', ...testEngineEnv(temp.dir) };
    // The role map names a project, so the project exists first: made on a server without single sign-on,
    // whose ADMIN_EMAIL and ADMIN_PASSWORD are then removed, as SECURITY.md advises.
    const before = await startServer(loadConfig({ ...env, ADMIN_EMAIL: TEST_ADMIN.email, ADMIN_PASSWORD: TEST_ADMIN.password }), { clock });
    try {
      const project = await (await logInAs(before.url, TEST_ADMIN.email, TEST_ADMIN.password)).post('/projects', { name: 'Billing' });
      projectId = project.body.id;
    } finally {
      await before.close();
    }
    server = await startServer(
      loadConfig({
        ...env,
        OIDC_ISSUER: provider.issuer,
        OIDC_CLIENT_ID: CLIENT_ID,
        OIDC_SCOPES: 'openid email profile groups',
        OIDC_ROLE_MAP: `devs=${projectId}:editor,auditors=${projectId}:viewer,platform=super_admin`,
        OIDC_SSO_ONLY: 'true',
        OIDC_BUTTON_LABEL: 'Sign in with Example ID',
      }),
      { clock },
    );
    appUrl = server.services.config.publicUrl;
    await provider.serve({
      clients: [{ clientId: CLIENT_ID, redirectUri: `${appUrl}${CALLBACK}` }],
      accounts: {
        ada: { email: 'Ada@Example.com', email_verified: true, name: 'Ada Lovelace', groups: ['devs', 'auditors'] },
        grace: { email: 'grace@example.com', email_verified: true, name: 'Grace Hopper', groups: ['platform'] },
        mallory: { email: 'mallory@example.com', email_verified: false, groups: ['devs'] },
        dora: { email: 'dora@example.com', email_verified: true, name: 'Dora' },
      },
    });
    admin = await logInAs(appUrl, TEST_ADMIN.email, TEST_ADMIN.password);
  });
  afterAll(async () => {
    await server?.close();
    await provider?.stop();
    temp.cleanup();
  });

  async function signIn(login: string): Promise<{ browser: CookieBrowser; callback: BrowserAnswer; session: ApiClient }> {
    const { browser, callback, sessionCookie } = await signInThroughProvider(appUrl, login);
    return { browser, callback, session: new ApiClient(appUrl, { cookie: `co_session=${sessionCookie}` }) };
  }

  it('tells the sign-in page about the button, and that passwords are for the break-glass admin only', async () => {
    const options = await new ApiClient(appUrl).get('/auth/config');
    expect(options.status).toBe(200);
    expect(options.body).toEqual({ password_sign_in: 'break_glass_only', sso: { label: 'Sign in with Example ID', login_url: '/api/v1/auth/oidc/login' } });
  });

  it('sends the browser to the provider with state, nonce and an S256 PKCE challenge, keeping them in an HttpOnly cookie', async () => {
    const browser = new CookieBrowser();
    const start = await browser.request(`${appUrl}/api/v1/auth/oidc/login`);
    expect(start.status).toBe(302);
    const authorization = new URL(start.headers.get('location')!);
    expect(authorization.origin).toBe(provider.issuer);
    const query = Object.fromEntries(authorization.searchParams);
    expect(query).toMatchObject({ client_id: CLIENT_ID, response_type: 'code', code_challenge_method: 'S256', redirect_uri: `${appUrl}${CALLBACK}` });
    expect(query.state).toMatch(/^[\w-]{43}$/);
    expect(query.nonce).toMatch(/^[\w-]{43}$/);
    expect(query.code_challenge).toMatch(/^[\w-]{43}$/);
    expect(start.headers.get('set-cookie')).toMatch(/^co_oidc=[\w-]+; Path=\/api\/v1\/auth\/oidc; Max-Age=600; HttpOnly; SameSite=Lax$/);
  });

  it('creates the account at the first sign-in, gives the mapped project role, and opens a session', async () => {
    const { callback, session } = await signIn('ada');
    expect(callback.status).toBe(303);
    expect(callback.headers.get('location')).toBe(`${appUrl}/`);
    expect(callback.headers.getSetCookie()).toEqual([expect.stringMatching(/^co_oidc=; .*Max-Age=0/), expect.stringMatching(/^co_session=cos_[\w-]+; Path=\/; .*HttpOnly/)]);
    const me = await session.get('/auth/me');
    expect(me.status).toBe(200);
    // devs → editor and auditors → viewer in one project: the higher role.
    expect(me.body).toMatchObject({
      user: { email: 'ada@example.com', name: 'Ada Lovelace', status: 'active' },
      super_admin: false,
      memberships: [{ project_id: projectId, project_name: 'Billing', role: 'editor' }],
    });
    const audit = await admin.get(`/projects/${projectId}/audit`);
    expect(JSON.stringify(audit.body)).toContain('system:sso');
  });

  it('uses the same account at the next sign-in', async () => {
    const first = await (await signIn('ada')).session.get('/auth/me');
    const second = await (await signIn('ada')).session.get('/auth/me');
    expect(second.body.user.id).toBe(first.body.user.id);
    const users = await admin.get('/users');
    expect(users.body.filter((u: { email: string }) => u.email === 'ada@example.com')).toHaveLength(1);
  });

  it('makes a super admin of a group mapped to super_admin', async () => {
    const me = await (await signIn('grace')).session.get('/auth/me');
    expect(me.body).toMatchObject({ user: { email: 'grace@example.com' }, super_admin: true, memberships: [] });
  });

  it('refuses a callback whose state is not the one this browser started with: 400, no session', async () => {
    const browser = new CookieBrowser();
    const callback = await throughProvider(browser, appUrl, 'ada');
    callback.searchParams.set('state', 'forged-state-from-another-browser');
    const answer = await browser.request(callback);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({ error: 'Single sign-on refused', details: [expect.stringMatching(/^state: /)] });
    expect(answer.headers.getSetCookie()).toEqual([expect.stringMatching(/^co_oidc=; .*Max-Age=0/)]);
    // The transaction is spent: the genuine answer cannot be replayed after a refusal.
    callback.searchParams.delete('state');
    expect((await browser.request(callback)).status).toBe(400);
  });

  it('refuses an ID token whose nonce is not the one this browser started with: 400, no session', async () => {
    const browser = new CookieBrowser();
    const callback = await throughProvider(browser, appUrl, 'ada');
    const host = new URL(appUrl).host;
    const transaction = JSON.parse(Buffer.from(browser.cookieValue('co_oidc', host)!, 'base64url').toString());
    browser.setCookieValue('co_oidc', host, Buffer.from(JSON.stringify({ ...transaction, nonce: 'another-nonce' })).toString('base64url'));
    const answer = await browser.request(callback);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).details).toEqual([expect.stringMatching(/^nonce: /)]);
    expect(browser.cookieValue('co_session', host)).toBeUndefined();
  });

  it('says so when the person cancels at the provider: 400 with the provider\'s error, no session', async () => {
    const browser = new CookieBrowser();
    const { hops } = await browser.follow(`${appUrl}/api/v1/auth/oidc/login`);
    const cancel = /<a href="([^"]+)">\[ Cancel \]<\/a>/.exec(hops.at(-1)!.body)?.[1];
    const { stoppedAt } = await browser.follow(new URL(cancel!.replace(/&amp;/g, '&'), hops.at(-1)!.url), (url) => url.pathname === CALLBACK);
    const answer = await browser.request(stoppedAt!);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).details).toEqual(['access_denied: End-User aborted interaction']);
    expect(browser.cookieValue('co_session', new URL(appUrl).host)).toBeUndefined();
  });

  it('refuses a sign-in that took longer than its lifetime', async () => {
    const browser = new CookieBrowser();
    const callback = await throughProvider(browser, appUrl, 'ada');
    clock.set(new Date(clock.now().getTime() + LOGIN_TRANSACTION_LIFETIME_MS + 1000));
    const answer = await browser.request(callback);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).details).toEqual([expect.stringMatching(/^state: this sign-in was started at .* and expired after 10 minutes/)]);
  });

  it('refuses an email the provider does not vouch for (403), creating no account', async () => {
    const { callback } = await signIn('mallory');
    expect(callback.status).toBe(403);
    expect(JSON.parse(callback.body).details).toEqual([expect.stringMatching(/^email_verified: /)]);
    const users = await admin.get('/users');
    expect(users.body.map((u: { email: string }) => u.email)).not.toContain('mallory@example.com');
  });

  it('refuses a disabled account (403), though the provider vouches for it', async () => {
    const me = await (await signIn('dora')).session.get('/auth/me');
    expect((await admin.patch(`/users/${me.body.user.id}`, { disabled: true })).status).toBe(200);
    const { callback, browser } = await signIn('dora');
    expect(callback.status).toBe(403);
    expect(JSON.parse(callback.body)).toEqual({ error: 'This account is disabled; ask a super admin to enable it' });
    expect(browser.cookieValue('co_session', new URL(appUrl).host)).toBeUndefined();
  });

  it('refuses password sign-in (403) to everyone but the break-glass admin, the first super admin', async () => {
    const password = strongPassword('kept');
    expect((await admin.post('/users', { email: 'kept@example.com', name: 'Kept', password })).status).toBe(201);
    const refused = await new ApiClient(appUrl).post('/auth/login', { email: 'kept@example.com', password });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({
      error: 'Password sign-in is turned off on this server',
      details: ['password: refused while OIDC_SSO_ONLY is true; use "Sign in with Example ID" (GET /api/v1/auth/oidc/login)'],
    });
    expect((await new ApiClient(appUrl).post('/auth/login', { email: TEST_ADMIN.email, password: TEST_ADMIN.password })).status).toBe(200);
  });

  // Last: it moves the clock past every session's lifetime, the admin's too.
  it('ends the session it opened when the session expires', async () => {
    const { session } = await signIn('ada');
    expect((await session.get('/auth/me')).status).toBe(200);
    clock.set(new Date(clock.now().getTime() + SESSION_LIFETIME_MS + 1000));
    expect((await session.get('/auth/me')).status).toBe(401);
  });
});
