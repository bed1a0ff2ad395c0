import type { ApiClient } from '../support/api-client';
import { startServerWithAdmin } from '../support/signed-in';
import { createProject, createTask, type TestProject, triggerTask } from '../support/task-fixtures';
import type { TestServer } from '../support/test-server';
import { waitFor } from '../support/wait-for';

describe('the original API, end to end', () => {
  let server: TestServer;
  let admin: ApiClient;
  let project: TestProject;

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin());
    project = await createProject(admin);
  });
  afterAll(() => server.stop());

  it('creates a task, triggers it, takes logs and a status from the raw key, and shows it on the day page', async () => {
    const task = await createTask(admin, project.id, { name: 'nightly-report', description: 'Sends the report' });
    expect(task).toMatchObject({
      id: task.uuid,
      project_id: project.id,
      name: 'nightly-report',
      status: 'ACTIVE',
      state: 'RUNNING',
      schedule_type: 'RECURRING',
      schedule_config: { cron_expression: '*/5 * * * *', timezone: 'UTC' },
      execution_mode: 'pull',
      last_execution: null,
    });

    const trigger = await admin.post(`/projects/${project.id}/tasks/${task.id}/trigger`);
    expect(trigger.status).toBe(201);
    expect(trigger.body.data).toMatchObject({ task_uuid: task.id, status: 'PENDING', trigger_type: 'MANUAL', message: expect.any(String) });
    const executionId = trigger.body.data.execution_uuid as string;
    const day = (trigger.body.data.scheduled_at as string).slice(0, 10);

    // The executor: a few log lines, then SUCCESS, never RUNNING, with the raw key.
    for (const [message, level] of [['starting', 'info'], ['slow disk', 'warn'], ['done', 'info']]) {
      const log = await project.executor.post(`/executions/${executionId}/logs`, { message, level });
      expect(log).toMatchObject({ status: 200, body: { message: 'Log appended successfully' } });
    }
    const status = await project.executor.patch(`/executions/${executionId}/status`, { status: 'SUCCESS' });
    expect(status).toMatchObject({ status: 200, body: { message: 'Execution status updated successfully', status: 'SUCCESS' } });

    const page = await waitFor(
      async () => {
        const response = await admin.get(`/projects/${project.id}/tasks/${task.id}/executions?date=${day}`);
        return response.body.data?.[0]?.logs?.length === 3 && response.body.data[0].status === 'SUCCESS' && response;
      },
      { what: 'the execution with its logs on the day page' },
    );
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ page: 1, page_size: 100, total_count: 1, total_pages: 1 });
    const [execution] = page.body.data;
    expect(execution).toMatchObject({
      id: executionId,
      uuid: executionId,
      task_id: task.id,
      task_uuid: task.id,
      status: 'SUCCESS',
      trigger_type: 'MANUAL',
      attempt: 1,
      logs_count: 3,
      logs_truncated: false,
      error: null,
    });
    expect(execution.ended_at).not.toBeNull();
    expect(execution.started_at).toBe(execution.created_at);
    expect(execution.logs.map((l: { message: string; level: string }) => [l.message, l.level])).toEqual([
      ['starting', 'info'],
      ['slow disk', 'warn'],
      ['done', 'info'],
    ]);

    const listed = await admin.get(`/projects/${project.id}/tasks`);
    expect(listed.body.map((t: { id: string }) => t.id)).toEqual([task.id]);
    expect(listed.body[0].last_execution).toMatchObject({ execution_uuid: executionId, status: 'SUCCESS' });
  });

  it('accepts "Bearer <key>" as well as the raw key, and refuses missing or wrong keys', async () => {
    const task = await createTask(admin, project.id);
    const executionId = await triggerTask(admin, project.id, task.id);
    const bearer = admin.as({ token: project.apiKey });
    expect((await bearer.post(`/executions/${executionId}/logs`, { message: 'hi', level: 'info' })).status).toBe(200);
    expect((await admin.as(null).post(`/executions/${executionId}/logs`, { message: 'hi', level: 'info' })).status).toBe(401);
    expect((await admin.as({ apiKey: 'co_wrong' }).post(`/executions/${executionId}/logs`, { message: 'hi', level: 'info' })).status).toBe(401);
  });

  it('refuses a key of another project: to it, the execution does not exist', async () => {
    const other = await createProject(admin);
    const task = await createTask(admin, project.id);
    const executionId = await triggerTask(admin, project.id, task.id);
    const unknown = { status: 404, body: { error: `Execution ${executionId} does not exist` } };
    const log = await other.executor.post(`/executions/${executionId}/logs`, { message: 'not mine', level: 'info' });
    expect(log).toMatchObject(unknown);
    const report = await other.executor.patch(`/executions/${executionId}/status`, { status: 'SUCCESS' });
    expect(report).toMatchObject(unknown);
    const read = await other.executor.get(`/executions/${executionId}`);
    expect(read).toMatchObject(unknown);
  });
});
