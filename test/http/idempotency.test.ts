import type { ApiClient } from '../support/api-client';
import { startServerWithAdmin } from '../support/signed-in';
import type { TestServer } from '../support/test-server';

describe('Idempotency-Key on mutating requests', () => {
  let server: TestServer;
  let admin: ApiClient;
  let token: string;

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin());
    token = (admin.credentials as { token: string }).token;
  });
  afterAll(async () => {
    await server.stop();
  });

  const post = (path: string, body: unknown, key: string, authorization = `Bearer ${token}`) =>
    fetch(`${server.url}/api/v1${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization, 'idempotency-key': key },
      body: JSON.stringify(body),
    });

  it('returns the first answer for a repeated key and creates nothing twice', async () => {
    const first = await post('/projects', { name: 'Idempotent' }, 'create-1');
    const second = await post('/projects', { name: 'Idempotent' }, 'create-1');
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(await second.json()).toEqual(await first.json());
    const projects = await admin.get('/projects');
    expect(projects.body.filter((p: { name: string }) => p.name === 'Idempotent')).toHaveLength(1);
  });

  it('appends a retried log line once', async () => {
    const project = await post('/projects', { name: 'Logs once' }, 'create-2');
    const { id: projectId, api_key: apiKey } = (await project.json()) as { id: string; api_key: string };
    const task = await admin.post(`/projects/${projectId}/tasks`, {
      name: 'job',
      schedule_type: 'RECURRING',
      schedule_config: { cron_expression: '0 0 * * *', timezone: 'UTC' },
    });
    expect(task.status).toBe(201);
    const trigger = await admin.post(`/projects/${projectId}/tasks/${task.body.id}/trigger`);
    const executionId = trigger.body.data.execution_uuid as string;
    const concurrent = await Promise.all([1, 2, 3].map(() => post(`/executions/${executionId}/logs`, { message: 'hello', level: 'info' }, 'log-1', apiKey)));
    expect(concurrent.map((r) => r.status)).toEqual([200, 200, 200]);
    await server.services.projections.whenCaughtUp();
    const logs = await admin.get(`/executions/${executionId}/logs`);
    expect(logs.status).toBe(200);
    expect(JSON.stringify(logs.body).match(/hello/g)).toHaveLength(1);
  });

  it('refuses a key reused with a different body, and a malformed key', async () => {
    expect((await post('/projects', { name: 'First body' }, 'reuse-1')).status).toBe(201);
    const reused = await post('/projects', { name: 'Second body' }, 'reuse-1');
    expect(reused.status).toBe(409);
    expect(await reused.json()).toEqual({ error: 'Idempotency-Key was already used with a different request body' });
    const malformed = await post('/projects', { name: 'x' }, 'spaces are not allowed');
    expect(malformed.status).toBe(400);
  });
});
