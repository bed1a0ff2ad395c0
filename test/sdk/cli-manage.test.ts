import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiClient } from '../support/api-client';
import { TEST_ADMIN } from '../support/signed-in';
import { makeTempDir } from '../support/temp-dir';
import type { TestServer } from '../support/test-server';
import { waitFor } from '../support/wait-for';
import { runCli, type SdkProject, createSdkProject, startSdkServer, executionWhen } from './sdk-fixtures';

const TASKS_YAML = `
groups:
  - name: nightly
    start_time: "01:00"
    end_time: "05:00"
    timezone: Europe/Paris
    max_concurrent: 2
    calendar: { calendar_id: maintenance-days, mode: only }
tasks:
  - name: send-invoices
    description: Monthly invoices
    schedule: "0 6 * * 1-5"
    timezone: Europe/Paris
    timeout_seconds: 600
    metadata: { batch_size: 50 }
    overlap_policy: forbid
    max_concurrent: 1
  - name: vacuum
    schedule: "30 2 * * *"
    group: nightly
    execution_mode: pull
    overlap_policy: queue
    calendar: { calendar_id: holidays, mode: skip }
    retry: { max_attempts: 3, delay_seconds: 60 }
  - name: report
    schedule_config:
      cron_expression: "0 8 * * *"
      timezone: UTC
      days_of_week: [5, 1, 3]
    status: DISABLED
`;

describe('cron-observer login, apply and the everyday commands', () => {
  let server: TestServer;
  let admin: ApiClient;
  let project: SdkProject;
  let temp: ReturnType<typeof makeTempDir>;
  let env: Record<string, string>;
  let file: string;

  beforeAll(async () => {
    ({ server, admin } = await startSdkServer());
    project = await createSdkProject(admin, { name: 'Billing' });
    for (const calendar of ['holidays', 'maintenance-days']) {
      if ((await admin.put(`/projects/${project.id}/calendars/${calendar}`, { name: calendar, dates: ['2026-12-25'] })).status !== 200) throw new Error('adding a calendar failed');
    }
    await createSdkProject(admin, { name: 'Other' });
    temp = makeTempDir('cron-observer-cli-');
    env = { CRON_OBSERVER_CONFIG: join(temp.dir, 'config.json') };
    file = join(temp.dir, 'tasks.yaml');
  });
  afterAll(async () => {
    await server.stop();
    temp.cleanup();
  });

  const cli = (...args: string[]) => runCli(args, env);

  it('login saves a session token (mode 0600) that later commands use', async () => {
    const login = await cli('login', '--url', server.url, '--email', TEST_ADMIN.email, '--password', TEST_ADMIN.password, '--project', 'Billing');
    expect(login.stderr).toBe('');
    expect(login.code).toBe(0);
    expect(login.stdout).toMatch(/Logged in to .* as root@example.com/);
    expect(statSync(env.CRON_OBSERVER_CONFIG!).mode & 0o777).toBe(0o600);
    const projects = await cli('projects');
    expect(projects.code).toBe(0);
    expect(projects.stdout).toMatch(/Billing/);
    expect(projects.stdout).toMatch(/Other/);
    const json = JSON.parse((await cli('projects', '--json')).stdout);
    expect(json.map((p: { name: string }) => p.name).sort()).toEqual(['Billing', 'Other']);
  });

  it('apply creates groups and tasks by name, and a second run changes nothing', async () => {
    writeFileSync(file, TASKS_YAML);
    const dry = await cli('apply', '-f', file, '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/\+ group nightly/);
    expect(dry.stdout).toMatch(/Plan \(dry run, nothing changed\): 4 to create/);
    expect((await admin.get(`/projects/${project.id}/tasks`)).body).toEqual([]);

    const first = await cli('apply', '-f', file);
    expect(first.stderr).toBe('');
    expect(first.stdout).toContain('+ group nightly');
    expect(first.stdout).toContain('+ task send-invoices');
    expect(first.stdout).toContain('    schedule_config.cron_expression: "0 6 * * 1-5"');
    expect(first.stdout).toContain('    metadata.batch_size: 50');
    expect(first.stdout).toContain('    schedule_config.days_of_week: [1,3,5]');
    expect(first.stdout).toMatch(/Applied: 4 created, 0 updated, 0 deleted, 0 unchanged/);
    const tasks = (await admin.get(`/projects/${project.id}/tasks`)).body;
    const groups = (await admin.get(`/projects/${project.id}/task-groups`)).body;
    expect(tasks.map((t: { name: string }) => t.name)).toEqual(['send-invoices', 'vacuum', 'report']);
    expect(tasks.find((t: { name: string }) => t.name === 'vacuum')).toMatchObject({
      task_group_id: groups[0].id,
      execution_mode: 'pull',
      calendar: { calendar_id: 'holidays', mode: 'skip' },
      retry: { max_attempts: 3, backoff: 'exponential', delay_seconds: 60, max_delay_seconds: null, jitter: false, on: ['FAILED', 'TIMED_OUT'], alert: 'exhausted' },
    });
    expect(groups[0].calendar).toEqual({ calendar_id: 'maintenance-days', mode: 'only' });
    expect(tasks.find((t: { name: string }) => t.name === 'report')).toMatchObject({ status: 'DISABLED' });
    // Overlap fields as declared; max_queued takes its default with queue, so the second run below matches.
    expect(tasks.find((t: { name: string }) => t.name === 'vacuum')).toMatchObject({ overlap_policy: 'queue', max_queued: 1, max_concurrent: null });
    expect(tasks.find((t: { name: string }) => t.name === 'send-invoices')).toMatchObject({ overlap_policy: 'forbid', max_concurrent: 1 });
    expect(groups[0]).toMatchObject({ overlap_policy: null, max_concurrent: 2 });

    const second = await cli('apply', '-f', file);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/No changes: 4 declared items already match/);
    const audit = (await admin.get(`/projects/${project.id}/tasks`)).body.map((t: { updated_at: string }) => t.updated_at);
    expect(audit).toEqual(tasks.map((t: { updated_at: string }) => t.updated_at));
  });

  it('apply shows a readable diff of an update, and --prune deletes what the file no longer has', async () => {
    writeFileSync(
      file,
      TASKS_YAML.replace('"0 6 * * 1-5"', '"0 7 * * 1-5"').replace('    timeout_seconds: 600\n', '').replace(/  - name: report[\s\S]*$/, ''),
    );
    const update = await cli('apply', '-f', file);
    expect(update.code).toBe(0);
    expect(update.stdout).toContain('~ task send-invoices');
    expect(update.stdout).toContain('    schedule_config.cron_expression: "0 6 * * 1-5" → "0 7 * * 1-5"');
    expect(update.stdout).toContain('    timeout_seconds: 600 → (none)');
    expect(update.stdout).toContain('? task report is not in the file (kept; --prune deletes it)');
    const pruned = await cli('apply', '-f', file, '--prune');
    expect(pruned.stdout).toContain('- task report');
    expect(pruned.stdout).toMatch(/Applied: 0 created, 0 updated, 1 deleted, 3 unchanged/);
    const again = await cli('apply', '-f', file, '--prune');
    expect(again.stdout).toMatch(/No changes/);
    const live = (await admin.get(`/projects/${project.id}/tasks`)).body.filter((t: { status: string }) => t.status === 'ACTIVE' || t.status === 'DISABLED');
    expect(live.map((t: { name: string }) => t.name)).toEqual(['send-invoices', 'vacuum']);
  });

  it('apply refuses a file with mistakes, naming each, and changes nothing', async () => {
    writeFileSync(file, 'tasks:\n  - name: a\n    schedul: "* * * * *"\n    group: missing\n');
    const run = await cli('apply', '-f', file);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('tasks[0].schedul: unknown field');
    expect(run.stderr).toContain('tasks[0] (a).group: "missing" is not declared under groups');
  });

  it('tasks, trigger, history and tail', async () => {
    const tasks = await cli('tasks');
    expect(tasks.code).toBe(0);
    expect(tasks.stdout).toMatch(/send-invoices .*0 7 \* \* 1-5 \(Europe\/Paris\)/);
    const triggered = await cli('trigger', 'vacuum', '--json');
    expect(triggered.code).toBe(0);
    const executionId = JSON.parse(triggered.stdout).data.execution_uuid as string;
    // Report it as an executor would, then follow it.
    const ingest = admin.as({ apiKey: project.apiKey });
    await ingest.post(`/executions/${executionId}/logs`, { lines: [{ message: 'vacuuming', level: 'info' }, { message: 'slow table', level: 'warn' }] });
    await ingest.post(`/executions/${executionId}/finish`, { status: 'SUCCESS', exit_code: 0, duration_ms: 1500 });
    await executionWhen(admin, executionId, (e) => e.status === 'SUCCESS' && e.logs_count === 2);
    const tail = await cli('tail', executionId);
    expect(tail.code).toBe(0);
    expect(tail.stdout).toMatch(/── execution .* of vacuum \(MANUAL/);
    expect(tail.stdout).toMatch(/INFO  vacuuming\n.*WARN  slow table\n/);
    expect(tail.stdout).toMatch(/── SUCCESS, in 1\.5 s, exit code 0/);
    const history = await cli('history', 'vacuum');
    expect(history.stdout).toContain(executionId);
    expect(history.stdout).toMatch(/page 1 of 1 \(1 executions\)/);
    const historyJson = JSON.parse((await cli('history', 'vacuum', '--json')).stdout);
    expect(historyJson.data[0]).toMatchObject({ id: executionId, status: 'SUCCESS' });
  });

  it('tail --task --once follows the next execution of a task until it ends', async () => {
    let printed = '';
    const tail = runCli(['tail', '--task', 'send-invoices', '--once'], env, 60_000, (soFar) => (printed = soFar));
    // Triggered once the tail waits: an execution that had already ended would be taken for an old one.
    await waitFor(() => printed.includes('── waiting for the next execution of send-invoices'), { what: 'the tail to wait', timeoutMs: 15_000 });
    const triggered = JSON.parse((await cli('trigger', 'send-invoices', '--json')).stdout).data.execution_uuid as string;
    const ingest = admin.as({ apiKey: project.apiKey });
    await ingest.patch(`/executions/${triggered}/status`, { status: 'RUNNING' });
    await ingest.post(`/executions/${triggered}/logs`, { message: 'invoice 1', level: 'info' });
    await ingest.post(`/executions/${triggered}/finish`, { status: 'FAILED', error: 'mail server down' });
    const run = await tail;
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('invoice 1');
    expect(run.stdout).toMatch(/── FAILED.*: mail server down/);
  });
});
