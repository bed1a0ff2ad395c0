import type { ApiClient } from '../support/api-client';
import type { TestServer } from '../support/test-server';
import { waitFor } from '../support/wait-for';
import { allLogs, closedPort, createSdkProject, createTask, executionWhen, runCli, type SdkProject, startSdkServer, trigger } from './sdk-fixtures';

/** A command that prints to both streams and exits 3. */
const SCRIPT = "console.log('to stdout'); console.error('to stderr'); console.log('more stdout'); process.exit(3)";

describe('cron-observer exec', () => {
  let server: TestServer;
  let admin: ApiClient;
  let project: SdkProject;
  let env: Record<string, string>;

  beforeAll(async () => {
    ({ server, admin } = await startSdkServer());
    project = await createSdkProject(admin);
    env = { CRON_OBSERVER_URL: server.url, CRON_OBSERVER_API_KEY: project.apiKey };
  });
  afterAll(() => server.stop());

  it('--execution: streams both outputs as logs, reports FAILED with exit code 3, and exits 3', async () => {
    const task = await createTask(admin, project.id, { name: 'shell-task' });
    const id = await trigger(admin, project.id, task.id);
    const run = await runCli(['exec', '--execution', id, '--', process.execPath, '-e', SCRIPT], env);
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('to stdout\nmore stdout\n');
    expect(run.stderr).toBe('to stderr\n');
    const execution = await executionWhen(admin, id, (e) => e.status === 'FAILED' && e.logs_count === 3);
    expect(execution).toMatchObject({ exit_code: 3, duration_ms: expect.any(Number), run_started_at: expect.any(String) });
    expect(execution.error).toMatch(/exited with code 3\nto stderr/);
    const logs = (await allLogs(admin, id)).map((l) => [l.level, l.message]);
    expect(logs).toHaveLength(3);
    expect(logs).toEqual(expect.arrayContaining([['info', 'to stdout'], ['error', 'to stderr'], ['info', 'more stdout']]));
    expect(logs.filter(([level]) => level === 'info')).toEqual([['info', 'to stdout'], ['info', 'more stdout']]);
  });

  it('a command that succeeds reports SUCCESS with exit code 0', async () => {
    const task = await createTask(admin, project.id, { name: 'shell-ok' });
    const id = await trigger(admin, project.id, task.id);
    const run = await runCli(['exec', '--execution', id, '--', process.execPath, '-e', "console.log('fine')"], env);
    expect(run.code).toBe(0);
    await executionWhen(admin, id, (e) => e.status === 'SUCCESS' && e.exit_code === 0 && e.logs_count === 1);
  });

  it("exits with the command's code when Cron Observer is unreachable, and when the command cannot start", async () => {
    const dead = { CRON_OBSERVER_URL: `http://127.0.0.1:${await closedPort()}`, CRON_OBSERVER_API_KEY: project.apiKey };
    const run = await runCli(['exec', '--report-timeout', '1', '--execution', '00000000-0000-4000-8000-000000000003', '--', process.execPath, '-e', SCRIPT], dead);
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('to stdout\nmore stdout\n');
    expect(run.stderr).toMatch(/to stderr/);
    expect(run.stderr).toMatch(/cron-observer: .*not (reported|recorded)/);
    expect(run.ms).toBeLessThan(15_000);
    const missing = await runCli(['exec', '--report-timeout', '1', '--task', 'whatever', '--', 'no-such-command-here'], dead);
    expect(missing.code).toBe(127);
    const unconfigured = await runCli(['exec', '--execution', 'x', '--', process.execPath, '-e', 'process.exit(5)'], {});
    expect(unconfigured.code).toBe(5);
    expect(unconfigured.stderr).toMatch(/running without reporting/);
  });

  it('--task (external mode) fills the pending scheduled execution of the tick', async () => {
    // A one-off tick a second from now, in external mode: the scheduler creates its PENDING execution.
    const runAt = new Date(Date.now() + 1000).toISOString();
    const task = await createTask(admin, project.id, {
      name: 'crontab-job',
      execution_mode: 'external',
      schedule_type: 'ONEOFF',
      schedule_config: { run_at: runAt, timezone: 'UTC' },
    });
    const tick = await waitFor(
      async () => {
        const current = (await admin.get(`/projects/${project.id}/tasks/${task.id}`)).body.last_execution;
        return current?.status === 'PENDING' && current;
      },
      { what: 'the scheduled tick', timeoutMs: 15_000 },
    );
    expect(tick.trigger_type).toBe('SCHEDULED');
    const run = await runCli(['exec', '--task', 'crontab-job', '--project', project.id, '--', process.execPath, '-e', "console.log('from crontab')"], env);
    expect(run.code).toBe(0);
    const execution = await executionWhen(admin, tick.execution_uuid, (e) => e.status === 'SUCCESS' && e.logs_count === 1);
    expect(execution).toMatchObject({ trigger_type: 'SCHEDULED', exit_code: 0 });
    expect((await allLogs(admin, tick.execution_uuid))[0]!.message).toBe('from crontab');
  });

  it('--task with no tick pending records an EXTERNAL run', async () => {
    const task = await createTask(admin, project.id, { name: 'ci-job', execution_mode: 'external' });
    const run = await runCli(['exec', '--task', 'ci-job', '--project', project.id, '--', process.execPath, '-e', "console.error('oops'); process.exit(2)"], env);
    expect(run.code).toBe(2);
    const external = await waitFor(
      async () => {
        const last = (await admin.get(`/projects/${project.id}/tasks/${task.id}`)).body.last_execution;
        return last?.status === 'FAILED' && last;
      },
      { what: 'the EXTERNAL run' },
    );
    expect(external.trigger_type).toBe('EXTERNAL');
    expect(await executionWhen(admin, external.execution_uuid, (e) => e.logs_count === 1)).toMatchObject({ exit_code: 2 });
  });
});
