import { randomUUID } from 'node:crypto';
import { ApiClient } from '../../support/api-client';
import { logInAs, startServerWithAdmin } from '../../support/signed-in';
import { apiKeyClient, createProject, createTask, type TestProject } from '../../support/task-fixtures';
import type { TestServer } from '../../support/test-server';
import { type SseConnection, openSse } from '../../read-side/support/sse-client';

/**
 * Revocation is immediate: removing a member, revoking a key, disabling an account, resetting or
 * changing a password and logging out each close the principal's open live streams within a second of
 * the revocation's answer (with a last `revoked` message), end the sessions the rules say, and make
 * stream tokens minted before it open nothing. The measured timings are printed.
 */
const LIMIT_MS = 1000;
const YEARLY = { schedule_config: { cron_expression: '0 0 1 1 *', timezone: 'UTC' } };

describe('revocation closes streams, sessions and stream tokens at once', () => {
  let server: TestServer;
  let admin: ApiClient;
  let project: TestProject;
  const open: SseConnection[] = [];
  const timings: Array<{ revocation: string; ms: number }> = [];

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin());
    project = await createProject(admin);
  });
  afterEach(() => {
    for (const connection of open.splice(0)) connection.close();
  });
  afterAll(async () => {
    if (timings.length > 0) {
      console.log(`revocation timings (answer → stream closed, limit ${LIMIT_MS} ms):\n${timings.map((t) => `  ${t.revocation}: ${t.ms.toFixed(0)} ms`).join('\n')}`);
    }
    await server?.stop();
  });

  const eventsUrl = (query = '') => `${server.url}/api/v1/projects/${project.id}/events${query}`;
  async function stream(headers: Record<string, string>, query = ''): Promise<SseConnection> {
    const connection = await openSse(eventsUrl(query), headers);
    open.push(connection);
    if (connection.status === 200) await connection.next((m) => m.event === 'ready');
    return connection;
  }
  const bearer = (client: ApiClient) => ({ authorization: `Bearer ${(client.credentials as { token: string }).token}` });
  const raw = (client: ApiClient) => ({ authorization: (client.credentials as { apiKey: string }).apiKey });
  async function streamToken(client: ApiClient): Promise<string> {
    const minted = await client.post(`/projects/${project.id}/events/token`);
    expect(minted.status).toBe(200);
    return `?token=${encodeURIComponent(minted.body.token as string)}`;
  }

  /** Waits for the stream's last message (generously: the machine may be loaded) and asserts it came within the limit of `answeredAt`. */
  async function closedWithin(sse: SseConnection, answeredAt: number, revocation: string, reason: string): Promise<void> {
    const revoked = await sse.next((m) => m.event === 'revoked', 10_000);
    await sse.ended;
    const ms = revoked.receivedAt - answeredAt;
    timings.push({ revocation, ms });
    expect(revoked.data).toEqual({ project_id: project.id, reason });
    expect(ms).toBeLessThanOrEqual(LIMIT_MS);
  }

  /** An account of its own, logged in as many times as asked (one session each). */
  async function person(role: 'viewer' | 'editor' | null, sessions: number, superAdmin = false): Promise<{ id: string; email: string; password: string; sessions: ApiClient[] }> {
    const email = `person-${randomUUID()}@example.com`;
    const password = 'a-person-password';
    const created = await admin.post('/users', { email, name: 'Person', password, super_admin: superAdmin });
    expect(created.status).toBe(201);
    if (role) expect((await admin.put(`/projects/${project.id}/members/${email}`, { role })).status).toBe(200);
    const clients: ApiClient[] = [];
    for (let i = 0; i < sessions; i++) clients.push(await logInAs(server.url, email, password));
    return { id: created.body.id as string, email, password, sessions: clients };
  }

  it('removing a member closes their stream; their stream token opens nothing more', async () => {
    const member = await person('viewer', 1);
    const [session] = member.sessions as [ApiClient];
    const token = await streamToken(session);
    const byHeader = await stream(bearer(session));
    const byToken = await stream({}, token);
    expect([byHeader.status, byToken.status]).toEqual([200, 200]);

    const removed = await admin.delete(`/projects/${project.id}/members/${member.email}`);
    const answeredAt = performance.now();
    expect(removed.status).toBe(204);
    await closedWithin(byHeader, answeredAt, 'member removed (session in header)', 'no longer allowed to read this project');
    await closedWithin(byToken, answeredAt, 'member removed (stream token)', 'no longer allowed to read this project');
    // Not a member: the project is not revealed, to a token minted before as to anything else.
    expect((await stream({}, token)).status).toBe(404);
    expect((await session.get(`/projects/${project.id}`)).status).toBe(404);
  });

  it('revoking a key closes its stream; the key answers 401 and its stream token opens nothing', async () => {
    const reader = await apiKeyClient(admin, project.id, 'read');
    const token = await streamToken(reader);
    const sse = await stream(raw(reader));
    expect(sse.status).toBe(200);
    const keys = (await admin.get(`/projects/${project.id}/api-keys`)).body as Array<{ id: string; name: string; revoked: boolean }>;
    const keyId = keys.find((k) => k.name === 'read key' && !k.revoked)!.id;

    const revoked = await admin.delete(`/projects/${project.id}/api-keys/${keyId}`);
    const answeredAt = performance.now();
    expect(revoked.status).toBe(204);
    await closedWithin(sse, answeredAt, 'API key revoked', 'the API key was revoked');
    const refused = await reader.get(`/projects/${project.id}`);
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ error: 'Unknown or revoked API key' });
    const byOldToken = await stream({}, token);
    expect(byOldToken.status).toBe(401);
    expect(byOldToken.body).toEqual({ error: 'The API key this stream token was issued to has been revoked' });
  });

  it('disabling an account closes the streams of all its sessions and ends them for good', async () => {
    const member = await person('editor', 2);
    const [first, second] = member.sessions as [ApiClient, ApiClient];
    const token = await streamToken(first);
    const streams = [await stream(bearer(first)), await stream(bearer(second))];

    const disabled = await admin.patch(`/users/${member.id}`, { disabled: true });
    const answeredAt = performance.now();
    expect(disabled.status).toBe(200);
    for (const sse of streams) await closedWithin(sse, answeredAt, 'account disabled', 'the session has ended');
    for (const session of [first, second]) expect((await session.get('/auth/me')).status).toBe(401);
    expect((await stream({}, token)).status).toBe(401);

    // Enabled again, the account logs in anew; the sessions ended with the disabling stay ended.
    expect((await admin.patch(`/users/${member.id}`, { disabled: false })).status).toBe(200);
    for (const session of [first, second]) expect((await session.get('/auth/me')).status).toBe(401);
    expect((await (await logInAs(server.url, member.email, member.password)).get('/auth/me')).status).toBe(200);
  });

  it('a password reset by a super admin ends every session of the account and closes their streams', async () => {
    const member = await person('viewer', 2);
    const [first, second] = member.sessions as [ApiClient, ApiClient];
    const token = await streamToken(second);
    const streams = [await stream(bearer(first)), await stream(bearer(second))];

    const reset = await admin.patch(`/users/${member.id}`, { password: 'a-new-password-set-by-the-admin' });
    const answeredAt = performance.now();
    expect(reset.status).toBe(200);
    for (const sse of streams) await closedWithin(sse, answeredAt, 'password reset', 'the session has ended');
    for (const session of [first, second]) {
      const refused = await session.get('/auth/me');
      expect(refused.status).toBe(401);
      expect(refused.body).toEqual({ error: 'Invalid or expired session' });
    }
    const byOldToken = await stream({}, token);
    expect(byOldToken.status).toBe(401);
    expect(byOldToken.body).toEqual({ error: 'The session this stream token was issued to has ended' });
    expect((await new ApiClient(server.url).post('/auth/login', { email: member.email, password: member.password })).status).toBe(401);
    expect((await (await logInAs(server.url, member.email, 'a-new-password-set-by-the-admin')).get('/auth/me')).status).toBe(200);
  });

  it('changing one\'s own password keeps the session it was changed with and ends the others', async () => {
    const self = await person(null, 2, true);
    const [current, other] = self.sessions as [ApiClient, ApiClient];
    const otherToken = await streamToken(other);
    const kept = await stream(bearer(current));
    const ended = await stream(bearer(other));

    const changed = await current.patch(`/users/${self.id}`, { password: 'my-own-new-password' });
    const answeredAt = performance.now();
    expect(changed.status).toBe(200);
    await closedWithin(ended, answeredAt, 'own password changed (other session)', 'the session has ended');
    expect((await other.get('/auth/me')).status).toBe(401);
    expect((await stream({}, otherToken)).status).toBe(401);
    // The session it was changed with goes on, and so does its stream.
    expect((await current.get('/auth/me')).status).toBe(200);
    const task = await createTask(admin, project.id, YEARLY);
    expect((await kept.next((m) => m.event === 'task' && m.data.task_id === task.id)).data.type).toBe('TaskCreated');
    expect(kept.messages.some((m) => m.event === 'revoked')).toBe(false);
  });

  it('logging out closes the session\'s stream; the session answers 401 and its stream token opens nothing', async () => {
    const member = await person('viewer', 2);
    const [leaving, staying] = member.sessions as [ApiClient, ApiClient];
    const token = await streamToken(leaving);
    const sse = await stream(bearer(leaving));
    const other = await stream(bearer(staying));

    const loggedOut = await leaving.post('/auth/logout');
    const answeredAt = performance.now();
    expect(loggedOut.status).toBe(204);
    await closedWithin(sse, answeredAt, 'logged out', 'the session has ended');
    const refused = await leaving.get('/auth/me');
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ error: 'Invalid or expired session' });
    expect((await stream({}, token)).status).toBe(401);
    // Only that session ended.
    expect((await staying.get('/auth/me')).status).toBe(200);
    const task = await createTask(admin, project.id, YEARLY);
    await other.next((m) => m.event === 'task' && m.data.task_id === task.id);
  });
});
