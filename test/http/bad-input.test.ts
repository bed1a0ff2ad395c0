import type { ApiClient } from '../support/api-client';
import { startServerWithAdmin } from '../support/signed-in';
import { createProject, createTask, type TestProject, triggerTask } from '../support/task-fixtures';
import type { TestServer } from '../support/test-server';

/** Malformed input of every kind on every route of the tasks and executions API: never a 5xx. */
describe('bad input', () => {
  let server: TestServer;
  let admin: ApiClient;
  let project: TestProject;
  let taskId: string;
  let groupId: string;
  let executionId: string;

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin());
    project = await createProject(admin);
    taskId = (await createTask(admin, project.id)).id;
    groupId = (await admin.post(`/projects/${project.id}/task-groups`, { name: 'g' })).body.id;
    executionId = await triggerTask(admin, project.id, taskId);
  });
  afterAll(() => server.stop());

  const weirdIds = ['not-a-uuid', '%20', 'x'.repeat(300), 'a%2Fb', '%00', 'caf%C3%A9', '-'];
  const weirdBodies: unknown[] = [null, [], 'text', 42, {}, { name: 42 }, { schedule_config: 'daily' }, { lines: 'many' }, { status: null }];

  const routes = (p: string, t: string, g: string, e: string): Array<[string, string]> => [
    ['GET', `/projects/${p}/tasks`],
    ['POST', `/projects/${p}/tasks`],
    ['GET', `/projects/${p}/tasks/${t}?as_of=not-a-time`],
    ['PUT', `/projects/${p}/tasks/${t}`],
    ['DELETE', `/projects/${p}/tasks/${t}`],
    ['PATCH', `/projects/${p}/tasks/${t}/status`],
    ['POST', `/projects/${p}/tasks/${t}/trigger`],
    ['GET', `/projects/${p}/tasks/${t}/executions?date=2026-13-01&page=-1&page_size=abc`],
    ['GET', `/projects/${p}/tasks/${t}/preview?count=abc`],
    ['GET', `/projects/${p}/task-groups`],
    ['POST', `/projects/${p}/task-groups`],
    ['GET', `/projects/${p}/task-groups/${g}`],
    ['PUT', `/projects/${p}/task-groups/${g}`],
    ['DELETE', `/projects/${p}/task-groups/${g}?tasks=all`],
    ['POST', `/projects/${p}/task-groups/${g}/start`],
    ['POST', `/projects/${p}/task-groups/${g}/stop`],
    ['GET', `/projects/${p}/task-groups/${g}/tasks`],
    ['POST', `/executions/${e}/logs`],
    ['PATCH', `/executions/${e}/status`],
    ['POST', `/executions/${e}/finish`],
    ['POST', `/executions/${e}/cancel`],
    ['GET', `/executions/${e}`],
    ['GET', `/executions/${e}/logs?cursor=%00&limit=1e10&order=up`],
    ['GET', `/projects/${p}/audit?cursor=-1`],
    ['GET', `/tasks/${t}/audit?limit=abc`],
    ['GET', `/task-groups/${g}/audit?as_of=yesterday`],
    ['GET', `/executions/${e}/audit`],
    ['POST', '/schedules/preview'],
  ];

  it('answers every malformed id, body and query parameter with a 4xx and an error body', async () => {
    const failures: string[] = [];
    const check = async (method: string, path: string, body?: unknown) => {
      const response = await admin.request(method, path, body);
      if (response.status >= 500 || (response.status >= 400 && typeof response.body?.error !== 'string')) {
        failures.push(`${method} ${path} ${JSON.stringify(body)} → ${response.status} ${JSON.stringify(response.body)}`);
      }
    };
    for (const id of weirdIds) {
      for (const [method, path] of routes(id, id, id, id)) await check(method, path, method === 'GET' || method === 'DELETE' ? undefined : {});
      for (const [method, path] of routes(project.id, id, id, id)) await check(method, path, method === 'GET' || method === 'DELETE' ? undefined : {});
    }
    for (const body of weirdBodies) {
      for (const [method, path] of routes(project.id, taskId, groupId, executionId)) {
        if (method !== 'GET' && method !== 'DELETE') await check(method, path, body);
      }
    }
    expect(failures).toEqual([]);
  });

  it('answers malformed JSON, wrong content and huge bodies on every mutating route with 400/413, and keeps serving', async () => {
    const raw = (method: string, path: string, body: string) =>
      fetch(`${server.url}/api/v1${path}`, {
        method,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${(admin.credentials as { token: string }).token}` },
        body,
      });
    const bodies: Array<[string, number]> = [
      ['{"name": ', 400],
      ['{"name": "x",}', 400],
      ['\u0000', 400],
      [JSON.stringify({ message: 'x'.repeat(2 * 1024 * 1024) }), 413],
    ];
    const answers: string[] = [];
    for (const [method, path] of routes(project.id, taskId, groupId, executionId)) {
      if (method === 'GET' || method === 'DELETE') continue;
      for (const [body, expected] of bodies) {
        const response = await raw(method, path, body);
        const json = (await response.json()) as { error?: unknown };
        if (response.status !== expected || typeof json.error !== 'string') answers.push(`${method} ${path} ${body.slice(0, 20)} → ${response.status}`);
      }
    }
    expect(answers).toEqual([]);
    expect((await admin.get('/health')).status).toBe(200);
    expect((await admin.get(`/projects/${project.id}/tasks/${taskId}`)).status).toBe(200);
  });
});
