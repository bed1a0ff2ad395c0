import { MAX_JSON_DEPTH, parseJsonBody } from '../../src/http/json-body';
import type { ApiClient } from '../support/api-client';
import { startServerWithAdmin } from '../support/signed-in';
import { waitFor } from '../support/wait-for';
import { createProject, createTask, type TestProject, taskBody, triggerTask } from '../support/task-fixtures';
import type { TestServer } from '../support/test-server';

/** `{"a":{"a":…1…}}`, `levels` objects deep. */
const nestedObject = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
const nestedArray = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

describe('the one body parser', () => {
  it('takes bodies nested up to the documented depth and names the field where one nests deeper', () => {
    expect(parseJsonBody(nestedObject(MAX_JSON_DEPTH))).toBeDefined();
    expect(() => parseJsonBody(nestedArray(MAX_JSON_DEPTH + 1))).toThrow(expect.objectContaining({ kind: 'invalid', details: [`body[0][0][0][0][0][0]…: nested more than ${MAX_JSON_DEPTH} levels deep`] }));
    const metadata = `{"name":"t","list":[1,2],"metadata":{"x":[0,${nestedArray(40)}]}}`;
    expect(() => parseJsonBody(metadata)).toThrow(expect.objectContaining({ details: [`metadata.x[1][0][0][0]…: nested more than ${MAX_JSON_DEPTH} levels deep`] }));
  });

  it('is not fooled by brackets, quotes and escapes inside strings', () => {
    const text = JSON.stringify({ message: `${'['.repeat(100)} "quoted" \\ {`, key: '\\u0000 is text here' });
    expect(parseJsonBody(text)).toEqual(JSON.parse(text));
  });

  it('refuses a NUL character anywhere, naming the field', () => {
    expect(() => parseJsonBody('{"lines":[{"message":"ok"},{"message":"a\\u0000b"}]}')).toThrow(
      expect.objectContaining({ details: ['lines[1].message: must not contain a NUL character (\\u0000)'] }),
    );
    expect(() => parseJsonBody('{"metadata":{"k\\u0000":1}}')).toThrow(expect.objectContaining({ details: ['metadata: must not contain a NUL character (\\u0000)'] }));
  });

  it('answers malformed JSON as such, an empty body as {}, and drops a byte-order mark', () => {
    expect(() => parseJsonBody('{"name": ')).toThrow(expect.objectContaining({ kind: 'invalid', message: 'Malformed JSON body' }));
    expect(parseJsonBody('')).toEqual({});
    expect(parseJsonBody('\ufeff{"a":1}')).toEqual({ a: 1 });
  });
});

describe('limits of what the API accepts', () => {
  let server: TestServer;
  let admin: ApiClient;
  let project: TestProject;
  let taskId: string;

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin());
    project = await createProject(admin);
    taskId = (await createTask(admin, project.id)).id;
  });
  afterAll(() => server.stop());

  const raw = (method: string, path: string, body: string, authorization: string) =>
    fetch(`${server.url}/api/v1${path}`, { method, headers: { 'content-type': 'application/json', authorization }, body });
  const adminAuth = () => `Bearer ${(admin.credentials as { token: string }).token}`;

  /** The event store's head, after everything in flight has been written. */
  const head = async () => {
    await server.processManagers.idle();
    return server.services.events.headPosition();
  };

  it('refuses a task whose metadata nests a thousand levels deep (400 naming metadata, nothing stored), and 100,000 levels alike', async () => {
    const before = await head();
    for (const levels of [1000, 100_000]) {
      const body = JSON.stringify(taskBody({ name: `deep-${levels}` })).replace(/}$/, `,"metadata":${nestedObject(levels)}}`);
      const response = await raw('POST', `/projects/${project.id}/tasks`, body, adminAuth());
      expect({ levels, status: response.status, body: await response.json() }).toEqual({
        levels,
        status: 400,
        body: { error: 'JSON body nested too deeply', details: [`metadata.a.a.a.a.a…: nested more than ${MAX_JSON_DEPTH} levels deep`] },
      });
    }
    expect(await head()).toBe(before);
    expect((await admin.get(`/projects/${project.id}/tasks`)).body.map((t: { name: string }) => t.name)).not.toContain('deep-1000');
    // Nesting within the limit is a task like any other, and the tasks read model keeps up.
    const fine = await admin.post(`/projects/${project.id}/tasks`, taskBody({ metadata: JSON.parse(nestedObject(MAX_JSON_DEPTH - 2)) }));
    expect(fine.status).toBe(201);
    expect((await admin.get(`/projects/${project.id}/tasks/${fine.body.id}`)).status).toBe(200);
  });

  it('refuses a deeply nested report on the fast path too', async () => {
    const executionId = await triggerTask(admin, project.id, taskId);
    const before = await head();
    const response = await raw('POST', `/executions/${executionId}/logs`, `{"message":"m","level":"info","x":${nestedArray(100_000)}}`, project.apiKey);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'JSON body nested too deeply', details: [`x[0][0][0][0][0]…: nested more than ${MAX_JSON_DEPTH} levels deep`] });
    const nul = await raw('PATCH', `/executions/${executionId}/status`, '{"status":"FAILED","error":"a\\u0000b"}', project.apiKey);
    expect({ status: nul.status, body: await nul.json() }).toEqual({
      status: 400,
      body: { error: 'NUL character in the body', details: ['error: must not contain a NUL character (\\u0000)'] },
    });
    // A body the fast path parsed but does not answer reaches validation as parsed, not parsed again.
    const text = await raw('PATCH', `/executions/${executionId}/status`, '"not json"', project.apiKey);
    expect({ status: text.status, error: ((await text.json()) as { error: string }).error }).not.toEqual({ status: 400, error: 'Malformed JSON body' });
    const longError = await project.executor.patch(`/executions/${executionId}/status`, { status: 'FAILED', error: 'e'.repeat(16_385) });
    expect(longError.status).toBe(400);
    expect(JSON.stringify(longError.body.details)).toContain('error');
    expect(await head()).toBe(before);
  });

  it('refuses metadata over 16 KiB and integers out of their documented ranges, naming the field', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ metadata: { blob: 'x'.repeat(17_000) } }, 'metadata'],
      [{ timeout_seconds: 1e12 }, 'timeout_seconds'],
      [{ start_deadline_seconds: 2_678_401 }, 'start_deadline_seconds'],
      [{ schedule_config: { cron_expression: '*/5 * * * *', timezone: 'Z'.repeat(100_000) } }, 'timezone'],
    ];
    const before = await head();
    for (const [fields, field] of cases) {
      const response = await admin.post(`/projects/${project.id}/tasks`, taskBody(fields));
      expect({ field, status: response.status }).toEqual({ field, status: 400 });
      expect(JSON.stringify(response.body.details)).toContain(field);
    }
    expect(await head()).toBe(before);
  });

  describe('finish metrics', () => {
    it('keeps a flat map of names to finite numbers', async () => {
      const executionId = await triggerTask(admin, project.id, taskId);
      const metrics = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`m_${i}.bytes:sent-${i}`, i * 1.5]));
      const response = await project.executor.post(`/executions/${executionId}/finish`, { status: 'SUCCESS', metrics });
      expect(response.status).toBe(200);
      const shown = await waitFor(async () => (await admin.get(`/executions/${executionId}`)).body.metrics, { what: 'the metrics in the execution' });
      expect(shown).toEqual(metrics);
    });

    const bad: Array<[string, unknown, string]> = [
      ['a nested object', { rows: 1, nested: { a: 1 } }, 'metrics.nested'],
      ['a string', { rows: '12' }, 'metrics.rows'],
      ['a boolean', { ok: true }, 'metrics.ok'],
      ['null', { gone: null }, 'metrics.gone'],
      ['an array', { list: [1] }, 'metrics.list'],
      ['a bad name', { 'has space': 1 }, 'metrics["has space"]'],
      ['an empty name', { '': 1 }, 'metrics[""]'],
      ['a name of 65 characters (quoted cut short)', { ['n'.repeat(65)]: 1 }, `metrics["${'n'.repeat(32)}…"]`],
      ['51 names', Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`m${i}`, i])), 'at most 50'],
      ['an array for the map', [1, 2], 'metrics'],
      ['a megabyte string', { big: 'x'.repeat(1_000_000) }, 'metrics.big'],
    ];

    it.each(bad)('refuses %s with a 400 naming the bad key, storing nothing', async (_what, metrics, named) => {
      const executionId = await triggerTask(admin, project.id, taskId);
      const before = await head();
      const response = await project.executor.post(`/executions/${executionId}/finish`, { status: 'SUCCESS', metrics });
      expect(response.status).toBe(400);
      expect(JSON.stringify(response.body)).toContain(JSON.stringify(named).slice(1, -1));
      expect(await head()).toBe(before);
    });

    it('refuses a number JSON reads as infinite', async () => {
      const executionId = await triggerTask(admin, project.id, taskId);
      const before = await head();
      const response = await raw('POST', `/executions/${executionId}/finish`, '{"status":"SUCCESS","metrics":{"huge":1e999}}', project.apiKey);
      expect(response.status).toBe(400);
      expect(JSON.stringify(await response.json())).toContain('metrics.huge');
      expect(await head()).toBe(before);
    });
  });
});
