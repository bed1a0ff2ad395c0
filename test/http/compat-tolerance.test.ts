import type { ApiClient } from '../support/api-client';
import { startServerWithAdmin } from '../support/signed-in';
import { createProject, createTask, taskBody, type TestProject, triggerTask } from '../support/task-fixtures';
import type { TestServer } from '../support/test-server';

/** Where the original API was lenient, so is ours (COMPAT.md routes only); it still names what it ignored. */
describe('the original API, read tolerantly', () => {
  let server: TestServer;
  let admin: ApiClient;
  let project: TestProject;

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin());
    project = await createProject(admin);
  });
  afterAll(() => server.stop());

  const warningOf = (response: { headers: Headers }) => response.headers.get('warning');

  it('ignores unknown fields in log and status reports and names them in a Warning header', async () => {
    const task = await createTask(admin, project.id);
    const executionId = await triggerTask(admin, project.id, task.id);

    const plain = await project.executor.post(`/executions/${executionId}/logs`, { message: 'plain', level: 'info' });
    expect(plain.status).toBe(200);
    expect(warningOf(plain)).toBeNull();

    const log = await project.executor.post(`/executions/${executionId}/logs`, { message: 'm', level: 'info', foo: 1 });
    expect(log).toMatchObject({ status: 200, body: { message: 'Log appended successfully' } });
    expect(warningOf(log)).toBe('299 - "Unknown fields ignored: foo"');

    const batch = await project.executor.post(`/executions/${executionId}/logs`, { lines: [{ message: 'a', level: 'info', colour: 'red' }], extra: true });
    expect(batch.status).toBe(200);
    expect(warningOf(batch)).toBe('299 - "Unknown fields ignored: lines[0].colour, extra"');

    const status = await project.executor.patch(`/executions/${executionId}/status`, { status: 'SUCCESS', duration: 12, error: null });
    expect(status).toMatchObject({ status: 200, body: { message: 'Execution status updated successfully', status: 'SUCCESS' } });
    expect(warningOf(status)).toBe('299 - "Unknown fields ignored: duration"');
  });

  it('accepts trigger_config on tasks and unknown fields at any depth in projects, tasks and groups', async () => {
    const created = await admin.post(
      `/projects/${project.id}/tasks`,
      taskBody({
        trigger_config: { type: 'HTTP', http: { url: 'http://executor.local/run' } },
        colour: 'red',
        schedule_config: { cron_expression: '0 * * * *', timezone: 'UTC', jitter: 5, time_range: null },
      }),
    );
    expect(created.status).toBe(201);
    expect(warningOf(created)).toBe('299 - "Unknown fields ignored: schedule_config.jitter, colour"');
    expect(created.body).not.toHaveProperty('colour');
    expect(created.body.schedule_config).toEqual({ cron_expression: '0 * * * *', timezone: 'UTC' });

    const updated = await admin.put(`/projects/${project.id}/tasks/${created.body.id}`, { ...created.body, description: 'changed', owner: 'ops' });
    expect(updated).toMatchObject({ status: 200, body: { description: 'changed' } });
    expect(warningOf(updated)).toContain('owner');

    const disabled = await admin.patch(`/projects/${project.id}/tasks/${created.body.id}/status`, { status: 'DISABLED', reason: 'maintenance' });
    expect(disabled).toMatchObject({ status: 200, body: { status: 'DISABLED' } });
    expect(warningOf(disabled)).toContain('reason');

    const newProject = await admin.post('/projects', { name: `Tolerant ${Date.now()}`, owner_team: 'ops' });
    expect(newProject.status).toBe(201);
    expect(warningOf(newProject)).toContain('owner_team');
    const projectUpdate = await admin.put(`/projects/${newProject.body.id}`, { description: 'd', archived: false });
    expect(projectUpdate).toMatchObject({ status: 200, body: { description: 'd' } });
    expect(warningOf(projectUpdate)).toContain('archived');

    const group = await admin.post(`/projects/${project.id}/task-groups`, { name: 'nightly', colour: 'blue' });
    expect(group.status).toBe(201);
    expect(warningOf(group)).toContain('colour');
    const groupUpdate = await admin.put(`/projects/${project.id}/task-groups/${group.body.id}`, { ...group.body, name: 'nightly-2', colour: 'green' });
    expect(groupUpdate).toMatchObject({ status: 200, body: { name: 'nightly-2' } });
  });

  it('names nothing when a resource is sent back exactly as it was fetched', async () => {
    const task = await createTask(admin, project.id, { description: 'as fetched' });
    const fetchedTask = (await admin.get(`/projects/${project.id}/tasks/${task.id}`)).body;
    const taskPut = await admin.put(`/projects/${project.id}/tasks/${task.id}`, fetchedTask);
    expect({ status: taskPut.status, warning: warningOf(taskPut) }).toEqual({ status: 200, warning: null });

    const group = (await admin.post(`/projects/${project.id}/task-groups`, { name: 'as-fetched', start_time: '09:00', end_time: '17:00' })).body;
    const fetchedGroup = (await admin.get(`/projects/${project.id}/task-groups/${group.id}`)).body;
    const groupPut = await admin.put(`/projects/${project.id}/task-groups/${group.id}`, fetchedGroup);
    expect({ status: groupPut.status, warning: warningOf(groupPut) }).toEqual({ status: 200, warning: null });

    const fetchedProject = (await admin.get(`/projects/${project.id}`)).body;
    const projectPut = await admin.put(`/projects/${project.id}`, fetchedProject);
    expect({ status: projectPut.status, warning: warningOf(projectPut) }).toEqual({ status: 200, warning: null });
  });

  it('keeps the routes added beside the original strict', async () => {
    const task = await createTask(admin, project.id);
    const executionId = await triggerTask(admin, project.id, task.id);
    const finish = await project.executor.post(`/executions/${executionId}/finish`, { status: 'SUCCESS', foo: 1 });
    expect(finish.status).toBe(400);
    expect(finish.body.details.join(' ')).toContain('foo');
  });

  it('answers wrong types and missing fields with a short 400 naming the field, never a union dump', async () => {
    const task = await createTask(admin, project.id);
    const executionId = await triggerTask(admin, project.id, task.id);
    const cases: Array<[string, string, unknown, string]> = [
      ['POST', `/executions/${executionId}/logs`, { level: 'info' }, "message: 'message' is required"],
      ['POST', `/executions/${executionId}/logs`, { message: 5, level: 'info', foo: 1 }, 'message: invalid string value (got 5)'],
      ['PATCH', `/executions/${executionId}/status`, { status: 'DONE' }, 'status:'],
      ['POST', `/projects/${project.id}/tasks`, taskBody({ schedule_config: { cron_expression: '* * * * *' } }), "schedule_config.timezone: 'timezone' is required"],
      ['POST', `/projects/${project.id}/tasks`, taskBody({ description: 5 }), 'description: invalid string value (got 5)'],
      ['POST', `/projects/${project.id}/task-groups`, { name: 'g', start_time: 930 }, 'start_time:'],
    ];
    for (const [method, path, body, detail] of cases) {
      const response = await admin.as({ apiKey: project.apiKey }).request(method, path, body);
      expect({ path, body, status: response.status }).toEqual({ path, body, status: 400 });
      expect({ body, details: response.body.details }).toEqual({ body, details: [expect.stringContaining(detail)] });
      expect(JSON.stringify(response.body)).not.toContain('Could not match');
    }
  });

  it('clamps days and page as the original did, through one reading of each', async () => {
    for (const days of ['100', '31', '30', '0', '-3', 'abc', '7.5', '']) {
      const stats = await admin.get(`/projects/${project.id}/executions/stats?days=${days}`);
      expect({ days, status: stats.status, stats: Array.isArray(stats.body.stats) }).toEqual({ days, status: 200, stats: true });
      const failed = await admin.get(`/projects/${project.id}/executions/failed-stats?days=${days}`);
      expect({ days, status: failed.status, total: typeof failed.body.total }).toEqual({ days, status: 200, total: 'number' });
    }
    const task = await createTask(admin, project.id);
    const path = `/projects/${project.id}/tasks/${task.id}/executions?date=2026-01-01`;
    for (const [query, page, pageSize] of [
      ['&page=0', 1, 100],
      ['&page=abc', 1, 100],
      ['&page=-2', 1, 100],
      ['&page=3', 3, 100],
      ['&page=99999999999999999999', 1_000_000_000, 100],
      ['&page_size=500', 1, 100],
      ['&page_size=0', 1, 1],
      ['&page_size=abc', 1, 100],
      ['&page_size=20', 1, 20],
    ] as const) {
      const response = await admin.get(`${path}${query}`);
      expect({ query, status: response.status, page: response.body.page, page_size: response.body.page_size }).toEqual({ query, status: 200, page, page_size: pageSize });
    }
  });

  it("answers group start and stop with the original's message, beside the group", async () => {
    const group = (await admin.post(`/projects/${project.id}/task-groups`, { name: 'switched' })).body;
    const started = await admin.post(`/projects/${project.id}/task-groups/${group.id}/start`);
    expect(started).toMatchObject({ status: 200, body: { message: 'Group started successfully', id: group.id, state: 'RUNNING' } });
    const stopped = await admin.post(`/projects/${project.id}/task-groups/${group.id}/stop`);
    expect(stopped).toMatchObject({ status: 200, body: { message: 'Group stopped successfully', id: group.id, state: 'NOT_RUNNING' } });
  });

  it('answers a malformed id in any path as an unknown one: 404 naming the resource, never a stream name', async () => {
    const task = await createTask(admin, project.id);
    const unknown = '00000000-0000-4000-8000-000000000000';
    const routes = (id: string): Array<[string, string, unknown?]> => [
      ['GET', `/executions/${id}`],
      ['POST', `/executions/${id}/logs`, { message: 'm', level: 'info' }],
      ['PATCH', `/executions/${id}/status`, { status: 'SUCCESS' }],
      ['GET', `/projects/${project.id}/tasks/${id}`],
      ['PUT', `/projects/${project.id}/tasks/${id}`, taskBody()],
      ['PATCH', `/projects/${project.id}/tasks/${id}/status`, { status: 'DISABLED' }],
      ['DELETE', `/projects/${project.id}/tasks/${id}`],
      ['POST', `/projects/${project.id}/tasks/${id}/trigger`],
      ['GET', `/projects/${project.id}/tasks/${id}/executions?date=2026-01-01`],
      ['GET', `/projects/${project.id}/task-groups/${id}`],
      ['PUT', `/projects/${project.id}/task-groups/${id}`, { name: 'g' }],
      ['POST', `/projects/${project.id}/task-groups/${id}/start`],
      ['DELETE', `/projects/${project.id}/task-groups/${id}`],
      ['GET', `/projects/${project.id}/task-groups/${id}/tasks`],
      ['GET', `/projects/${id}/tasks`],
      ['PUT', `/projects/${project.id}/tasks/${task.id}`, taskBody({ task_group_id: id })],
    ];
    const answer = (method: string, path: string, body?: unknown) => (path.startsWith('/executions') ? project.executor : admin).request(method, path, body);
    for (const id of ['a'.repeat(5000), '%00', 'not-a-uuid', 'a%0Ab', '%E2%80%AE', '.x', 'x'.repeat(101)]) {
      const got = routes(id);
      for (let i = 0; i < got.length; i++) {
        const [method, path, body] = got[i]!;
        const [, unknownPath, unknownBody] = routes(unknown)[i]!;
        const want = await answer(method, unknownPath, unknownBody);
        const response = await answer(method, path, body);
        const shown = `${method} ${path.slice(0, 80)}`;
        expect({ shown, status: response.status }).toEqual({ shown, status: want.status });
        if (response.status === 404) expect({ shown, error: response.body.error }).toEqual({ shown, error: expect.stringMatching(/\b(execution|task|task group|project)\b.*(does not exist|not found)/i) });
        expect({ shown, body: JSON.stringify(response.body) }).toEqual({ shown, body: expect.not.stringMatching(/stream|execution-|task-|taskgroup-|project-/i) });
        if (response.status >= 400) expect({ shown, short: JSON.stringify(response.body).length < 400 }).toEqual({ shown, short: true });
      }
    }
  });

  it('reads "" as absent in optional ids, zones and times, and answers it as null or the default', async () => {
    const task = await admin.post(`/projects/${project.id}/tasks`, taskBody({ task_group_id: '', project_id: '' }));
    expect(task).toMatchObject({ status: 201, body: { task_group_id: null, project_id: project.id } });
    const put = await admin.put(`/projects/${project.id}/tasks/${task.body.id}`, { ...task.body, task_group_id: '' });
    expect(put).toMatchObject({ status: 200, body: { task_group_id: null } });
    expect((await admin.get(`/projects/${project.id}/tasks/${task.body.id}`)).body.task_group_id).toBeNull();

    const group = await admin.post(`/projects/${project.id}/task-groups`, { name: 'empty-zone', timezone: '', start_time: '', end_time: '', project_id: '' });
    expect(group).toMatchObject({ status: 201, body: { timezone: 'UTC', start_time: null, end_time: null } });
    const groupPut = await admin.put(`/projects/${project.id}/task-groups/${group.body.id}`, { ...group.body, timezone: '' });
    expect(groupPut).toMatchObject({ status: 200, body: { timezone: 'UTC' } });
  });
});
