import { alertId, alertMessageId } from '../../src/commands/alerts/alert-ids';
import type { ApiClient } from '../support/api-client';
import { ManualClock } from '../support/manual-clock';
import { startServerWithAdmin } from '../support/signed-in';
import { type SmtpTestServer, startSmtpTestServer } from '../support/smtp-test-server';
import { createProject, createTask, type TestProject, triggerTask } from '../support/task-fixtures';
import type { TestServer } from '../support/test-server';
import { waitFor } from '../support/wait-for';

const PUBLIC_URL = 'https://cron.example.com';
/** Once a year: the scheduler never fires during a test. */
const YEARLY = { schedule_type: 'RECURRING', schedule_config: { cron_expression: '0 0 1 1 *', timezone: 'UTC' } };

/**
 * Duration and lateness alerts end to end: a real server (every process manager running) on a manual
 * clock, the executor reporting through the API, mails to a real SMTP server on loopback.
 */
describe('duration and lateness alerts through the API', () => {
  let smtp: SmtpTestServer;
  let server: TestServer;
  let admin: ApiClient;
  const clock = new ManualClock('2026-03-02T08:00:00.000Z');

  beforeAll(async () => {
    smtp = await startSmtpTestServer();
    ({ server, admin } = await startServerWithAdmin({ clock }, { SMTP_URL: smtp.url, PUBLIC_URL }));
  });
  afterAll(async () => {
    await server.stop();
    await smtp.close();
  });

  async function running(project: TestProject, taskId: string): Promise<string> {
    const executionId = await triggerTask(admin, project.id, taskId);
    expect((await project.executor.patch(`/executions/${executionId}/status`, { status: 'RUNNING' })).status).toBe(200);
    return executionId;
  }
  const succeed = async (project: TestProject, executionId: string) =>
    expect((await project.executor.patch(`/executions/${executionId}/status`, { status: 'SUCCESS' })).status).toBe(200);
  const mailsOf = (executionId: string) => smtp.mailsWhere((m) => m.text.includes(executionId));

  it('a run still RUNNING past max_run_seconds is mailed once, while it runs; its end adds no second mail', async () => {
    const project = await createProject(admin);
    const task = await createTask(admin, project.id, { name: 'long-import', ...YEARLY, duration_alerts: { max_run_seconds: 600, max_start_delay_seconds: 60 } });
    expect(task.duration_alerts).toEqual({ max_run_seconds: 600, slower_than_p95_factor: null, p95_window_runs: 20, max_start_delay_seconds: 60 });

    const executionId = await running(project, task.id);
    await clock.advance(9 * 60_000);
    expect(mailsOf(executionId)).toEqual([]);
    await clock.advance(2 * 60_000);
    const mail = await smtp.waitForMail((m) => m.text.includes(executionId));
    expect(mail.subject).toMatch(/^\[Cron Observer\] Running too long: long-import in Project /);
    expect(mail.messageId).toBe(alertMessageId(alertId(task.id, executionId, 'long_running')));
    expect(mail.text).toMatch(/Status:\s+RUNNING/);
    expect(mail.text).toMatch(/Threshold:\s+still running at its limit of 10 min/);
    expect(mail.text).toMatch(/Measured at:\s+2026-03-02T08:10:00.000Z/);
    await succeed(project, executionId);

    // A later run that starts late: mailed once it starts. The alerts manager works in `$all` order, so by
    // then it has seen the first run's end (past the limit, already alerted: nothing more).
    const late = await triggerTask(admin, project.id, task.id);
    await clock.advance(2 * 60_000);
    expect((await project.executor.patch(`/executions/${late}/status`, { status: 'RUNNING' })).status).toBe(200);
    const lateMail = await smtp.waitForMail((m) => m.text.includes(late));
    expect(lateMail.subject).toMatch(/^\[Cron Observer\] Started late: long-import/);
    expect(lateMail.text).toMatch(/started 2 min after its scheduled time \(.+\); the limit is 1 min/);
    expect(mailsOf(executionId)).toHaveLength(1);

    const alerts = (await admin.get(`/tasks/${task.id}/alerts`)).body.data as Array<{ type: string; data: { kind?: string } }>;
    expect(alerts.filter((a) => a.type === 'AlertIncidentOpened')).toEqual([]);
  });

  it('a run slower than k × the p95 of the last successful runs is mailed when it ends, and opens no incident', async () => {
    const project = await createProject(admin);
    const task = await createTask(admin, project.id, { name: 'report', ...YEARLY, duration_alerts: { slower_than_p95_factor: 3, p95_window_runs: 5 } });
    for (let i = 0; i < 5; i++) {
      const executionId = await running(project, task.id);
      await clock.advance(10_000);
      await succeed(project, executionId);
    }
    const slow = await running(project, task.id);
    await clock.advance(45_000);
    await succeed(project, slow);
    const mail = await smtp.waitForMail((m) => m.text.includes(slow));
    expect(mail.subject).toMatch(/^\[Cron Observer\] Slow run: report in Project /);
    expect(mail.text).toMatch(/Status:\s+SUCCESS/);
    expect(mail.text).toContain('ran 45 s, more than 3 × the p95 of its last 5 successful runs (10 s)');

    const alerts = await waitFor(async () => {
      const body = (await admin.get(`/tasks/${task.id}/alerts`)).body;
      return body.data.some((a: { type: string }) => a.type === 'AlertSent') && body.data;
    }, { what: 'the slow-run alert to be recorded as sent' });
    expect(alerts.map((a: { type: string }) => a.type)).toEqual(['AlertSendIntended', 'AlertSent']);
    expect(alerts[0].data).toMatchObject({ kind: 'slow', executionId: slow });
  });

  it('validates duration_alerts at the edge, naming the field and the rule, and stores nothing', async () => {
    const project = await createProject(admin);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ max_run_seconds: 0 }, 'max_run_seconds'],
      [{ max_run_seconds: 1.5 }, 'max_run_seconds'],
      [{ slower_than_p95_factor: 0.5 }, 'slower_than_p95_factor'],
      [{ slower_than_p95_factor: 2, p95_window_runs: 4 }, 'p95_window_runs'],
      [{ max_start_delay_seconds: -1 }, 'max_start_delay_seconds'],
      [{ max_start_delay_seconds: 'soon' }, 'max_start_delay_seconds'],
    ];
    for (const [alerts, field] of cases) {
      const response = await admin.post(`/projects/${project.id}/tasks`, { name: `t-${field}`, ...YEARLY, duration_alerts: alerts });
      expect(response.status).toBe(400);
      expect(JSON.stringify(response.body.details)).toContain(`duration_alerts.${field}`);
    }
    expect((await admin.get(`/projects/${project.id}/tasks`)).body.data ?? []).toEqual([]);

    // All thresholds off is no duration alerts; a task sent back as fetched keeps them.
    const off = await createTask(admin, project.id, { name: 'off', ...YEARLY, duration_alerts: { p95_window_runs: 50 } });
    expect(off.duration_alerts).toBeNull();
    const on = await createTask(admin, project.id, { name: 'on', ...YEARLY, duration_alerts: { max_run_seconds: 60 } });
    const fetched = (await admin.get(`/projects/${project.id}/tasks/${on.id}`)).body;
    const put = await admin.put(`/projects/${project.id}/tasks/${on.id}`, fetched);
    expect(put.status).toBe(200);
    expect(put.body.duration_alerts).toEqual(on.duration_alerts);
    expect(put.headers.get('warning')).toBeNull();
  });
});
