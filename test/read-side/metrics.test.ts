import { randomUUID } from 'node:crypto';
import { alertsStream } from '../../src/events/alert-events';
import { executionStream } from '../../src/events/streams';
import { readSideOf } from '../../src/http/read-side';
import type { ApiClient } from '../support/api-client';
import { ManualClock } from '../support/manual-clock';
import { newSignedInUser, startServerWithAdmin } from '../support/signed-in';
import { apiKeyClient, createProject, createTask, type TestProject, triggerTask } from '../support/task-fixtures';
import type { TestServer } from '../support/test-server';
import { testEvent } from '../support/test-events';
import { waitFor } from '../support/wait-for';

const YEARLY = { schedule_config: { cron_expression: '0 0 1 1 *', timezone: 'UTC' } };

/** The value of one sample line (`name{labels} value`), 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('Prometheus metrics', () => {
  let a: TestServer;
  let b: TestServer;
  let adminA: ApiClient;
  let adminB: ApiClient;
  let project: TestProject;

  const metricsText = async (client: ApiClient) => {
    const response = await fetch(`${client.baseUrl}/api/v1/metrics`, {
      headers: 'token' in (client.credentials ?? {}) ? { authorization: `Bearer ${(client.credentials as { token: string }).token}` } : {},
    });
    return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
  };

  beforeAll(async () => {
    const clock = new ManualClock('2026-03-31T12:00:00.000Z');
    [{ server: a, admin: adminA }, { server: b, admin: adminB }] = await Promise.all([startServerWithAdmin({ clock }), startServerWithAdmin({ clock })]);
    project = await createProject(adminA);
  });
  afterAll(() => Promise.all([a?.stop(), b?.stop()]));

  it('serves the text format with projection lag, scheduler lateness and process metrics', async () => {
    const { status, type, text } = await metricsText(adminA);
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const projection of ['history', 'stats', 'tasks', 'access', 'projects']) {
      expect(text).toContain(`cron_observer_projection_lag_events{projection="${projection}"}`);
      expect(text).toContain(`cron_observer_projection_position{projection="${projection}"}`);
    }
    expect(text).toContain('# TYPE cron_observer_scheduler_lateness_seconds histogram');
    expect(text).toContain('cron_observer_scheduler_lateness_seconds_bucket{le="0.1"');
    expect(text).toContain('process_resident_memory_bytes');
    expect(text).toContain('cron_observer_live_connections 0');
  });

  it('counts executor reports by route and answer, and log lines, per server', async () => {
    const task = await createTask(adminA, project.id, YEARLY);
    const executionId = await triggerTask(adminA, project.id, task.id);
    expect((await project.executor.post(`/executions/${executionId}/logs`, { message: 'one', level: 'info' })).status).toBe(200);
    expect((await project.executor.post(`/executions/${executionId}/logs`, { lines: [1, 2, 3].map((i) => ({ message: `l${i}`, level: 'info' })) })).status).toBe(200);
    expect((await project.executor.patch(`/executions/${executionId}/status`, { status: 'FAILED', error: 'x' })).status).toBe(200);
    expect((await project.executor.post(`/executions/${executionId}/finish`, { status: 'SUCCESS' })).status).toBe(409);
    expect((await project.executor.patch(`/executions/${randomUUID()}/status`, { status: 'SUCCESS' })).status).toBe(404);

    const { text } = await metricsText(adminA);
    expect(sample(text, 'cron_observer_reports_ingested_total{kind="logs",code="200"}')).toBe(2);
    expect(sample(text, 'cron_observer_reports_ingested_total{kind="status",code="200"}')).toBe(1);
    expect(sample(text, 'cron_observer_reports_ingested_total{kind="finish",code="409"}')).toBe(1);
    expect(sample(text, 'cron_observer_reports_ingested_total{kind="status",code="404"}')).toBe(1);
    expect(sample(text, 'cron_observer_log_lines_ingested_total')).toBe(4);
    // The other server in this process has registries of its own.
    expect(sample((await metricsText(adminB)).text, 'cron_observer_log_lines_ingested_total')).toBe(0);
  });

  it('counts dispatch and alert outcomes from the events as they are stored', async () => {
    // The FAILED report above may already have led to alert events (no mail server here): count from now.
    const series = [
      'cron_observer_dispatch_events_total{type="ExecutionDispatched"}',
      'cron_observer_dispatch_events_total{type="ExecutionDispatchFailed"}',
      'cron_observer_alert_events_total{type="AlertSent"}',
      'cron_observer_alert_events_total{type="AlertNotSent"}',
    ];
    await a.services.projections.whenCaughtUp();
    await a.processManagers.idle();
    await readSideOf(a.services).whenCaughtUp();
    const before = (await metricsText(adminA)).text;
    const ref = { executionId: randomUUID(), taskId: randomUUID(), projectId: project.id };
    await a.services.events.append(executionStream(ref.executionId), [testEvent('ExecutionDispatched', { ...ref, attempt: 1, status: 200, durationMs: 5, at: 'x' })], 'any');
    await a.services.events.append(executionStream(ref.executionId), [testEvent('ExecutionDispatchFailed', { ...ref, attempt: 2, reason: 'refused', at: 'x' })], 'any');
    for (const type of ['AlertSent', 'AlertSent', 'AlertNotSent']) {
      await a.services.events.append(alertsStream(ref.taskId), [testEvent(type, { taskId: ref.taskId, projectId: project.id })], 'any');
    }
    const expected = [1, 1, 2, 1];
    await waitFor(
      async () => {
        const { text } = await metricsText(adminA);
        return series.every((s, i) => sample(text, s) - sample(before, s) === expected[i]);
      },
      { what: 'the dispatch and alert events counted' },
    );
  });

  it('is for super admins, project members and read or write keys', async () => {
    expect((await fetch(`${a.url}/api/v1/metrics`)).status).toBe(401);
    const withKey = async (scope: 'read' | 'write' | 'ingest') => {
      const key = ((await apiKeyClient(adminA, project.id, scope)).credentials as { apiKey: string }).apiKey;
      return (await fetch(`${a.url}/api/v1/metrics`, { headers: { authorization: key } })).status;
    };
    expect(await withKey('read')).toBe(200);
    expect(await withKey('write')).toBe(200);
    expect(await withKey('ingest')).toBe(403);
    const loner = await newSignedInUser(adminA, `loner-${Date.now()}@example.com`);
    expect((await metricsText(loner)).status).toBe(403);
    const email = `member-${Date.now()}@example.com`;
    const member = await newSignedInUser(adminA, email);
    const added = await adminA.put(`/projects/${project.id}/members/${encodeURIComponent(email)}`, { role: 'viewer' });
    expect(added.status).toBeLessThan(300);
    expect((await metricsText(member)).status).toBe(200);
  });
});
