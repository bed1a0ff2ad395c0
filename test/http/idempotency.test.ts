import { executionLogStream, executionStream } from '../../src/events/streams';
import { IDEMPOTENCY_TTL_MS, type IdempotencyRecords } from '../../src/stores/events/event-store';
import type { ApiClient } from '../support/api-client';
import { startServerWithAdmin } from '../support/signed-in';
import { apiKeyClient, createProject, createTask, type TestProject } from '../support/task-fixtures';
import type { TestServer } from '../support/test-server';

describe('Idempotency-Key on mutating requests', () => {
  let server: TestServer;
  let admin: ApiClient;
  let token: string;
  /** The event store's clock, which keys expire by. */
  let storeNow = Date.now();

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin({ storeClock: () => storeNow }));
    token = (admin.credentials as { token: string }).token;
  });
  afterAll(async () => {
    await server.stop();
  });

  const send = (method: string, path: string, body: unknown, key: string, authorization = `Bearer ${token}`) =>
    fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization, 'idempotency-key': key },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const post = (path: string, body: unknown, key: string, authorization = `Bearer ${token}`) => send('POST', path, body, key, authorization);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const answerOf = async (response: Response): Promise<{ status: number; body: any; replayed: string | null }> => ({
    status: response.status,
    body: await response.json(),
    replayed: response.headers.get('idempotent-replayed'),
  });

  /** A project with a task triggered once: the execution executors report on. */
  async function execution(): Promise<{ project: TestProject; taskId: string; executionId: string }> {
    const project = await createProject(admin);
    const task = await createTask(admin, project.id);
    const trigger = await admin.post(`/projects/${project.id}/tasks/${task.id}/trigger`);
    expect(trigger.status).toBe(201);
    return { project, taskId: task.id as string, executionId: trigger.body.data.execution_uuid as string };
  }
  const streamLength = async (stream: string) => (await server.services.events.readStream(stream)).length;

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

  it('takes the caller from the credential: a key sent raw and as Bearer is one caller, another key another', async () => {
    const { project, executionId } = await execution();
    const line = { message: 'once per caller', level: 'info' };
    const raw = await send('POST', `/executions/${executionId}/logs`, line, 'caller-1', project.apiKey);
    const bearer = await send('POST', `/executions/${executionId}/logs`, line, 'caller-1', `Bearer ${project.apiKey}`);
    expect(await answerOf(raw)).toEqual({ status: 200, body: { message: 'Log appended successfully' }, replayed: null });
    expect(await answerOf(bearer)).toEqual({ status: 200, body: { message: 'Log appended successfully' }, replayed: 'true' });
    const otherKey = (await apiKeyClient(admin, project.id, 'ingest')).credentials as { apiKey: string };
    const other = await send('POST', `/executions/${executionId}/logs`, line, 'caller-1', otherKey.apiKey);
    expect(await answerOf(other)).toEqual({ status: 200, body: { message: 'Log appended successfully' }, replayed: null });
    expect(await streamLength(executionLogStream(executionId))).toBe(2);
  });

  it('answers a repeated status report with its first answer, and refuses its key with another report (409)', async () => {
    const { project, executionId } = await execution();
    const path = `/executions/${executionId}/status`;
    const first = await answerOf(await send('PATCH', path, { status: 'RUNNING' }, 'status-1', project.apiKey));
    expect(first).toEqual({ status: 200, body: { message: 'Execution status updated successfully', status: 'RUNNING' }, replayed: null });
    const before = await streamLength(executionStream(executionId));
    expect(await answerOf(await send('PATCH', path, { status: 'RUNNING' }, 'status-1', project.apiKey))).toEqual({ ...first, replayed: 'true' });
    const reused = await send('PATCH', path, { status: 'SUCCESS' }, 'status-1', project.apiKey);
    expect(await answerOf(reused)).toEqual({ status: 409, body: { error: 'Idempotency-Key was already used with a different request body' }, replayed: null });
    expect(await streamLength(executionStream(executionId))).toBe(before);
  });

  describe('a retry whose first attempt was applied but whose answer was not stored (a crash in between)', () => {
    let records: IdempotencyRecords;
    let saveAnswer: IdempotencyRecords['saveAnswer'];
    beforeEach(() => {
      records = server.services.events.idempotency;
      saveAnswer = records.saveAnswer;
      records.saveAnswer = async () => {
        throw new Error('the process ended before the answer was stored');
      };
    });
    afterEach(() => {
      records.saveAnswer = saveAnswer;
    });

    it('appends nothing again and answers the same, from the events', async () => {
      const { project, taskId, executionId } = await execution();
      const trigger = () => post(`/projects/${project.id}/tasks/${taskId}/trigger`, undefined, 'lost-trigger');
      const triggered = await answerOf(await trigger());
      expect(triggered.status).toBe(201);
      // Rebuilt from the events, and marked as a replay: nothing was applied now.
      expect(await answerOf(await trigger())).toEqual({ ...triggered, replayed: 'true' });

      const report = () => send('PATCH', `/executions/${executionId}/status`, { status: 'FAILED', error: 'exit 1' }, 'lost-report', project.apiKey);
      const reported = await answerOf(await report());
      expect(reported).toEqual({ status: 200, body: { message: 'Execution status updated successfully', status: 'FAILED' }, replayed: null });
      const events = await streamLength(executionStream(executionId));
      expect(await answerOf(await report())).toEqual({ ...reported, replayed: 'true' });
      expect(await streamLength(executionStream(executionId))).toBe(events);

      const log = () => send('POST', `/executions/${executionId}/logs`, { lines: [{ message: 'a', level: 'info' }] }, 'lost-log', project.apiKey);
      expect((await log()).status).toBe(200);
      expect((await log()).status).toBe(200);
      expect(await streamLength(executionLogStream(executionId))).toBe(1);

      await server.services.projections.whenCaughtUp();
      const history = await admin.get(`/projects/${project.id}/executions?limit=500`);
      expect(history.body.data.map((e: { id: string }) => e.id).sort()).toEqual([executionId, triggered.body.data.execution_uuid].sort());
    });

    it('refuses, rather than show a key that does not work, when the lost answer held a new API key', async () => {
      const name = `Lost answer ${storeNow}`;
      expect((await post('/projects', { name }, 'lost-project')).status).toBe(201);
      const retry = await post('/projects', { name }, 'lost-project');
      expect(retry.status).toBe(409);
      expect(((await retry.json()) as { error: string }).error).toMatch(/created the API key .* but its answer was lost/);
      await server.services.projections.whenCaughtUp();
      const projects = await admin.get('/projects');
      expect(projects.body.filter((p: { name: string }) => p.name === name)).toHaveLength(1);
    });
  });

  it('forgets a key after 24 hours by the store’s clock', async () => {
    const { project, executionId } = await execution();
    const log = () => send('POST', `/executions/${executionId}/logs`, { message: 'daily', level: 'info' }, 'daily-1', project.apiKey);
    expect((await answerOf(await log())).replayed).toBeNull();
    storeNow += IDEMPOTENCY_TTL_MS - 1000;
    expect((await answerOf(await log())).replayed).toBe('true');
    storeNow += 1000;
    expect((await answerOf(await log())).replayed).toBeNull();
    expect(await streamLength(executionLogStream(executionId))).toBe(2);
  });
});
