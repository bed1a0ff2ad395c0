import { alertId, incidentId } from '../../src/commands/alerts/alert-ids';
import type { ApiClient } from '../support/api-client';
import { ManualClock } from '../support/manual-clock';
import { startServerWithAdmin } from '../support/signed-in';
import { createProject, createTask, triggerTask, type TestProject } from '../support/task-fixtures';
import { ALERTS_TO_LOOPBACK, type TestServer } from '../support/test-server';
import type { VendorFormat } from '../support/vendors/vendor-formats';
import { VendorReceiver } from '../support/vendors/vendor-receiver';
import { waitFor } from '../support/wait-for';

const PUBLIC_URL = 'https://cron.example.com';
/** Once a year: the scheduler never fires during a test. */
const YEARLY = { schedule_type: 'RECURRING', schedule_config: { cron_expression: '0 0 1 1 *', timezone: 'UTC' } };
const SLACK_SECRET = 'T000/B000/XXXXXXXXXXXXXXXXsecret-slack';
const ROUTING_KEY = 'R0123456789abcdef0123456789abcde';
const NTFY_TOKEN = 'tk_ntfysecrettoken0123456789';

/** End to end: a real server (alerts manager included, time from a ManualClock) and a local receiver checking each vendor's format. */
describe('alert channels: Slack, Teams, Discord, PagerDuty, ntfy', () => {
  const clock = new ManualClock('2026-05-01T10:00:00.000Z');
  let server: TestServer;
  let admin: ApiClient;
  let vendors: VendorReceiver;

  beforeAll(async () => {
    vendors = await VendorReceiver.start();
    ({ server, admin } = await startServerWithAdmin({ clock }, { PUBLIC_URL, PAGERDUTY_EVENTS_URL: `${vendors.url}/pagerduty/default/enqueue`, ...ALERTS_TO_LOOPBACK }));
  });
  afterAll(async () => {
    await server.stop();
    await vendors.close();
  });

  /** Every vendor's channel on one project, all pointing at the local receiver. */
  async function projectWithChannels(): Promise<TestProject> {
    const project = await createProject(admin);
    const channels: Record<string, Record<string, unknown>> = {
      'ops-slack': { type: 'slack', name: 'Ops on Slack', url: `${vendors.url}/slack/services/${SLACK_SECRET}` },
      teams: { type: 'teams', name: 'Teams', url: `${vendors.url}/teams/workflows/abc/triggers/manual/paths/invoke?sig=teamssecret` },
      discord: { type: 'discord', name: 'Discord', url: `${vendors.url}/discord/api/webhooks/1/discordsecrettoken` },
      pager: { type: 'pagerduty', name: 'On call', routing_key: ROUTING_KEY, url: `${vendors.url}/pagerduty/v2/enqueue` },
      phone: { type: 'ntfy', name: 'Phones', url: `${vendors.url}/ntfy/cron-alerts`, token: NTFY_TOKEN },
    };
    for (const [id, body] of Object.entries(channels)) {
      const response = await admin.put(`/projects/${project.id}/alert-channels/${id}`, body);
      expect(response.status).toBe(200);
    }
    return project;
  }

  const requestsAbout = (format: VendorFormat, needle: string) => vendors.requests.filter((r) => r.format === format && JSON.stringify(r.body).includes(needle));

  it('keeps secrets write-only: the API shows scheme, host and a masked tail, never the URL, key or token', async () => {
    const project = await projectWithChannels();
    const list = await admin.get(`/projects/${project.id}/alert-channels`);
    expect(list.status).toBe(200);
    const text = JSON.stringify(list.body);
    for (const secret of [SLACK_SECRET, 'teamssecret', 'discordsecrettoken', ROUTING_KEY, NTFY_TOKEN, 'cron-alerts']) expect(text).not.toContain(secret);
    const byId = Object.fromEntries(list.body.data.map((c: { id: string }) => [c.id, c]));
    expect(byId['ops-slack']).toEqual({ id: 'ops-slack', type: 'slack', name: 'Ops on Slack', url: `${vendors.url}/…lack` });
    expect(byId.pager).toMatchObject({ type: 'pagerduty', routing_key: '…bcde' });
    expect(byId.phone).toMatchObject({ type: 'ntfy', token_set: true });

    // A change without the secrets keeps them; the audit trail shows that a channel changed, not its secrets.
    const renamed = await admin.put(`/projects/${project.id}/alert-channels/pager`, { type: 'pagerduty', name: 'Night shift' });
    expect(renamed.body).toMatchObject({ name: 'Night shift', routing_key: '…bcde' });
    const audit = await waitFor(async () => {
      const response = await admin.get(`/projects/${project.id}/audit?type=AlertChannelSet`);
      return response.body.data?.length === 6 && response.body;
    }, { what: 'the channel changes in the audit trail' });
    const auditText = JSON.stringify(audit);
    for (const secret of [SLACK_SECRET, 'discordsecrettoken', ROUTING_KEY, NTFY_TOKEN]) expect(auditText).not.toContain(secret);

    // The rules, each named.
    const bad = await admin.put(`/projects/${project.id}/alert-channels/x`, { type: 'pagerduty', name: 'No key' });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual(['routing_key: required for a pagerduty channel']);
    const badUrl = await admin.put(`/projects/${project.id}/alert-channels/y`, { type: 'slack', name: 'S', url: 'ftp://hooks.slack.com/x' });
    expect(badUrl.body.details).toEqual(['url: is not an http(s) URL']);
    expect((await admin.put(`/projects/${project.id}/alert-channels/Bad%20Id`, { type: 'slack', name: 'S', url: 'https://hooks.slack.com/x' })).status).toBe(400);

    expect((await admin.delete(`/projects/${project.id}/alert-channels/teams`)).status).toBe(204);
    expect((await admin.delete(`/projects/${project.id}/alert-channels/teams`)).status).toBe(404);
    expect((await admin.get(`/projects/${project.id}/alert-channels`)).body.data.map((c: { id: string }) => c.id)).toEqual(['ops-slack', 'discord', 'pager', 'phone']);
  });

  it('"send test alert" goes through each channel in its vendor format and answers the outcome', async () => {
    const project = await projectWithChannels();
    for (const [id, format] of [['ops-slack', 'slack'], ['teams', 'teams'], ['discord', 'discord'], ['pager', 'pagerduty'], ['phone', 'ntfy']] as const) {
      const before = vendors.requests.length;
      const tested = await admin.post(`/projects/${project.id}/alert-channels/${id}/test`);
      expect(tested.body).toEqual({ outcome: 'ok', detail: expect.stringMatching(/^HTTP 20[024]$/) });
      const [request] = vendors.requests.slice(before);
      expect(request).toMatchObject({ format, status: expect.any(Number) });
      expect(request!.status).toBeLessThan(300);
    }
    const page = vendors.requests.at(-2)!;
    expect(page.body).toMatchObject({ routing_key: ROUTING_KEY, event_action: 'trigger', dedup_key: 'cron-observer-test-pager', payload: { severity: 'info' } });
    expect(vendors.requests.at(-1)!.headers.authorization).toBe(`Bearer ${NTFY_TOKEN}`);
    expect(vendors.requests.at(-1)!.path).toBe('/ntfy');

    // A PagerDuty channel without a URL of its own goes to PAGERDUTY_EVENTS_URL.
    expect((await admin.put(`/projects/${project.id}/alert-channels/pager-default`, { type: 'pagerduty', name: 'Default', routing_key: ROUTING_KEY })).body.url).toBeNull();
    expect((await admin.post(`/projects/${project.id}/alert-channels/pager-default/test`)).body.outcome).toBe('ok');
    expect(vendors.requests.at(-1)).toMatchObject({ path: '/pagerduty/default/enqueue', status: 202, body: { dedup_key: 'cron-observer-test-pager-default' } });

    vendors.outage('slack', 1);
    expect((await admin.post(`/projects/${project.id}/alert-channels/ops-slack/test`)).body).toEqual({ outcome: 'http_error', detail: 'slack answered HTTP 503' });
    expect((await admin.post(`/projects/${project.id}/alert-channels/nope/test`)).status).toBe(404);
  });

  it('a failure alerts every channel; PagerDuty triggers and then resolves on recovery under the incident id', async () => {
    const project = await projectWithChannels();
    const task = await createTask(admin, project.id, { name: 'nightly-backup', ...YEARLY });
    const failed = await triggerTask(admin, project.id, task.id);
    expect((await project.executor.post(`/executions/${failed}/finish`, { status: 'FAILED', error: 'exit code 3' })).status).toBe(200);

    for (const format of ['slack', 'teams', 'discord', 'pagerduty', 'ntfy'] as const) {
      await waitFor(() => requestsAbout(format, failed).length === 1, { what: `the ${format} alert` });
    }
    expect(requestsAbout('slack', failed)[0]!.body.text).toMatch(/FAILED: nightly-backup/);
    const incident = incidentId(task.id, failed);
    expect(requestsAbout('pagerduty', failed)[0]!.body).toMatchObject({ event_action: 'trigger', dedup_key: incident, payload: { severity: 'error' } });

    const succeeded = await triggerTask(admin, project.id, task.id);
    expect((await project.executor.post(`/executions/${succeeded}/finish`, { status: 'SUCCESS' })).status).toBe(200);
    const resolve = await waitFor(() => vendors.accepted('pagerduty').find((r) => r.body.event_action === 'resolve' && r.body.dedup_key === incident), { what: 'the resolve' });
    expect(resolve.body).toEqual({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: incident });
    for (const format of ['slack', 'teams', 'discord', 'ntfy'] as const) {
      await waitFor(() => requestsAbout(format, succeeded).length === 1, { what: `the ${format} recovery notice` });
    }
    // Every request the vendors saw was in their format (none answered 400).
    expect(vendors.requests.filter((r) => r.status === 400)).toEqual([]);
  });

  it('an outage of one channel delays its alert, never loses it, and holds no other channel', async () => {
    const project = await projectWithChannels();
    const task = await createTask(admin, project.id, { name: 'flaky-export', ...YEARLY });
    const executionId = await triggerTask(admin, project.id, task.id);
    const incident = incidentId(task.id, executionId);
    vendors.outage('pagerduty', 2);
    expect((await project.executor.post(`/executions/${executionId}/finish`, { status: 'FAILED', error: 'disk full' })).status).toBe(200);

    // The others arrive at once; PagerDuty's first attempt is answered 503 and waits for its retry.
    for (const format of ['slack', 'teams', 'discord', 'ntfy'] as const) {
      await waitFor(() => vendors.accepted(format).some((r) => JSON.stringify(r.body).includes(executionId)), { what: `the ${format} alert` });
    }
    const alerts = async () => (await admin.get(`/tasks/${task.id}/alerts`)).body.data as Array<{ type: string; data: Record<string, any> }>;
    const failures = () => alerts().then((events) => events.filter((e) => e.type === 'AlertSendFailed'));
    await waitFor(async () => (await failures()).length === 1, { what: 'the first PagerDuty attempt to fail' });
    expect((await failures())[0]!.data).toMatchObject({ channel: 'pagerduty', channelId: 'pager', outcome: 'http_error', retryAt: '2026-05-01T10:00:05.000Z' });

    await clock.advance(5_000); // second attempt: 503 again, next one 10 s later
    await waitFor(async () => (await failures()).length === 2, { what: 'the second PagerDuty attempt to fail' });
    expect(vendors.accepted('pagerduty').filter((r) => r.body.dedup_key === incident)).toEqual([]);
    await clock.advance(10_000);
    await waitFor(() => vendors.accepted('pagerduty').some((r) => r.body.dedup_key === incident), { what: 'the page after the outage' });

    const pages = vendors.requests.filter((r) => r.format === 'pagerduty' && r.body.dedup_key === incident);
    expect(pages.map((p) => p.status)).toEqual([503, 503, 202]);
    expect(pages.every((p) => p.body.event_action === 'trigger')).toBe(true);
    const sent = await waitFor(async () => {
      const events = (await alerts()).filter((e) => e.type === 'AlertSent');
      return events.length === 5 && events;
    }, { what: 'every delivery recorded as sent' });
    expect(new Set(sent.map((e) => e.data.alertId))).toEqual(new Set([alertId(task.id, executionId, 'failure')]));
    expect(new Set(sent.map((e) => e.data.channelId))).toEqual(new Set(['ops-slack', 'teams', 'discord', 'pager', 'phone']));
    // Delivered once: no retry is left to send it again.
    await clock.advance(10 * 60_000);
    expect(vendors.requests.filter((r) => r.format === 'pagerduty' && r.body.dedup_key === incident)).toHaveLength(3);
  });
});
