import type { ApiClient } from '../support/api-client';
import { ManualClock } from '../support/manual-clock';
import { startServerWithAdmin } from '../support/signed-in';
import { apiKeyClient, createProject, createTask, taskBody, type TestProject } from '../support/task-fixtures';
import type { TestServer } from '../support/test-server';

describe('tasks API', () => {
  let server: TestServer;
  let admin: ApiClient;
  let project: TestProject;
  const clock = new ManualClock('2026-03-01T10:00:00.000Z');

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin({ clock }));
    project = await createProject(admin);
  });
  afterAll(() => server.stop());

  const tasksPath = () => `/projects/${project.id}/tasks`;
  const taskPath = (id: string) => `${tasksPath()}/${id}`;

  describe('PUT', () => {
    it('accepts a task exactly as GET returned it, read-only fields included, and changes nothing', async () => {
      const group = await admin.post(`/projects/${project.id}/task-groups`, { name: 'nightly' });
      const created = await createTask(admin, project.id, {
        description: 'full',
        task_group_id: group.body.id,
        timeout_seconds: 60,
        start_deadline_seconds: 30,
        metadata: { team: 'data', tags: ['a', 'b'] },
        execution_mode: 'external',
        alert_policy: { after_failures: 2, notify_recovery: true, realert_minutes: 60 },
        schedule_config: { cron_expression: '0 2 * * 1-5', timezone: 'Europe/Paris', excluded_dates: ['2026-12-25'], dst: { gap: 'skip' } },
      });
      const fetched = await admin.get(taskPath(created.id));
      await clock.advance(1000);
      const put = await admin.put(taskPath(created.id), { ...fetched.body, trigger_config: {}, api_key: 'ignored' });
      expect(put.status).toBe(200);
      expect(put.body).toEqual(fetched.body);
      const audit = await admin.get(`/tasks/${created.id}/audit`);
      // An external task gets its ping URL when created; the PUT recorded nothing.
      expect(audit.body.data.map((e: { type: string }) => e.type)).toEqual(['TaskCreated', 'TaskPingUrlAssigned']);

      // And with every optional field empty (nulls in, nulls out), and a ONEOFF schedule.
      const bare = await createTask(admin, project.id, {
        schedule_type: 'ONEOFF',
        schedule_config: { run_at: '2030-01-01T00:00:00Z', timezone: 'UTC' },
        alert_policy: { after_failures: 1, notify_recovery: false },
      });
      expect(bare).toMatchObject({ description: null, metadata: null, timeout_seconds: null, alert_policy: { realert_minutes: null } });
      expect((await admin.put(taskPath(bare.id), bare)).body).toEqual(bare);
    });

    it('is a full update: optional fields left out are cleared, including the group', async () => {
      const group = await admin.post(`/projects/${project.id}/task-groups`, { name: 'cleared' });
      const created = await createTask(admin, project.id, { description: 'd', task_group_id: group.body.id, timeout_seconds: 5, metadata: { a: 1 } });
      await clock.advance(1000);
      const put = await admin.put(taskPath(created.id), { name: created.name, schedule_type: 'RECURRING', schedule_config: { interval: { value: 2, unit: 'h' }, timezone: 'UTC' } });
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({
        description: null,
        task_group_id: null,
        timeout_seconds: null,
        metadata: null,
        schedule_config: { interval: { value: 2, unit: 'h' }, timezone: 'UTC' },
        updated_at: clock.now().toISOString(),
      });
    });

    it('renames: the new name is claimed (409 when taken) and the old one is given back', async () => {
      const first = await createTask(admin, project.id, { name: 'alpha' });
      await createTask(admin, project.id, { name: 'beta' });
      const taken = await admin.put(taskPath(first.id), { ...first, name: 'BETA' });
      expect(taken.status).toBe(409);
      expect((await admin.get(taskPath(first.id))).body.name).toBe('alpha');

      expect((await admin.put(taskPath(first.id), { ...first, name: 'gamma' })).status).toBe(200);
      // "alpha" is free again.
      await createTask(admin, project.id, { name: 'Alpha' });
      // A case-only rename keeps the claim.
      expect((await admin.put(taskPath(first.id), { ...first, name: 'GAMMA' })).body.name).toBe('GAMMA');
    });
  });

  describe('create', () => {
    it('refuses a second task with the same name, case-insensitively', async () => {
      await createTask(admin, project.id, { name: 'unique-name' });
      const duplicate = await admin.post(tasksPath(), taskBody({ name: '  UNIQUE-name ' }));
      expect(duplicate.status).toBe(409);
      expect(duplicate.body.error).toMatch(/already has a task named/);
    });

    it('answers 400 with details for a bad cron expression, a bad zone and wrong types, and stores nothing', async () => {
      const before = (await admin.get(tasksPath())).body.length;
      const badCron = await admin.post(tasksPath(), taskBody({ name: 'bad', schedule_config: { cron_expression: '61 * * * *', timezone: 'UTC' } }));
      expect(badCron.status).toBe(400);
      expect(badCron.body.details).toEqual([expect.stringMatching(/^schedule_config\.cron_expression: "61 \* \* \* \*" is not a valid cron expression/)]);

      const badZone = await admin.post(tasksPath(), taskBody({ name: 'bad', schedule_config: { cron_expression: '* * * * *', timezone: 'europe/paris' } }));
      expect(badZone.status).toBe(400);
      expect(badZone.body.details).toEqual([expect.stringMatching(/timezone: "europe\/paris" is not an IANA time zone \(did you mean "Europe\/Paris"\?\)/)]);

      // Unknown fields are ignored (and named in a Warning header), as the original API did: see compat-tolerance.test.ts.

      const several = await admin.post(tasksPath(), taskBody({ name: 'bad', schedule_config: { timezone: 'Mars/Base', days_of_week: [9] } }));
      expect(several.status).toBe(400);
      expect(several.body.details.length).toBeGreaterThanOrEqual(3);

      const wrongTypes = await admin.post(tasksPath(), taskBody({ name: 'bad', timeout_seconds: 'soon', schedule_type: 'WEEKLY' }));
      expect(wrongTypes.status).toBe(400);
      expect(wrongTypes.body.details.length).toBe(2);

      expect((await admin.get(tasksPath())).body.length).toBe(before);
      // The refused name was never claimed.
      await createTask(admin, project.id, { name: 'bad' });
    });

    it('accepts the original API nulls in schedule_config and a matching project_id in the body', async () => {
      const created = await admin.post(
        tasksPath(),
        taskBody({ project_id: project.id, schedule_config: { cron_expression: '0 * * * *', timezone: 'UTC', time_range: null, days_of_week: [], exclusions: null } }),
      );
      expect(created.status).toBe(201);
      expect(created.body.schedule_config).toEqual({ cron_expression: '0 * * * *', timezone: 'UTC' });
    });

    it('refuses a project_id in the body that is not the path, a deletion status, and a group of nowhere', async () => {
      const other = await admin.post(tasksPath(), taskBody({ project_id: '00000000-0000-0000-0000-000000000000' }));
      expect(other.status).toBe(400);
      expect(other.body.details).toEqual([expect.stringMatching(/^project_id:/)]);
      const status = await admin.post(tasksPath(), taskBody({ status: 'PENDING_DELETE' }));
      expect(status.status).toBe(400);
      const group = await admin.post(tasksPath(), taskBody({ task_group_id: '00000000-0000-0000-0000-000000000000' }));
      expect(group.status).toBe(400);
      expect(group.body.details).toEqual([expect.stringMatching(/^task_group_id:/)]);
    });

    it('defaults the execution mode from the project: push with an endpoint, else pull', async () => {
      const withEndpoint = await createProject(admin, { execution_endpoint: 'http://127.0.0.1:9/run' });
      expect((await createTask(admin, withEndpoint.id)).execution_mode).toBe('push');
      expect((await createTask(admin, project.id)).execution_mode).toBe('pull');
    });

    it('answers 404 for a project the caller is not a member of, and 403 to a read key', async () => {
      expect((await admin.post('/projects/00000000-0000-0000-0000-000000000000/tasks', taskBody())).status).toBe(404);
      const reader = await apiKeyClient(admin, project.id, 'read');
      expect((await reader.get(tasksPath())).status).toBe(200);
      expect((await reader.post(tasksPath(), taskBody())).status).toBe(403);
    });
  });

  describe('status and deletion', () => {
    it('switches ACTIVE/DISABLED, which also sets state', async () => {
      const created = await createTask(admin, project.id);
      const disabled = await admin.patch(`${taskPath(created.id)}/status`, { status: 'DISABLED' });
      expect(disabled.body).toMatchObject({ status: 'DISABLED', state: 'NOT_RUNNING' });
      expect((await admin.patch(`${taskPath(created.id)}/status`, { status: 'PENDING_DELETE' })).status).toBe(400);
      expect((await admin.patch(`${taskPath(created.id)}/status`, { status: 'ACTIVE' })).body).toMatchObject({ status: 'ACTIVE', state: 'RUNNING' });
    });

    it('starts a deletion (202), freezes the task, and answers ALREADY_DELETED for an unknown one', async () => {
      const created = await createTask(admin, project.id);
      // The deletion saga (a process manager) would finish the deletion within milliseconds: hold it.
      await server.processManagers.stop();
      const deleted = await admin.delete(taskPath(created.id));
      expect(deleted).toMatchObject({ status: 202, body: { status: 'PENDING_DELETE', task_uuid: created.id } });
      expect((await admin.get(taskPath(created.id))).body.status).toBe('PENDING_DELETE');
      expect((await admin.put(taskPath(created.id), created)).status).toBe(409);
      expect((await admin.post(`${taskPath(created.id)}/trigger`)).status).toBe(409);
      const unknown = await admin.delete(taskPath('00000000-0000-0000-0000-000000000000'));
      expect(unknown).toMatchObject({ status: 200, body: { status: 'ALREADY_DELETED' } });
      await server.processManagers.start();
    });

    it('answers 404 for a task of another project', async () => {
      const other = await createProject(admin);
      const foreign = await createTask(admin, other.id);
      expect((await admin.get(taskPath(foreign.id))).status).toBe(404);
      expect((await admin.put(taskPath(foreign.id), foreign)).status).toBe(404);
      expect((await admin.delete(taskPath(foreign.id))).status).toBe(404);
      expect((await admin.post(`${taskPath(foreign.id)}/trigger`)).status).toBe(404);
    });
  });

  it('records nothing for a refused request', async () => {
    const kept = await createTask(admin, project.id, { name: 'kept' });
    const frozen = await createTask(admin, project.id, { name: 'frozen' });
    // Held in PENDING_DELETE: no deletion saga (nor any other process manager) runs during this test.
    await server.processManagers.stop();
    await admin.delete(taskPath(frozen.id));
    const head = await server.services.events.headPosition();
    const refused = [
      await admin.post(tasksPath(), taskBody({ name: 'kept' })),
      await admin.post(tasksPath(), taskBody({ schedule_config: { cron_expression: 'nope', timezone: 'UTC' } })),
      await admin.post(tasksPath(), taskBody({ status: 'DELETE_FAILED' })),
      await admin.put(taskPath(kept.id), { ...kept, name: 'frozen' }),
      await admin.put(taskPath(kept.id), { ...kept, status: 'PENDING_DELETE', name: 'renamed' }),
      await admin.put(taskPath(frozen.id), { ...frozen, name: 'frozen, renamed' }),
      await admin.put(taskPath(kept.id), { ...kept, task_group_id: '00000000-0000-0000-0000-000000000000' }),
      await admin.patch(`${taskPath(frozen.id)}/status`, { status: 'DISABLED' }),
    ];
    expect(refused.map((r) => r.status)).toEqual([409, 400, 400, 409, 400, 409, 400, 409]);
    expect(await server.services.events.headPosition()).toBe(head);
    await server.processManagers.start();
  });

  describe('as_of', () => {
    it('shows the definition the task had at an instant, from its history', async () => {
      clock.set('2026-03-02T08:00:00.000Z');
      const created = await createTask(admin, project.id, { description: 'first' });
      clock.set('2026-03-02T09:00:00.000Z');
      await admin.put(taskPath(created.id), { ...created, description: 'second' });
      clock.set('2026-03-02T10:00:00.000Z');
      await admin.patch(`${taskPath(created.id)}/status`, { status: 'DISABLED' });

      const at = (instant: string) => admin.get(`${taskPath(created.id)}?as_of=${encodeURIComponent(instant)}`);
      expect((await at('2026-03-02T08:30:00Z')).body).toMatchObject({ description: 'first', status: 'ACTIVE', updated_at: '2026-03-02T08:00:00.000Z' });
      expect((await at('2026-03-02T09:00:00.000Z')).body).toMatchObject({ description: 'second', status: 'ACTIVE' });
      expect((await at('2026-03-02T11:00:00+01:00')).body).toMatchObject({ description: 'second', status: 'DISABLED' });
      expect((await at('2026-03-02T07:59:59Z')).status).toBe(404);
      const bad = await at('yesterday');
      expect(bad.status).toBe(400);
      expect(bad.body.details).toEqual([expect.stringMatching(/^as_of:/)]);
    });
  });
});
