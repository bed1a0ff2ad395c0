import { EventEmitter } from 'node:events';
import type { Response } from 'express';
import type { ApiKeyPrincipal } from '../../src/auth/principal';
import { LiveEventsHub } from '../../src/http/live-events';
import { readSideOf } from '../../src/http/read-side';
import type { ApiClient } from '../support/api-client';
import { ManualClock } from '../support/manual-clock';
import { newSignedInUser, startServerWithAdmin } from '../support/signed-in';
import { apiKeyClient, createProject, createTask, type TestProject } from '../support/task-fixtures';
import type { TestServer } from '../support/test-server';
import { waitFor } from '../support/wait-for';
import { type SseConnection, openSse } from './support/sse-client';

const YEARLY = { schedule_config: { cron_expression: '0 0 1 1 *', timezone: 'UTC' } };

describe('live updates over server-sent events', () => {
  let server: TestServer;
  let admin: ApiClient;
  let project: TestProject;
  const clock = new ManualClock('2026-03-31T12:00:00.000Z');
  const open: SseConnection[] = [];

  const token = () => (admin.credentials as { token: string }).token;
  const eventsUrl = (projectId: string, query = '') => `${server.url}/api/v1/projects/${projectId}/events${query}`;
  async function stream(projectId: string, headers: Record<string, string> = {}, query = ''): Promise<SseConnection> {
    const connection = await openSse(eventsUrl(projectId, query), headers);
    open.push(connection);
    if (connection.status === 200) await connection.next((m) => m.event === 'ready');
    return connection;
  }

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin({ clock }));
    project = await createProject(admin);
  });
  afterEach(() => {
    for (const connection of open.splice(0)) connection.close();
  });
  afterAll(() => server?.stop());

  it('tells a subscriber about an execution, its stats and its end within a second of the report, after the read models have it', async () => {
    const task = await createTask(admin, project.id, YEARLY);
    const sse = await stream(project.id, { authorization: `Bearer ${token()}` });
    expect(sse.headers.get('content-type')).toMatch(/^text\/event-stream/);

    const triggered = await admin.post(`/projects/${project.id}/tasks/${task.id}/trigger`);
    const executionId = triggered.body.data.execution_uuid as string;
    const created = await sse.next((m) => m.event === 'execution' && m.data.execution_id === executionId);
    expect(created.data).toMatchObject({ execution_id: executionId, task_id: task.id, project_id: project.id, type: 'ExecutionCreated', status: 'PENDING' });
    expect(Number(created.id)).toBeGreaterThan(0);
    expect((await sse.next((m) => m.event === 'stats' && m.data.execution_id === executionId)).data).toMatchObject({
      project_id: project.id,
      task_id: task.id,
      status: 'PENDING',
      scheduled_at: triggered.body.data.scheduled_at,
    });

    const log = await project.executor.post(`/executions/${executionId}/logs`, { lines: [{ message: 'a', level: 'info' }, { message: 'b', level: 'warn' }] });
    expect(log.status).toBe(200);
    expect((await sse.next((m) => m.event === 'logs')).data).toEqual({ execution_id: executionId, task_id: task.id, project_id: project.id, lines: 2 });

    const sent = performance.now();
    const report = await project.executor.patch(`/executions/${executionId}/status`, { status: 'SUCCESS' });
    expect(report.status).toBe(200);
    const ended = await sse.next((m) => m.event === 'execution' && m.data.status === 'SUCCESS', 1000);
    expect(ended.receivedAt - sent).toBeLessThan(1000);
    expect(ended.data).toMatchObject({ execution_id: executionId, type: 'ExecutionSucceeded' });
    const stats = await sse.next((m) => m.event === 'stats' && m.data.status === 'SUCCESS', 1000);
    expect(stats.data.scheduled_at).toBe(triggered.body.data.scheduled_at);

    // Pushed only once the projections applied it: reading right away shows the change.
    const [detail, day] = await Promise.all([
      admin.get(`/executions/${executionId}`),
      admin.get(`/projects/${project.id}/stats?granularity=day&task_id=${task.id}&from=2026-03-31&to=2026-03-31`),
    ]);
    expect(detail.body.status).toBe('SUCCESS');
    expect(day.body.totals).toMatchObject({ total: 1, success: 1 });
  });

  it('tells about task changes, and only to subscribers of that project', async () => {
    const other = await createProject(admin);
    const mine = await stream(project.id, { authorization: `Bearer ${token()}` });
    const theirs = await stream(other.id, { authorization: `Bearer ${token()}` });
    const task = await createTask(admin, other.id, YEARLY);
    expect((await theirs.next((m) => m.event === 'task')).data).toEqual({ task_id: task.id, project_id: other.id, type: 'TaskCreated', status: 'ACTIVE' });
    const disabled = await admin.patch(`/projects/${other.id}/tasks/${task.id}/status`, { status: 'DISABLED' });
    expect(disabled.status).toBe(200);
    expect((await theirs.next((m) => m.event === 'task' && m.data.type === 'TaskStatusChanged')).data.status).toBe('DISABLED');
    expect(mine.messages.filter((m) => m.event !== 'ready')).toEqual([]);
  });

  it('accepts a session cookie, a short-lived stream token and read keys; refuses the rest', async () => {
    expect((await stream(project.id, { cookie: `co_session=${encodeURIComponent(token())}` })).status).toBe(200);

    const minted = await admin.post(`/projects/${project.id}/events/token`);
    expect(minted.status).toBe(200);
    expect(Date.parse(minted.body.expires_at) - clock.now().getTime()).toBe(60_000);
    const byToken = await stream(project.id, {}, `?token=${encodeURIComponent(minted.body.token)}`);
    expect(byToken.status).toBe(200);

    const other = await createProject(admin);
    const wrongProject = await stream(other.id, {}, `?token=${encodeURIComponent(minted.body.token)}`);
    expect(wrongProject.status).toBe(401);
    const tampered = await stream(project.id, {}, `?token=${encodeURIComponent(`${minted.body.token.slice(0, -3)}AAA`)}`);
    expect(tampered.status).toBe(401);
    expect(tampered.body).toEqual({ error: 'Invalid stream token' });

    const reader = await apiKeyClient(admin, project.id, 'read');
    const readKey = (reader.credentials as { apiKey: string }).apiKey;
    expect((await stream(project.id, { authorization: readKey })).status).toBe(200);
    const keyToken = await reader.post(`/projects/${project.id}/events/token`);
    expect(keyToken.status).toBe(200);
    const ingest = await apiKeyClient(admin, project.id, 'ingest');
    expect((await stream(project.id, { authorization: (ingest.credentials as { apiKey: string }).apiKey })).status).toBe(403);
    expect((await ingest.post(`/projects/${project.id}/events/token`)).status).toBe(403);
    expect((await stream(project.id)).status).toBe(401);
    expect((await stream(project.id, { authorization: 'Bearer nonsense' })).status).toBe(401);

    const outsider = await newSignedInUser(admin, `outsider-${Date.now()}@example.com`);
    const outsiderToken = (outsider.credentials as { token: string }).token;
    expect((await stream(project.id, { authorization: `Bearer ${outsiderToken}` })).status).toBe(404);
    expect((await outsider.post(`/projects/${project.id}/events/token`)).status).toBe(404);

    clock.set(new Date(clock.now().getTime() + 61_000));
    const expired = await stream(project.id, {}, `?token=${encodeURIComponent(keyToken.body.token)}`);
    expect(expired.status).toBe(401);
    expect(expired.body.error).toMatch(/expired/);
  });

  it('forgets a subscriber that goes away', async () => {
    const live = readSideOf(server.services).live;
    await waitFor(() => live.connectionCount === 0, { what: 'earlier streams closed' });
    const sse = await stream(project.id, { authorization: `Bearer ${token()}` });
    expect(live.connectionCount).toBe(1);
    sse.close();
    await waitFor(() => live.connectionCount === 0, { what: 'the stream to be forgotten' });
  });

  it('ends open streams when the server stops', async () => {
    const { server: other, admin: otherAdmin } = await startServerWithAdmin();
    const otherProject = await createProject(otherAdmin);
    const sse = await openSse(`${other.url}/api/v1/projects/${otherProject.id}/events`, {
      authorization: `Bearer ${(otherAdmin.credentials as { token: string }).token}`,
    });
    await sse.next((m) => m.event === 'ready');
    await other.stop();
    await sse.ended;
  });
});

/** A response that takes writes until told it is full, as a socket with a slow reader does. */
class FakeResponse extends EventEmitter {
  written: string[] = [];
  full = false;
  destroyed = false;
  ended = false;
  status() {
    return this;
  }
  set() {
    return this;
  }
  flushHeaders() {}
  write(chunk: string): boolean {
    this.written.push(chunk);
    return !this.full;
  }
  end() {
    this.ended = true;
  }
  destroy() {
    this.destroyed = true;
    this.emit('close');
  }
}

describe('the live events hub', () => {
  const reader: ApiKeyPrincipal = { kind: 'apiKey', keyId: 'k', projectId: 'p', scope: 'read' };
  const message = (i: number) => ({ event: 'execution' as const, projectId: 'p', position: i, data: { i } });

  it('sends heartbeat comments', async () => {
    const hub = new LiveEventsHub({ heartbeatMs: 20 });
    const response = new FakeResponse();
    hub.attach('p', response as unknown as Response, 7, reader, 0);
    await waitFor(() => response.written.filter((w) => w === ': ping\n\n').length >= 2, { what: 'two heartbeats' });
    expect(response.written[1]).toBe('id: 7\nevent: ready\ndata: {"project_id":"p","position":"7"}\n\n');
    hub.stop();
    expect(response.ended).toBe(true);
  });

  it('queues for a slow client up to its bound, then drops it; a client that catches up gets everything in order', () => {
    let dropped = 0;
    const hub = new LiveEventsHub({ maxBuffered: 10, onDropped: () => dropped++ });
    const slow = new FakeResponse();
    const catching = new FakeResponse();
    hub.attach('p', slow as unknown as Response, null, reader, 0);
    hub.attach('p', catching as unknown as Response, null, reader, 0);
    slow.full = true;
    catching.full = true;
    hub.publish(message(0)); // accepted by the socket, which now reports it is full
    for (let i = 1; i <= 5; i++) hub.publish(message(i));
    catching.full = false;
    catching.emit('drain');
    for (let i = 6; i <= 11; i++) hub.publish(message(i));
    expect(catching.written.filter((w) => w.startsWith('id:') && w.includes('execution')).map((w) => JSON.parse(w.split('data: ')[1]!).i)).toEqual(
      Array.from({ length: 12 }, (_, i) => i),
    );
    expect(slow.destroyed).toBe(true);
    expect(dropped).toBe(1);
    expect(hub.connectionCount).toBe(1);
    hub.stop();
  });
});
