import { alertId, alertMessageId } from '../../src/commands/alerts/alert-ids';
import type { ApiClient } from '../support/api-client';
import { startServerWithAdmin } from '../support/signed-in';
import { type SmtpTestServer, startSmtpTestServer } from '../support/smtp-test-server';
import { createProject, createTask, triggerTask } from '../support/task-fixtures';
import type { TestServer } from '../support/test-server';
import { waitFor } from '../support/wait-for';

const PUBLIC_URL = 'https://cron.example.com';
/** Once a year: the scheduler never fires during a test. */
const YEARLY = { schedule_type: 'RECURRING', schedule_config: { cron_expression: '0 0 1 1 *', timezone: 'UTC' } };

/** End to end through the HTTP API: a real server (all process managers running) and a real SMTP server. */
describe('alerts through the API', () => {
  describe('with SMTP_URL', () => {
    let smtp: SmtpTestServer;
    let server: TestServer;
    let admin: ApiClient;

    beforeAll(async () => {
      smtp = await startSmtpTestServer();
      ({ server, admin } = await startServerWithAdmin({}, { SMTP_URL: smtp.url, PUBLIC_URL, SMTP_FROM: 'Alerts <alerts@example.com>' }));
    });
    afterAll(async () => {
      await server.stop();
      await smtp.close();
    });

    it('an executor reporting FAILED (twice) gets one mail to alert_emails and admins, listed in the task alerts', async () => {
      const project = await createProject(admin);
      expect((await admin.put(`/projects/${project.id}`, { alert_emails: 'oncall@example.com, Ops@Example.com' })).status).toBe(200);
      const task = await createTask(admin, project.id, { name: 'nightly-backup', ...YEARLY });
      const executionId = await triggerTask(admin, project.id, task.id);
      const lines = Array.from({ length: 30 }, (_, i) => ({ message: `step ${i + 1}`, level: i === 29 ? 'error' : 'info' }));
      expect((await project.executor.post(`/executions/${executionId}/logs`, { lines })).status).toBeLessThan(300);
      expect((await project.executor.post(`/executions/${executionId}/finish`, { status: 'FAILED', error: 'exit code 3' })).status).toBe(200);
      expect((await project.executor.patch(`/executions/${executionId}/status`, { status: 'FAILED', error: 'again' })).status).toBe(200);

      const mail = await smtp.waitForMail((m) => m.text.includes(executionId));
      expect(mail.messageId).toBe(alertMessageId(alertId(task.id, executionId, 'failure')));
      expect(mail.subject).toMatch(/^\[Cron Observer\] FAILED: nightly-backup in Project /);
      expect(mail.envelope.from).toBe('alerts@example.com');
      expect(mail.envelope.to).toEqual(['oncall@example.com', 'ops@example.com', 'root@example.com']);
      expect(mail.text).toContain(`${PUBLIC_URL}/projects/${project.id}/tasks/${task.id}?execution=${executionId}`);
      expect(mail.text).toMatch(/Error:\s+exit code 3/);
      expect(mail.text).toContain('[error] step 30');
      expect(mail.text).toContain('[info] step 11');
      expect(mail.text).not.toContain('step 10\n');

      const alerts = await waitFor(async () => {
        const response = await admin.get(`/tasks/${task.id}/alerts`);
        return response.body.data.length === 3 && response.body;
      }, { what: 'the alert to be recorded as sent' });
      expect(alerts.data.map((e: { type: string }) => e.type)).toEqual(['AlertIncidentOpened', 'AlertSendIntended', 'AlertSent']);
      expect(alerts.data[1]).toMatchObject({ actor: 'system:alerts', data: { channel: 'email', kind: 'failure', executionId } });
      expect(smtp.mailsWhere((m) => m.text.includes(executionId))).toHaveLength(1);
    });

    it('sets, shows and validates alert_webhook_url', async () => {
      const project = await createProject(admin);
      expect((await admin.put(`/projects/${project.id}`, { alert_webhook_url: 'ftp://example.com' })).status).toBe(400);
      const set = await admin.put(`/projects/${project.id}`, { alert_webhook_url: 'https://hooks.example.com/alerts' });
      expect(set.status).toBe(200);
      expect(set.body.alert_webhook_url).toBe('https://hooks.example.com/alerts');
      const cleared = await admin.put(`/projects/${project.id}`, { alert_webhook_url: null });
      expect(cleared.body.alert_webhook_url).toBeUndefined();
    });

    it('a task that never alerted has an empty alert list; an unknown one is 404', async () => {
      const project = await createProject(admin);
      const task = await createTask(admin, project.id, YEARLY);
      expect((await admin.get(`/tasks/${task.id}/alerts`)).body).toEqual({ data: [], next_cursor: null });
      expect((await admin.get('/tasks/00000000-0000-4000-8000-000000000000/alerts')).status).toBe(404);
    });
  });

  describe('without SMTP_URL', () => {
    let server: TestServer;
    let admin: ApiClient;

    beforeAll(async () => {
      ({ server, admin } = await startServerWithAdmin({}, { PUBLIC_URL }));
    });
    afterAll(() => server.stop());

    it('records the alert as not sent: "no mail server", shown in the task alerts', async () => {
      const project = await createProject(admin);
      const task = await createTask(admin, project.id, YEARLY);
      const executionId = await triggerTask(admin, project.id, task.id);
      expect((await project.executor.post(`/executions/${executionId}/finish`, { status: 'FAILED', error: 'boom' })).status).toBe(200);
      const alerts = await waitFor(async () => {
        const response = await admin.get(`/tasks/${task.id}/alerts`);
        return response.body.data.length === 2 && response.body;
      }, { what: 'the alert to be recorded' });
      expect(alerts.data.map((e: { type: string }) => e.type)).toEqual(['AlertIncidentOpened', 'AlertNotSent']);
      expect(alerts.data[1].data).toMatchObject({ reason: 'no mail server', channel: 'email', recipients: ['root@example.com'], executionId });
    });
  });
});
