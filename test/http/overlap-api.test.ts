import { createHmac } from 'node:crypto';
import type { ApiClient } from '../support/api-client';
import { ManualClock } from '../support/manual-clock';
import { startServerWithAdmin } from '../support/signed-in';
import { createProject, createTask, taskBody } from '../support/task-fixtures';
import { TestExecutor } from '../support/test-executor';
import type { TestServer } from '../support/test-server';
import { waitFor } from '../support/wait-for';

/** The documented scheme, computed here independently of the server's code. */
const signature = (secret: string, timestamp: string, rawBody: string) => `v1=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`;

describe('overlap policies through the API (injected clock)', () => {
  const clock = new ManualClock('2026-06-01T08:00:30.000Z');
  let server: TestServer;
  let admin: ApiClient;
  let executor: TestExecutor;

  beforeAll(async () => {
    // The lease never needs renewing while the test moves the clock.
    ({ server, admin } = await startServerWithAdmin({ clock, lease: { ttlMs: 1e12, renewEveryMs: 1e12 } }));
    executor = await TestExecutor.start();
  });
  afterAll(async () => {
    await executor.close();
    await server.stop();
  });

  const caughtUp = async () => server.processManagers.waitForPosition(await server.services.events.headPosition());
  const advanceTo = async (instant: string) => {
    await caughtUp();
    await clock.advanceTo(new Date(instant));
    await caughtUp();
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const executionsOf = async (projectId: string, taskId: string): Promise<any[]> => {
    const response = await admin.get(`/projects/${projectId}/tasks/${taskId}/executions?date=2026-06-01&page_size=100`);
    expect(response.status).toBe(200);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return (response.body.data as any[]).sort((a, b) => a.scheduled_at.localeCompare(b.scheduled_at));
  };

  describe('the fields', () => {
    it('round-trip on tasks, groups and projects; null inherits', async () => {
      const project = await createProject(admin);
      const task = await createTask(admin, project.id, { overlap_policy: 'queue', max_queued: 3, max_concurrent: 1 });
      expect(task).toMatchObject({ overlap_policy: 'queue', max_queued: 3, max_concurrent: 1 });
      const inherited = await createTask(admin, project.id);
      expect(inherited).toMatchObject({ overlap_policy: null, max_queued: null, max_concurrent: null });
      const queueDefault = await createTask(admin, project.id, { overlap_policy: 'queue' });
      expect(queueDefault.max_queued).toBe(1);

      const group = await admin.post(`/projects/${project.id}/task-groups`, { name: 'g', overlap_policy: 'forbid', max_concurrent: 4 });
      expect(group.status).toBe(201);
      expect(group.body).toMatchObject({ overlap_policy: 'forbid', max_queued: null, max_concurrent: 4 });

      expect((await admin.get(`/projects/${project.id}`)).body).toMatchObject({ overlap_policy: 'allow', max_queued: null });
      const updated = await admin.put(`/projects/${project.id}`, { overlap_policy: 'queue', max_queued: 5 });
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({ overlap_policy: 'queue', max_queued: 5 });
    });

    it.each([
      [{ overlap_policy: 'sometimes' }, 'overlap_policy'],
      [{ max_queued: 2 }, 'max_queued'],
      [{ overlap_policy: 'forbid', max_queued: 2 }, 'max_queued'],
      [{ overlap_policy: 'queue', max_queued: 0 }, 'max_queued'],
      [{ overlap_policy: 'queue', max_queued: 101 }, 'max_queued'],
      [{ max_concurrent: 0 }, 'max_concurrent'],
      [{ max_concurrent: 1001 }, 'max_concurrent'],
      [{ max_concurrent: 1.5 }, 'max_concurrent'],
      [{ max_concurrent: '2' }, 'max_concurrent'],
    ])('a task with %j is refused with 400 naming %s', async (fields, field) => {
      const project = await createProject(admin);
      const response = await admin.post(`/projects/${project.id}/tasks`, taskBody(fields));
      expect(response.status).toBe(400);
      expect(JSON.stringify(response.body)).toContain(field);
    });

    it('groups and projects refuse max_queued without queue, naming it', async () => {
      const project = await createProject(admin);
      const group = await admin.post(`/projects/${project.id}/task-groups`, { name: 'g', overlap_policy: 'replace', max_queued: 2 });
      expect(group.status).toBe(400);
      expect(JSON.stringify(group.body)).toContain('max_queued');
      const put = await admin.put(`/projects/${project.id}`, { max_queued: 2 });
      expect(put.status).toBe(400);
      expect(JSON.stringify(put.body)).toContain('max_queued');
    });
  });

  it('replace on push: the replaced run is CANCELLED and its executor gets a signed cancel notice an old executor cannot take for a dispatch', async () => {
    const created = await admin.post('/projects', { name: 'push overlap', execution_endpoint: executor.url });
    const project = { id: created.body.id as string, secret: created.body.signing_secret as string };
    const task = await createTask(admin, project.id, { overlap_policy: 'replace', schedule_config: { cron_expression: '* * * * *', timezone: 'UTC' } });
    expect(task.execution_mode).toBe('push');

    await advanceTo('2026-06-01T08:01:00.000Z');
    const [first] = await waitFor(async () => {
      const list = await executionsOf(project.id, task.id);
      return list.length === 1 && list;
    }, { what: 'the 08:01 tick' });
    await executor.waitFor(first.id, 1);
    await advanceTo('2026-06-01T08:02:00.000Z');
    const notice = await waitFor(() => executor.received.find((r) => r.headers['x-cron-observer-event'] === 'execution.cancelled'), { what: 'the cancel notice' });
    const [old, fresh] = await waitFor(async () => {
      const list = await executionsOf(project.id, task.id);
      return list.length === 2 && list[0].status === 'CANCELLED' && list;
    }, { what: 'the replaced run' });
    expect(old).toMatchObject({ id: first.id, status: 'CANCELLED', error: `Cancelled by system:scheduler: replaced by ${fresh.id}` });
    expect(fresh.status).toBe('PENDING');

    expect(notice.json).toEqual({
      type: 'execution.cancelled',
      execution_id: first.id,
      task_id: task.id,
      project_id: project.id,
      cancelled_at: '2026-06-01T08:02:00.000Z',
      reason: `replaced by ${fresh.id}`,
      replaced_by: fresh.id,
    });
    expect(notice.json).not.toHaveProperty('task_name');
    const timestamp = notice.headers['x-cron-observer-timestamp'] as string;
    expect(notice.headers['x-cron-observer-signature']).toBe(signature(project.secret, timestamp, notice.body));
    // The new run is dispatched as usual.
    const [dispatch] = await executor.waitFor(fresh.id, 1);
    expect(dispatch.json.task_name).toBe(task.name);
    expect(dispatch.headers['x-cron-observer-event']).toBeUndefined();

    const audit = (await admin.get(`/executions/${first.id}/audit?limit=100`)).body.data as Array<{ type: string; data: Record<string, unknown> }>;
    expect(audit.find((e) => e.type === 'ExecutionCancelled')?.data).toMatchObject({ by: 'system:scheduler', replacedBy: fresh.id });
  });

  it('queue on push: a QUEUED run is not dispatched until the open run ends, then it is', async () => {
    await advanceTo('2026-06-01T08:14:30.000Z');
    const created = await admin.post('/projects', { name: 'push queue', execution_endpoint: executor.url });
    const project = { id: created.body.id as string, executor: admin.as({ apiKey: created.body.api_key as string }) };
    const task = await createTask(admin, project.id, { overlap_policy: 'queue', schedule_config: { cron_expression: '* * * * *', timezone: 'UTC' } });
    await advanceTo('2026-06-01T08:15:00.000Z');
    const [first] = await waitFor(async () => {
      const list = await executionsOf(project.id, task.id);
      return list.length === 1 && list;
    }, { what: 'the 08:15 tick' });
    await executor.waitFor(first.id, 1);
    await advanceTo('2026-06-01T08:16:00.000Z');
    const [, second] = await waitFor(async () => {
      const list = await executionsOf(project.id, task.id);
      return list.length === 2 && list;
    }, { what: 'the 08:16 tick' });
    expect(second.status).toBe('QUEUED');
    await caughtUp();
    expect(executor.of(second.id)).toHaveLength(0);

    expect((await project.executor.post(`/executions/${first.id}/finish`, { status: 'SUCCESS' })).status).toBe(200);
    const [dispatch] = await executor.waitFor(second.id, 1);
    expect(dispatch.json).toMatchObject({ execution_id: second.id, task_name: task.name });
  });

  it('replace on an external run: later reports on the replaced run get 409 on v1', async () => {
    await advanceTo('2026-06-01T08:20:30.000Z'); // between ticks: the task's first tick is 08:21
    const project = await createProject(admin);
    const task = await createTask(admin, project.id, {
      execution_mode: 'external',
      overlap_policy: 'replace',
      schedule_config: { cron_expression: '* * * * *', timezone: 'UTC' },
    });
    await advanceTo('2026-06-01T08:21:00.000Z');
    await waitFor(async () => (await executionsOf(project.id, task.id)).length === 1, { what: "the 08:21 tick's execution" });
    const run = await project.executor.post(`/projects/${project.id}/tasks/${task.id}/runs`);
    expect(run.status).toBe(200);
    await advanceTo('2026-06-01T08:22:00.000Z');
    // The cancel is the scheduler's second write of the tick: wait for it, not for the tick alone.
    await waitFor(async () => (await executionsOf(project.id, task.id)).find((e) => e.id === run.body.execution_id)?.status === 'CANCELLED', {
      what: 'the replaced run cancelled',
    });
    const finish = await project.executor.post(`/executions/${run.body.execution_id}/finish`, { status: 'SUCCESS' });
    expect(finish.status).toBe(409);
    expect(finish.body.error).toMatch(/CANCELLED/);
  });

  it('queue on pull: a QUEUED run cannot be claimed; once the open run ends it is released and claimable', async () => {
    await advanceTo('2026-06-01T08:23:30.000Z');
    const project = await createProject(admin);
    const task = await createTask(admin, project.id, {
      execution_mode: 'pull',
      overlap_policy: 'queue',
      schedule_config: { cron_expression: '* * * * *', timezone: 'UTC' },
    });
    await advanceTo('2026-06-01T08:24:00.000Z');
    await waitFor(async () => (await executionsOf(project.id, task.id)).length === 1, { what: "the 08:24 tick's execution" });
    await advanceTo('2026-06-01T08:25:00.000Z');
    const [first, second] = await waitFor(async () => {
      const list = await executionsOf(project.id, task.id);
      return list.length === 2 && list;
    }, { what: 'the 08:25 tick' });
    expect([first.status, second.status]).toEqual(['PENDING', 'QUEUED']);
    const claim = async () => (await project.executor.post(`/projects/${project.id}/executions/claim`, { limit: 10 })).body.executions as Array<{ execution_id: string }>;
    expect((await claim()).map((e) => e.execution_id)).toEqual([first.id]);
    expect((await claim()).map((e) => e.execution_id)).toEqual([]);

    // A worker long-polling meanwhile is woken by the release and gets the run.
    const waiting = project.executor.post(`/projects/${project.id}/executions/claim`, { limit: 10, wait_seconds: 20 });
    expect((await project.executor.post(`/executions/${first.id}/finish`, { status: 'SUCCESS' })).status).toBe(200);
    const woken = await waiting;
    expect(woken.status).toBe(200);
    expect(woken.body.executions.map((e: { execution_id: string }) => e.execution_id)).toEqual([second.id]);
    expect((await executionsOf(project.id, task.id))[1].status).toBe('RUNNING');
  });

  it('forbid: the skipped tick is in the history with its reason, and opens an alert incident like a failure', async () => {
    await advanceTo('2026-06-01T08:26:30.000Z');
    const project = await createProject(admin);
    const task = await createTask(admin, project.id, { overlap_policy: 'forbid', schedule_config: { cron_expression: '* * * * *', timezone: 'UTC' } });
    await advanceTo('2026-06-01T08:27:00.000Z');
    await waitFor(async () => (await executionsOf(project.id, task.id)).length === 1, { what: "the 08:27 tick's execution" });
    await advanceTo('2026-06-01T08:28:00.000Z');
    const [open, skipped] = await waitFor(async () => {
      const list = await executionsOf(project.id, task.id);
      return list.length === 2 && list;
    }, { what: 'the 08:28 tick' });
    expect(skipped).toMatchObject({ status: 'SKIPPED', error: `previous run still running (execution ${open.id})` });
    const incident = await waitFor(async () => {
      const events = await server.services.events.readAll({ filter: { streamPrefixes: [`alerts-${task.id}`] } });
      return events.find((e) => e.type === 'AlertIncidentOpened');
    }, { what: 'the incident' });
    expect(incident.data).toMatchObject({ status: 'SKIPPED' });

    // "Run now" while that run is open: 409 naming it, and nothing recorded.
    const trigger = await admin.post(`/projects/${project.id}/tasks/${task.id}/trigger`);
    expect(trigger.status).toBe(409);
    expect(trigger.body.details).toEqual(['overlap_policy: forbid', `open execution: ${open.id}`]);
    expect(await executionsOf(project.id, task.id)).toHaveLength(2);
    // Once it ended, a manual run starts.
    expect((await project.executor.post(`/executions/${open.id}/finish`, { status: 'SUCCESS' })).status).toBe(200);
    expect((await admin.post(`/projects/${project.id}/tasks/${task.id}/trigger`)).status).toBe(201);
  });

  it('under allow (and the other policies), a manual run starts while a run is open', async () => {
    const project = await createProject(admin);
    const task = await createTask(admin, project.id, { overlap_policy: 'queue', schedule_config: { cron_expression: '0 0 1 1 *', timezone: 'UTC' } });
    expect((await admin.post(`/projects/${project.id}/tasks/${task.id}/trigger`)).status).toBe(201);
    expect((await admin.post(`/projects/${project.id}/tasks/${task.id}/trigger`)).status).toBe(201);
  });
});
