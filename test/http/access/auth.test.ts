import { SESSION_LIFETIME_MS } from '../../../src/commands/flows/log-in';
import { ApiClient } from '../../support/api-client';
import { ManualClock } from '../../support/manual-clock';
import { strongPassword } from '../../support/passwords';
import { logInAs, newSignedInUser, startServerWithAdmin, TEST_ADMIN } from '../../support/signed-in';
import type { TestServer } from '../../support/test-server';

describe('sessions: login, logout, me', () => {
  let server: TestServer;
  let admin: ApiClient;
  let anonymous: ApiClient;
  /** The server's clock; the last test moves it forward. */
  const clock = new ManualClock();

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin({ clock }));
    anonymous = new ApiClient(server.url);
  });
  afterAll(async () => {
    await server.stop();
  });

  it('logs in with email and password, answering a token, its expiry, the user and an HttpOnly cookie', async () => {
    const response = await anonymous.post('/auth/login', { email: ' Root@Example.com ', password: TEST_ADMIN.password });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      token: expect.stringMatching(/^cos_/),
      expires_at: new Date(clock.now().getTime() + SESSION_LIFETIME_MS).toISOString(),
      user: {
        id: expect.any(String),
        uuid: response.body.user.id,
        email: TEST_ADMIN.email,
        name: 'Administrator',
        super_admin: true,
        disabled: false,
        status: 'active',
        created_at: expect.any(String),
        updated_at: expect.any(String),
      },
    });
    const cookie = response.headers.get('set-cookie')!;
    expect(cookie).toMatch(new RegExp(`^co_session=${response.body.token}; `));
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Lax/);
  });

  it('refuses a wrong password and an unknown email alike with 401', async () => {
    const wrong = await anonymous.post('/auth/login', { email: TEST_ADMIN.email, password: 'not-the-password' });
    const unknown = await anonymous.post('/auth/login', { email: 'nobody@example.com', password: 'whatever-it-is' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual({ error: 'Wrong email or password' });
    expect(unknown.body).toEqual(wrong.body);
  });

  it('answers 400 with details for a malformed login body', async () => {
    const response = await anonymous.post('/auth/login', { email: TEST_ADMIN.email });
    expect(response.status).toBe(400);
    expect(response.body.details).toEqual([expect.stringMatching(/^password: /)]);
  });

  it('serves /auth/me with the bearer token and with the cookie', async () => {
    const login = await anonymous.post('/auth/login', { email: TEST_ADMIN.email, password: TEST_ADMIN.password });
    const byBearer = await anonymous.as({ token: login.body.token }).get('/auth/me');
    const byCookie = await anonymous.as({ cookie: login.headers.get('set-cookie')!.split(';')[0]! }).get('/auth/me');
    expect(byBearer.status).toBe(200);
    expect(byBearer.body).toEqual({ user: login.body.user, super_admin: true, memberships: [] });
    expect(byCookie.body).toEqual(byBearer.body);
  });

  it('lists memberships with their roles', async () => {
    const member = await newSignedInUser(admin, 'member@example.com');
    const project = await admin.post('/projects', { name: 'Me-project' });
    await admin.put(`/projects/${project.body.id}/members/member@example.com`, { role: 'readonly' });
    const me = await member.get('/auth/me');
    expect(me.body).toMatchObject({
      super_admin: false,
      memberships: [{ project_id: project.body.id, project_name: 'Me-project', role: 'viewer' }],
    });
  });

  it('answers 401 without credentials and with an unknown token', async () => {
    expect((await anonymous.get('/auth/me')).status).toBe(401);
    const bad = await anonymous.as({ token: 'cos_not-a-token' }).get('/auth/me');
    expect(bad.status).toBe(401);
    expect(bad.body).toEqual({ error: 'Invalid or expired session' });
  });

  it('logs out: the token stops working and the cookie is cleared', async () => {
    const user = await logInAs(server.url, TEST_ADMIN.email, TEST_ADMIN.password);
    const logout = await user.post('/auth/logout');
    expect(logout.status).toBe(204);
    expect(logout.headers.get('set-cookie')).toMatch(/^co_session=; Path=\/; Max-Age=0; /);
    expect((await user.get('/auth/me')).status).toBe(401);
    // The admin's other sessions are not affected.
    expect((await admin.get('/auth/me')).status).toBe(200);
  });

  it('ends the sessions of a disabled account at once, and refuses its login with 403', async () => {
    const user = await newSignedInUser(admin, 'leaver@example.com', 'leaver');
    const { body: me } = await user.get('/auth/me');
    expect((await admin.patch(`/users/${me.user.id}`, { disabled: true })).status).toBe(200);
    expect((await user.get('/auth/me')).status).toBe(401);
    const login = await anonymous.post('/auth/login', { email: 'leaver@example.com', password: strongPassword('leaver') });
    expect(login.status).toBe(403);
  });

  // Last: it moves the server clock past every session opened so far.
  it('refuses an expired session with 401 (expiry is checked against the server clock)', async () => {
    const user = await logInAs(server.url, TEST_ADMIN.email, TEST_ADMIN.password);
    expect((await user.get('/auth/me')).status).toBe(200);
    await clock.advance(SESSION_LIFETIME_MS + 1000);
    expect((await user.get('/auth/me')).status).toBe(401);
    // A new login works at the new time.
    const fresh = await logInAs(server.url, TEST_ADMIN.email, TEST_ADMIN.password);
    expect((await fresh.get('/auth/me')).status).toBe(200);
  });
});
