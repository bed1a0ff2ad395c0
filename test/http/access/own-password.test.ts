import { randomUUID } from 'node:crypto';
import { ApiClient } from '../../support/api-client';
import { strongPassword } from '../../support/passwords';
import { logInAs, startServerWithAdmin } from '../../support/signed-in';
import { createProject } from '../../support/task-fixtures';
import type { TestServer } from '../../support/test-server';

/**
 * POST /auth/password: a person changes their own password, proving the current one. The session-ending
 * side is in revocation.test.ts; this covers who may call it and what it refuses.
 */
describe('changing one\'s own password', () => {
  let server: TestServer;
  let admin: ApiClient;

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin({ loginThrottle: { pairFreeFailures: 3 } }));
  });
  afterAll(async () => {
    await server.stop();
  });

  async function person(): Promise<{ email: string; password: string; client: ApiClient }> {
    const email = `self-${randomUUID()}@example.com`;
    const password = strongPassword('self');
    expect((await admin.post('/users', { email, name: 'Zorbulon Quexatl', password })).status).toBe(201);
    return { email, password, client: await logInAs(server.url, email, password) };
  }

  it('takes a session only: no credentials, a bad token or an API key get 401', async () => {
    const project = await createProject(admin);
    const body = { current_password: 'whatever it is', new_password: strongPassword('next') };
    expect((await new ApiClient(server.url).post('/auth/password', body)).status).toBe(401);
    expect((await new ApiClient(server.url, { token: `cos_${randomUUID()}` }).post('/auth/password', body)).status).toBe(401);
    expect((await project.executor.post('/auth/password', body)).status).toBe(401);
  });

  it('refuses a wrong current password (400 naming the field) and changes nothing', async () => {
    const self = await person();
    const refused = await self.client.post('/auth/password', { current_password: 'not my password at all', new_password: strongPassword('next') });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ error: 'The current password is wrong', details: ["current_password: does not match the account's password"] });
    expect((await logInAs(server.url, self.email, self.password).then((c) => c.get('/auth/me'))).status).toBe(200);
  });

  it('holds the new password to the rule, the name and email counting against it, and never quotes it', async () => {
    const self = await person();
    // `zorbulonquexatl` alone would pass: it is the account's own name that makes it weak.
    for (const weak of ['password1234', 'zorbulonquexatl', '12345678']) {
      const refused = await self.client.post('/auth/password', { current_password: self.password, new_password: weak });
      expect(refused.status).toBe(400);
      expect(JSON.stringify(refused.body)).toContain('new_password');
      expect(JSON.stringify(refused.body)).not.toContain(weak);
    }
    expect((await self.client.get('/auth/me')).status).toBe(200);
  });

  it('makes wrong guesses wait like failed sign-ins (429 with Retry-After)', async () => {
    const self = await person();
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 6; i++) {
      const answer = await self.client.post('/auth/password', { current_password: `guess number ${i}`, new_password: strongPassword('next') });
      statuses.push(answer.status);
      if (answer.status === 429) retryAfter = answer.headers.get('retry-after');
    }
    expect(statuses.slice(0, 4)).toEqual([400, 400, 400, 400]);
    expect(statuses.slice(4)).toEqual([429, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  });
});
