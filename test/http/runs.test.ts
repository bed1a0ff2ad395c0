import { randomUUID } from 'node:crypto';
import { newCommandContext } from '../../src/commands/command-context';
import { executionDecider } from '../../src/commands/execution/execution-decider';
import { handleCommand } from '../../src/commands/handle-command';
import { executionStream } from '../../src/events/streams';
import type { ApiClient } from '../support/api-client';
import { startServerWithAdmin } from '../support/signed-in';
import { apiKeyClient, createTask } from '../support/task-fixtures';
import type { TestServer } from '../support/test-server';
import { waitFor } from '../support/wait-for';

interface ExternalTask {
  projectId: string;
  taskId: string;
  taskName: string;
  /** An ingest key, as a crontab wrapper would hold. */
  ingest: ApiClient;
}

describe('POST …/tasks/{task_uuid}/runs and …/tasks/by-name/{task_name}/runs (external mode)', () => {
  let server: TestServer;
  let admin: ApiClient;

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin());
  });
  afterAll(() => server.stop());

  async function externalTask(fields: Record<string, unknown> = {}): Promise<ExternalTask> {
    const project = await admin.post('/projects', { name: `External ${randomUUID()}` });
    const task = await createTask(admin, project.body.id, {
      name: `backup db ${randomUUID().slice(0, 8)}`,
      // Yearly: the scheduler stays out of the way; the test records the ticks itself.
      schedule_config: { cron_expression: '0 0 1 1 *', timezone: 'UTC' },
      execution_mode: 'external',
      start_deadline_seconds: 120,
      ...fields,
    });
    return { projectId: project.body.id, taskId: task.id, taskName: task.name, ingest: await apiKeyClient(admin, project.body.id, 'ingest') };
  }

  /** What the scheduler does at a tick: a PENDING SCHEDULED execution created at the tick's instant. */
  async function tick(task: ExternalTask, secondsAgo: number, mode: 'external' | 'pull' = 'external'): Promise<{ id: string; scheduledAt: string }> {
    const id = randomUUID();
    const scheduledAt = new Date(Date.now() - secondsAgo * 1000).toISOString();
    await handleCommand(
      server.services.events,
      server.services.clock,
      executionStream(id),
      executionDecider,
      {
        type: 'CreateExecution',
        executionId: id,
        taskId: task.taskId,
        projectId: task.projectId,
        taskName: task.taskName,
        scheduledAt,
        triggerType: 'SCHEDULED',
        attempt: 1,
        executionMode: mode,
        timeoutSeconds: null,
        startDeadlineSeconds: null,
        at: scheduledAt,
      },
      newCommandContext('system:scheduler'),
    );
    return { id, scheduledAt };
  }

  const runsPath = (task: ExternalTask) => `/projects/${task.projectId}/tasks/${task.taskId}/runs`;
  const statusOf = async (id: string) => (await admin.get(`/executions/${id}`)).body.status;
  const executionWhen = (id: string, until: (body: Record<string, unknown>) => boolean) =>
    waitFor(async () => {
      const response = await admin.get(`/executions/${id}`);
      return response.status === 200 && until(response.body) && response.body;
    });

  it("matches the run to the latest pending tick within the task's start deadline; it goes RUNNING and finishes as usual", async () => {
    const task = await externalTask();
    const older = await tick(task, 90);
    const latest = await tick(task, 30);
    const run = await task.ingest.post(runsPath(task));
    expect(run).toMatchObject({ status: 200, body: { execution_id: latest.id, matched: true, scheduled_at: latest.scheduledAt } });
    const running = await executionWhen(latest.id, (e) => e.status === 'RUNNING');
    expect(running).toMatchObject({ trigger_type: 'SCHEDULED', run_started_at: expect.any(String) });
    expect(await statusOf(older.id)).toBe('PENDING');
    expect((await task.ingest.post(`/executions/${latest.id}/finish`, { status: 'SUCCESS', exit_code: 0 })).body.status).toBe('SUCCESS');
  });

  it('finds the task by name (URL-encoded, any case)', async () => {
    const task = await externalTask();
    const pending = await tick(task, 10);
    const run = await task.ingest.post(`/projects/${task.projectId}/tasks/by-name/${encodeURIComponent(task.taskName.toUpperCase())}/runs`);
    expect(run).toMatchObject({ status: 200, body: { execution_id: pending.id, matched: true } });
    const unknown = await task.ingest.post(`/projects/${task.projectId}/tasks/by-name/${encodeURIComponent('no such task')}/runs`);
    expect(unknown.status).toBe(404);
  });

  it('records a run with no pending tick in the window as a new EXTERNAL execution, started', async () => {
    const task = await externalTask();
    const tooOld = await tick(task, 600); // the window is ± 120 s
    const before = Date.now();
    const run = await task.ingest.post(runsPath(task));
    expect(run.status).toBe(201);
    expect(run.body).toEqual({ execution_id: expect.any(String), matched: false, scheduled_at: expect.any(String) });
    expect(run.body.execution_id).not.toBe(tooOld.id);
    expect(Date.parse(run.body.scheduled_at)).toBeGreaterThanOrEqual(before - 1);
    const execution = await executionWhen(run.body.execution_id, (e) => e.status === 'RUNNING');
    expect(execution).toMatchObject({ trigger_type: 'EXTERNAL', task_id: task.taskId, execution_mode: 'external' });
    expect(await statusOf(tooOld.id)).toBe('PENDING');
    const audit = (await admin.get(`/executions/${run.body.execution_id}/audit`)).body.data.map((e: { type: string }) => e.type);
    expect(audit).toEqual(['ExecutionCreated', 'ExecutionStarted']);
  });

  it('uses ± 5 minutes when the task has no start deadline', async () => {
    const task = await externalTask({ start_deadline_seconds: null });
    const pending = await tick(task, 240);
    expect((await task.ingest.post(runsPath(task))).body).toMatchObject({ execution_id: pending.id, matched: true });
  });

  it('gives one tick to one of two simultaneous runs; the other becomes EXTERNAL', async () => {
    const task = await externalTask();
    const pending = await tick(task, 5);
    const runs = await Promise.all([task.ingest.post(runsPath(task)), task.ingest.post(runsPath(task))]);
    expect(runs.map((r) => r.body.matched).sort()).toEqual([false, true]);
    expect(runs.find((r) => r.body.matched)!.body.execution_id).toBe(pending.id);
    expect(runs.find((r) => !r.body.matched)!.status).toBe(201);
  });

  it('does not match ticks of tasks in another mode: their executions belong to their dispatch', async () => {
    const task = await externalTask({ execution_mode: 'pull' });
    const pending = await tick(task, 5, 'pull');
    const run = await task.ingest.post(runsPath(task));
    expect(run.body).toMatchObject({ matched: false });
    expect(await statusOf(pending.id)).toBe('PENDING');
  });

  it('needs the report permission, and refuses a task being deleted (409) or unknown (404)', async () => {
    const task = await externalTask();
    const reader = await apiKeyClient(admin, task.projectId, 'read');
    expect((await reader.post(runsPath(task))).status).toBe(403);
    expect((await task.ingest.post(`/projects/${task.projectId}/tasks/${randomUUID()}/runs`)).status).toBe(404);
    expect((await admin.delete(`/projects/${task.projectId}/tasks/${task.taskId}`)).status).toBe(202);
    expect([409, 404, 410]).toContain((await task.ingest.post(runsPath(task))).status);
  });
});
