import { ApiClient, type ApiResponse } from '../../support/api-client';
import { capturedLogger } from '../../support/captured-logger';
import { strongPassword } from '../../support/passwords';
import { logInAs, newSignedInUser, startServerWithAdmin } from '../../support/signed-in';
import type { TestServer } from '../../support/test-server';

const PUBLIC_URL = 'https://cron.example.com';

/** Every place a password is set holds it to one rule: 12 characters or more, zxcvbn score 3 or more. */
describe('the password rule', () => {
  let server: TestServer;
  let admin: ApiClient;
  let anonymous: ApiClient;
  const log = capturedLogger();

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin({ logger: log.logger }, { PUBLIC_URL }));
    anonymous = new ApiClient(server.url);
  });
  afterAll(async () => {
    await server.stop();
  });

  const WEAK: Array<[string, RegExp]> = [
    ['12345678', /^password: /],
    ['password', /^password: /],
    ['correcthorse', /^password: too easy to guess \(strength 1 of 4, at least 3 needed\)\. Add more words that are less common\.$/],
    ['passwordpassword', /^password: too easy to guess \(strength 0 of 4, at least 3 needed\)\. .+/],
    ['x'.repeat(1024), /^password: too easy to guess /],
  ];

  /** A 400 naming the password and the rule, with nothing of the password in it. */
  function expectRefused(response: ApiResponse, password: string, rule: RegExp): void {
    expect(response.status).toBe(400);
    expect(response.body.details).toEqual([expect.stringMatching(rule)]);
    expect(JSON.stringify(response.body).replaceAll('password:', '')).not.toContain(password.slice(0, 8));
  }

  it('refuses weak passwords for a new account with the rule and the estimator advice, and takes a strong one', async () => {
    for (const [password, rule] of WEAK) {
      expectRefused(await admin.post('/users', { email: 'weak@example.com', name: 'Weak', password }), password, rule);
    }
    const short = await admin.post('/users', { email: 'weak@example.com', name: 'Weak', password: '12345678' });
    expect(short.body.details).toEqual(['password: minLength 12']);
    // The account's own words count against it.
    const ownName = await admin.post('/users', { email: 'marguerite.delacroix@example.com', name: 'Marguerite Delacroix', password: 'MargueriteDelacroix' });
    expectRefused(ownName, 'MargueriteDelacroix', /^password: too easy to guess /);

    const created = await admin.post('/users', { email: 'strong@example.com', name: 'Strong', password: strongPassword('strong') });
    expect(created.status).toBe(201);
    await logInAs(server.url, 'strong@example.com', strongPassword('strong'));
  });

  it('refuses a weak new password from a super admin and keeps the old one', async () => {
    const user = await newSignedInUser(admin, 'change@example.com', 'change');
    const { body: me } = await user.get('/auth/me');
    for (const [password, rule] of WEAK) expectRefused(await admin.patch(`/users/${me.user.id}`, { password }), password, rule);
    await logInAs(server.url, 'change@example.com', strongPassword('change'));
    expect((await admin.patch(`/users/${me.user.id}`, { password: strongPassword('changed') })).status).toBe(200);
    await logInAs(server.url, 'change@example.com', strongPassword('changed'));
  });

  it('refuses a weak password when an invitation is accepted; the link still works with a strong one', async () => {
    const owner = await newSignedInUser(admin, 'inviter@example.com', 'inviter');
    const projectId = (await owner.post('/projects', { name: 'Invites' })).body.id as string;
    expect((await owner.put(`/projects/${projectId}/members/guest@example.com`, { role: 'viewer' })).status).toBe(200);
    const link = String(log.entries().find((e) => e.email === 'guest@example.com' && typeof e.link === 'string')!.link);
    const token = link.slice(`${PUBLIC_URL}/invite/`.length);
    for (const [password, rule] of WEAK) {
      expectRefused(await anonymous.post(`/auth/invitations/${token}/accept`, { name: 'Guest', password }), password, rule);
    }
    expect((await anonymous.post(`/auth/invitations/${token}/accept`, { name: 'Guest', password: strongPassword('guest') })).status).toBe(200);
    await logInAs(server.url, 'guest@example.com', strongPassword('guest'));
  });

  it('still lets an existing account sign in with the password it has: the rule is for passwords being set', async () => {
    // Signing in checks the password against its hash only (a short wrong one is a 401, not a 400).
    expect((await anonymous.post('/auth/login', { email: 'strong@example.com', password: 'short' })).status).toBe(401);
  });
});
