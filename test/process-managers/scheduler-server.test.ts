import { loadConfig } from '../../src/config/config';
import { tickExecutionId } from '../../src/process-managers/scheduler';
import { type RunningServer, startServer } from '../../src/server';
import { ApiClient } from '../support/api-client';
import { ManualClock } from '../support/manual-clock';
import { logInAs, TEST_ADMIN } from '../support/signed-in';
import { createProject, createTask } from '../support/task-fixtures';
import { makeTempDir } from '../support/temp-dir';
import { waitFor } from '../support/wait-for';
import { testEngineEnv } from '../support/test-stores';

/** The scheduler as the server runs it: tasks made through the API, executions read back through it. */
describe('scheduler in the server', () => {
  const clock = new ManualClock('2026-06-01T08:00:00.000Z');
  const temp = makeTempDir('cron-observer-scheduler-server-');
  let server: RunningServer;
  let admin: ApiClient;

  const start = async () => {
    const config = loadConfig({ PORT: '0', DATA_DIR: temp.dir, ...testEngineEnv(temp.dir), LOG_LEVEL: 'silent', ADMIN_EMAIL: TEST_ADMIN.email, ADMIN_PASSWORD: TEST_ADMIN.password });
    server = await startServer(config, { clock });
    admin = await logInAs(server.url, TEST_ADMIN.email, TEST_ADMIN.password);
  };
  /** The scheduler (and every other manager) has seen everything stored so far. */
  const caughtUp = async () => server.processManagers.waitForPosition(await server.services.events.headPosition());
  const executions = async (projectId: string, taskId: string) => {
    const response = await admin.get(`/projects/${projectId}/tasks/${taskId}/executions?date=2026-06-01&page_size=100`);
    expect(response.status).toBe(200);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return (response.body.data as any[]).sort((a, b) => a.scheduled_at.localeCompare(b.scheduled_at));
  };

  beforeAll(start);
  afterAll(async () => {
    await server.close();
    temp.cleanup();
  });

  it('fires a task made through the API; a disabled one never fires; after downtime the missed ticks show as MISSED', async () => {
    const project = await createProject(admin);
    const task = await createTask(admin, project.id, { schedule_config: { cron_expression: '*/10 * * * *', timezone: 'UTC' } });
    const disabled = await createTask(admin, project.id, { status: 'DISABLED', schedule_config: { cron_expression: '* * * * *', timezone: 'UTC' } });
    await caughtUp();
    await clock.advanceTo(new Date('2026-06-01T08:35:00.000Z'));

    const ticks = ['08:00', '08:10', '08:20', '08:30'].map((t) => `2026-06-01T${t}:00.000Z`);
    const fired = await waitFor(async () => {
      const list = await executions(project.id, task.id);
      return list.length === ticks.length && list;
    }, { what: 'four scheduled executions' });
    expect(fired.map((e) => [e.id, e.scheduled_at, e.trigger_type, e.status])).toEqual(
      ticks.map((at) => [tickExecutionId(task.id, at), at, 'SCHEDULED', 'PENDING']),
    );
    expect(await executions(project.id, disabled.id)).toEqual([]);

    // Down from 08:35 to 09:40: the ticks 08:40 … 09:40 (7) are owed: 5 MISSED executions, 2 skipped.
    await server.close();
    clock.set('2026-06-01T09:40:00.000Z');
    await start();
    const after = await waitFor(async () => {
      const list = await executions(project.id, task.id);
      return list.length === ticks.length + 5 && list;
    }, { what: 'five MISSED executions' });
    const missed = after.filter((e) => e.status === 'MISSED');
    expect(missed.map((e) => [e.id, e.scheduled_at, e.trigger_type])).toEqual(
      ['08:40', '08:50', '09:00', '09:10', '09:20'].map((t) => `2026-06-01T${t}:00.000Z`).map((at) => [tickExecutionId(task.id, at), at, 'SCHEDULED']),
    );
    expect(await executions(project.id, disabled.id)).toEqual([]);

    // Live again: the next tick fires normally.
    await caughtUp();
    await clock.advanceTo(new Date('2026-06-01T09:50:00.000Z'));
    await waitFor(async () => (await executions(project.id, task.id)).some((e) => e.scheduled_at === '2026-06-01T09:50:00.000Z'), {
      what: 'the 09:50 tick',
    });
  });
});
