import { randomUUID } from 'node:crypto';
import { ApiClient } from '../../support/api-client';
import { strongPassword } from '../../support/passwords';
import { logInAs, startServerWithAdmin } from '../../support/signed-in';
import { createProject } from '../../support/task-fixtures';
import type { TestServer } from '../../support/test-server';

/** GET /auth/sessions and DELETE /auth/sessions/{id}: each person sees and ends only their own sessions. */
describe('one\'s own sessions', () => {
  let server: TestServer;
  let admin: ApiClient;

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin());
  });
  afterAll(async () => {
    await server.stop();
  });

  async function person(): Promise<{ email: string; password: string; client: ApiClient }> {
    const email = `sessions-${randomUUID()}@example.com`;
    const password = strongPassword('sessions');
    expect((await admin.post('/users', { email, name: 'Quillon Varrest', password })).status).toBe(201);
    return { email, password, client: await logInAs(server.url, email, password) };
  }

  it('takes a session only: no credentials, a bad token or an API key get 401', async () => {
    const project = await createProject(admin);
    expect((await new ApiClient(server.url).get('/auth/sessions')).status).toBe(401);
    expect((await new ApiClient(server.url, { token: `cos_${randomUUID()}` }).get('/auth/sessions')).status).toBe(401);
    expect((await project.executor.get('/auth/sessions')).status).toBe(401);
    expect((await project.executor.delete(`/auth/sessions/${randomUUID()}`)).status).toBe(401);
  });

  it('lists one\'s open sessions, marks the current one, and ends another: its token stops working', async () => {
    const self = await person();
    const other = await logInAs(server.url, self.email, self.password);
    const listed = await self.client.get('/auth/sessions');
    expect(listed.status).toBe(200);
    expect(listed.body).toHaveLength(2);
    const current = listed.body.filter((s: { current: boolean }) => s.current);
    expect(current).toHaveLength(1);
    for (const session of listed.body) expect(Object.keys(session).sort()).toEqual(['created_at', 'current', 'expires_at', 'id']);
    const otherId = listed.body.find((s: { current: boolean }) => !s.current).id;

    expect((await self.client.delete(`/auth/sessions/${otherId}`)).status).toBe(204);
    expect((await other.get('/auth/me')).status).toBe(401);
    expect((await self.client.get('/auth/me')).status).toBe(200);
    const after = await self.client.get('/auth/sessions');
    expect(after.body.map((s: { id: string }) => s.id)).toEqual([current[0].id]);
    // Ended already: nothing to end.
    expect((await self.client.delete(`/auth/sessions/${otherId}`)).status).toBe(404);
  });

  it('neither shows nor ends another person\'s sessions (404, and theirs keeps working)', async () => {
    const first = await person();
    const second = await person();
    const secondIds = (await second.client.get('/auth/sessions')).body.map((s: { id: string }) => s.id);
    const firstIds = (await first.client.get('/auth/sessions')).body.map((s: { id: string }) => s.id);
    expect(firstIds.some((id: string) => secondIds.includes(id))).toBe(false);
    const refused = await first.client.delete(`/auth/sessions/${secondIds[0]}`);
    expect(refused.status).toBe(404);
    expect(refused.body.error).toMatch(/not found/i);
    expect((await second.client.get('/auth/me')).status).toBe(200);
    // A super admin neither: sessions are one's own.
    expect((await admin.delete(`/auth/sessions/${secondIds[0]}`)).status).toBe(404);
    expect((await second.client.get('/auth/me')).status).toBe(200);
  });

  it('answers 404 for an unknown session id', async () => {
    const self = await person();
    expect((await self.client.delete(`/auth/sessions/${randomUUID()}`)).status).toBe(404);
    expect((await self.client.delete('/auth/sessions/not-a-session')).status).toBe(404);
  });
});
