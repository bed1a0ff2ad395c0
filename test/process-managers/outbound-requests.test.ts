import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiClient } from '../support/api-client';
import { newSignedInUser, startServerWithAdmin } from '../support/signed-in';
import { apiKeyClient, createProject, createTask, triggerTask } from '../support/task-fixtures';
import { refusedUrl, TestExecutor } from '../support/test-executor';
import type { TestServer } from '../support/test-server';
import { waitFor } from '../support/wait-for';

/** Once a year: the scheduler never fires during a test, every execution is a manual trigger's. */
const YEARLY = { schedule_type: 'RECURRING', schedule_config: { cron_expression: '0 0 1 1 *', timezone: 'UTC' } };

interface AuditEntry {
  type: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data: any;
}

/**
 * The outbound policy through a real server (README.md, "Outbound requests"): refused literal addresses
 * at configuration, names resolving to refused addresses at connect time (recorded, nothing connected),
 * redirects not followed, and who sees the details of an outcome.
 *
 * The server refuses 127.0.0.1 and ::1 for execution endpoints (OUTBOUND_EXECUTION_DENY), so `localhost`
 * is refused for both purposes; the executors that must be reached listen on 127.0.0.2, still loopback,
 * which execution endpoints may reach by default (Linux routes all of 127.0.0.0/8 to loopback).
 */
describe('outbound requests through the server', () => {
  let server: TestServer;
  let admin: ApiClient;
  let editor: ApiClient;
  let viewer: ApiClient;
  /** Listens where `localhost` leads: it must never receive anything. */
  let forbidden: TestExecutor;
  /** Reachable (127.0.0.2). */
  let executor: TestExecutor;

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin(
      { dispatch: { timeoutMs: 3_000, backoffBaseMs: 40, maxAttempts: 2 } },
      { OUTBOUND_EXECUTION_DENY: '127.0.0.1/32,::1/128' },
    ));
    editor = await newSignedInUser(admin, 'editor@example.com');
    viewer = await newSignedInUser(admin, 'viewer@example.com');
    forbidden = await TestExecutor.start();
    executor = await TestExecutor.start(undefined, '127.0.0.2');
  });
  afterAll(async () => {
    await forbidden.close();
    await executor.close();
    await server.stop();
  });

  /** A project of the admin with an editor and a viewer. */
  async function teamProject(fields: Record<string, unknown> = {}) {
    const project = await createProject(admin, fields);
    for (const [email, role] of [
      ['editor@example.com', 'editor'],
      ['viewer@example.com', 'viewer'],
    ]) {
      expect((await admin.put(`/projects/${project.id}/members/${email}`, { role })).status).toBe(200);
    }
    return project;
  }

  const localhostUrl = (path: string) => `http://localhost:${new URL(forbidden.url).port}${path}`;

  const auditOf = async (client: ApiClient, executionId: string): Promise<AuditEntry[]> => {
    const response = await client.get(`/executions/${executionId}/audit?limit=500`);
    expect(response.status).toBe(200);
    return response.body.data;
  };

  /** The execution's dispatch outcome, once recorded. */
  const dispatchOutcome = (executionId: string, type = 'ExecutionDispatchFailed') =>
    waitFor(async () => (await auditOf(admin, executionId)).find((e) => e.type === type), { what: `${type} of ${executionId}`, timeoutMs: 15_000 });

  async function pushRun(endpoint: string) {
    const project = await teamProject({ execution_endpoint: endpoint });
    const task = await createTask(admin, project.id, YEARLY);
    expect(task.execution_mode).toBe('push');
    return { project, executionId: await triggerTask(admin, project.id, task.id) };
  }

  describe('a URL whose host is a refused address is a 400 where it is configured', () => {
    it.each([
      ['http://169.254.169.254/latest/meta-data/', /link-local address \(where cloud metadata services answer\), refused unless OUTBOUND_EXECUTION_ALLOW names it/],
      ['http://[::ffff:a9fe:a9fe]/', /169\.254\.169\.254 is a link-local address/],
      ['http://0.0.0.0:8080/run', /0\.0\.0\.0 is an unspecified address/],
      ['http://2130706433:8080/run', /127\.0\.0\.1 is in OUTBOUND_EXECUTION_DENY \(127\.0\.0\.1\/32\)/],
      ['http://0x7f000001/run', /127\.0\.0\.1 is in OUTBOUND_EXECUTION_DENY/],
      ['http://127.1/run', /127\.0\.0\.1 is in OUTBOUND_EXECUTION_DENY/],
      ['http://[::1]/run', /::1 is in OUTBOUND_EXECUTION_DENY/],
    ])('execution_endpoint %s', async (url, rule) => {
      const created = await admin.post('/projects', { name: `Refused ${url}`, execution_endpoint: url });
      expect(created.status).toBe(400);
      expect(created.body.details).toEqual([expect.stringMatching(/^execution_endpoint: refused by outbound policy: /)]);
      expect(created.body.details[0]).toMatch(rule);
      // Nothing stored: no such project.
      expect((await admin.get('/projects')).body.map((p: { name: string }) => p.name)).not.toContain(`Refused ${url}`);

      const project = await createProject(admin, { execution_endpoint: executor.url });
      const updated = await admin.put(`/projects/${project.id}`, { execution_endpoint: url });
      expect(updated.status).toBe(400);
      expect(updated.body.details[0]).toMatch(rule);
      expect((await admin.get(`/projects/${project.id}`)).body.execution_endpoint).toBe(executor.url);
    });

    it.each([
      ['http://127.0.0.1:9/alerts', /127\.0\.0\.1 is a loopback address, refused for alert channels unless OUTBOUND_ALERT_ALLOW names it/],
      ['http://[::ffff:127.0.0.1]/alerts', /127\.0\.0\.1 is a loopback address/],
      ['http://10.1.2.3/alerts', /10\.1\.2\.3 is a private address, refused for alert channels/],
      ['http://192.168.0.10/alerts', /private address/],
      ['http://[fd00::1]/alerts', /fd00::1 is a private address/],
      ['http://169.254.169.254/alerts', /link-local address/],
    ])('alert_webhook_url %s', async (url, rule) => {
      const project = await createProject(admin);
      const updated = await admin.put(`/projects/${project.id}`, { alert_webhook_url: url });
      expect(updated.status).toBe(400);
      expect(updated.body.details).toEqual([expect.stringMatching(/^alert_webhook_url: refused by outbound policy: /)]);
      expect(updated.body.details[0]).toMatch(rule);
      expect((await admin.get(`/projects/${project.id}`)).body.alert_webhook_url).toBeUndefined();
    });

    it('accepts internal addresses for execution endpoints and names for both (judged when connecting)', async () => {
      const project = await createProject(admin, { execution_endpoint: 'http://10.1.2.3:8080/run' });
      expect((await admin.put(`/projects/${project.id}`, { execution_endpoint: executor.url })).status).toBe(200);
      expect((await admin.put(`/projects/${project.id}`, { alert_webhook_url: localhostUrl('/alerts') })).status).toBe(200);
      expect((await admin.put(`/projects/${project.id}`, { alert_webhook_url: 'https://hooks.example.com/alerts' })).status).toBe(200);
    });
  });

  it('a dispatch to a name resolving to a refused address is recorded as refused, not retried, and connects nowhere', async () => {
    const { executionId } = await pushRun(localhostUrl('/run'));
    const failed = await dispatchOutcome(executionId);
    expect(failed.data).toMatchObject({
      attempt: 1,
      outcome: 'refused_by_policy',
      retryable: false,
      nextAttemptAt: null,
      status: null,
      reason: expect.stringMatching(/^refused by outbound policy: localhost resolves to (127\.0\.0\.1|::1): .* is in OUTBOUND_EXECUTION_DENY/),
    });
    const dispatchTypes = (await auditOf(admin, executionId)).map((e) => e.type).filter((t) => t.startsWith('ExecutionDispatch'));
    expect(dispatchTypes).toEqual(['ExecutionDispatchAttempted', 'ExecutionDispatchFailed']);
    expect(forbidden.received).toHaveLength(0);
  });

  it('an alert to a name resolving to loopback is recorded as refused and given up; the receiver gets nothing', async () => {
    const project = await teamProject();
    expect((await admin.put(`/projects/${project.id}`, { alert_webhook_url: localhostUrl('/alerts') })).status).toBe(200);
    const task = await createTask(admin, project.id, YEARLY);
    const executionId = await triggerTask(admin, project.id, task.id);
    expect((await project.executor.post(`/executions/${executionId}/finish`, { status: 'FAILED', error: 'exit code 3' })).status).toBe(200);
    const alertsOf = async (client: ApiClient): Promise<AuditEntry[]> => (await client.get(`/tasks/${task.id}/alerts`)).body.data;
    const failed = await waitFor(async () => (await alertsOf(admin)).find((e) => e.type === 'AlertSendFailed'), { what: 'the webhook outcome' });
    expect(failed.data).toMatchObject({
      channel: 'webhook',
      outcome: 'refused_by_policy',
      retryAt: null,
      reason: expect.stringMatching(/^refused by outbound policy: localhost resolves to .* refused for alert channels unless OUTBOUND_ALERT_ALLOW names it/),
    });
    expect(forbidden.received).toHaveLength(0);

    // A viewer and a read key see the outcome class, not the rule (which names addresses).
    for (const client of [viewer, await apiKeyClient(admin, project.id, 'read')]) {
      const seen = (await alertsOf(client)).find((e) => e.type === 'AlertSendFailed')!;
      expect(seen.data).toMatchObject({ channel: 'webhook', outcome: 'refused_by_policy', retryAt: null });
      expect(seen.data).not.toHaveProperty('reason');
    }
    const seenByEditor = (await alertsOf(editor)).find((e) => e.type === 'AlertSendFailed')!;
    expect(seenByEditor.data.reason).toBe(failed.data.reason);
  });

  it('a redirect is not followed: the dispatch fails with the 3xx, the redirect target gets nothing', async () => {
    const target = await TestExecutor.start(undefined, '127.0.0.2');
    const redirecting = await TestExecutor.start((_received, response) => void response.writeHead(302, { location: target.url }).end(), '127.0.0.2');
    try {
      const { executionId } = await pushRun(redirecting.url);
      const failed = await dispatchOutcome(executionId);
      expect(failed.data).toMatchObject({ outcome: 'http_error', status: 302, retryable: false, nextAttemptAt: null });
      expect(redirecting.of(executionId)).toHaveLength(1);
      expect(target.received).toHaveLength(0);
    } finally {
      await target.close();
      await redirecting.close();
    }
  });

  describe('who sees the details of a dispatch outcome', () => {
    let executionId: string;
    let projectId: string;
    let failed: AuditEntry;
    let dispatched: AuditEntry;
    let dispatchedId: string;

    beforeAll(async () => {
      ({ executionId, project: { id: projectId } } = await pushRun(await refusedUrl('127.0.0.2')));
      failed = await waitFor(
        async () => (await auditOf(admin, executionId)).find((e) => e.type === 'ExecutionDispatchFailed' && e.data.nextAttemptAt === null),
        { what: 'the last dispatch failure', timeoutMs: 15_000 },
      );
      executor.handler = (_received, response) => void response.end('ok');
      ({ executionId: dispatchedId } = await pushRun(executor.url));
      dispatched = await dispatchOutcome(dispatchedId, 'ExecutionDispatched');
    });

    it('editors, admins and write keys see the error, status and duration', async () => {
      expect(failed.data).toMatchObject({ outcome: 'network_error', reason: expect.stringContaining('ECONNREFUSED'), durationMs: expect.any(Number) });
      expect(dispatched.data).toMatchObject({ outcome: 'ok', status: 200, durationMs: expect.any(Number) });
      for (const client of [editor, await apiKeyClient(admin, projectId, 'write')]) {
        const entries = await auditOf(client, executionId);
        expect(entries.find((e) => e.type === 'ExecutionDispatchFailed')!.data.reason).toContain('ECONNREFUSED');
      }
    });

    it('viewers and read keys see the outcome class only', async () => {
      for (const client of [viewer, await apiKeyClient(admin, projectId, 'read')]) {
        const entries = await auditOf(client, executionId);
        const failures = entries.filter((e) => e.type === 'ExecutionDispatchFailed');
        expect(failures).toHaveLength(2);
        for (const failure of failures) {
          expect(failure.data).toMatchObject({ outcome: 'network_error', retryable: true });
          for (const detail of ['reason', 'status', 'durationMs']) expect(failure.data).not.toHaveProperty(detail);
        }
        expect(JSON.stringify(entries)).not.toMatch(/ECONNREFUSED|connect /);
      }
      const ok = (await auditOf(viewer, dispatchedId)).find((e) => e.type === 'ExecutionDispatched')!;
      expect(ok.data).toMatchObject({ outcome: 'ok', attempt: 1 });
      expect(ok.data).not.toHaveProperty('status');
      expect(ok.data).not.toHaveProperty('durationMs');
    });
  });
});

/** Alert webhooks on loopback are refused by default: a plain server, no allow list. */
describe('outbound requests with the default policy', () => {
  let server: TestServer;
  let admin: ApiClient;
  let receiver: Server;
  let port: number;
  let hits = 0;

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin());
    receiver = createServer((request, response) => {
      hits++;
      request.resume();
      response.end();
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    port = (receiver.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    await server.stop();
  });

  it('allows loopback execution endpoints and refuses loopback alert webhooks', async () => {
    const project = await createProject(admin, { execution_endpoint: `http://127.0.0.1:${port}/run` });
    expect((await admin.put(`/projects/${project.id}`, { alert_webhook_url: `http://127.0.0.1:${port}/alerts` })).status).toBe(400);
    expect((await admin.put(`/projects/${project.id}`, { alert_webhook_url: `http://2130706433:${port}/alerts` })).status).toBe(400);
    const task = await createTask(admin, project.id, YEARLY);
    const executionId = await triggerTask(admin, project.id, task.id);
    await waitFor(async () => (await admin.get(`/executions/${executionId}/audit`)).body.data.some((e: AuditEntry) => e.type === 'ExecutionDispatched'), {
      what: 'the dispatch to loopback',
    });
    expect(hits).toBe(1);
  });
});
