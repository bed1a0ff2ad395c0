import type { ApiClient } from '../support/api-client';
import { ManualClock } from '../support/manual-clock';
import { newSignedInUser, startServerWithAdmin } from '../support/signed-in';
import { apiKeyClient, createProject, createTask, type TestProject, triggerTask } from '../support/task-fixtures';
import type { TestServer } from '../support/test-server';
import { waitFor } from '../support/wait-for';

const YEARLY = { schedule_config: { cron_expression: '0 0 1 1 *', timezone: 'UTC' } };

describe('history, stats and calendar routes: parameters, access, spec', () => {
  let server: TestServer;
  let admin: ApiClient;
  let project: TestProject;
  let taskId: string;
  const clock = new ManualClock('2026-03-31T23:30:00.000Z');

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin({ clock }));
    project = await createProject(admin, { timezone: 'Asia/Tokyo' });
    taskId = (await createTask(admin, project.id, YEARLY)).id;
    for (let i = 0; i < 3; i++) await triggerTask(admin, project.id, taskId);
    await server.services.projections.whenCaughtUp();
  });
  afterAll(() => server?.stop());

  it("defaults days to the project's zone and the clock", async () => {
    // 23:30 UTC on March 31 is April 1 in Tokyo.
    const stats = await admin.get(`/projects/${project.id}/stats`);
    expect(stats.status).toBe(200);
    expect(stats.body).toMatchObject({ granularity: 'day', timezone: 'Asia/Tokyo', source: 'daily_buckets', totals: { total: 3, in_progress: 3, success_rate: null } });
    expect(stats.body.buckets.map((b: { key: string }) => b.key)).toEqual(['2026-03-26', '2026-03-27', '2026-03-28', '2026-03-29', '2026-03-30', '2026-03-31', '2026-04-01']);
    expect(stats.body.buckets.at(-1)).toMatchObject({ start: '2026-03-31T15:00:00.000Z', end: '2026-04-01T15:00:00.000Z', total: 3 });
    const hours = await admin.get(`/projects/${project.id}/stats?granularity=hour`);
    expect(hours.body.buckets).toHaveLength(24);
    expect(hours.body.buckets.at(-1)).toMatchObject({ key: '2026-03-31T23', total: 3 });
    expect((await admin.get(`/projects/${project.id}/calendar`)).body).toEqual({
      month: '2026-04',
      timezone: 'Asia/Tokyo',
      source: 'daily_buckets',
      days: [{ date: '2026-04-01', total: 3, success: 0, failures: 0, cancelled: 0, in_progress: 3 }],
    });
    // The project's day (Tokyo) by default, and the caller's on request.
    expect((await admin.get(`/projects/${project.id}/executions?date=2026-04-01`)).body).toMatchObject({
      from: '2026-03-31T15:00:00.000Z',
      to: '2026-04-01T15:00:00.000Z',
      timezone: 'Asia/Tokyo',
      next_cursor: null,
    });
    expect((await admin.get(`/projects/${project.id}/executions?date=2026-04-01`)).body.data).toHaveLength(3);
    expect((await admin.get(`/projects/${project.id}/executions?date=2026-04-01&tz=UTC`)).body.data).toHaveLength(0);
  });

  it('refuses bad parameters with details', async () => {
    for (const [path, detail] of [
      ['/stats?granularity=week', 'granularity'],
      ['/stats?granularity=hour&from=yesterday', 'from'],
      ['/stats?granularity=hour&from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z', 'from/to'],
      ['/stats?granularity=hour&tz=UTC', 'tz'],
      ['/stats?from=2026-02-30', 'from'],
      ['/stats?from=2026-03-02&to=2026-03-01', 'from'],
      ['/stats?from=2024-01-01&to=2026-01-01', 'from/to'],
      ['/stats?tz=Mars/Olympus', 'tz'],
      ['/stats?tz=europe/berlin', 'Europe/Berlin'],
      ['/calendar?month=2026-13', 'month'],
      ['/executions?status=DONE', 'status'],
      ['/executions?trigger_type=CRON', 'trigger_type'],
      ['/executions?limit=501', 'limit'],
      ['/executions?date=2026-03-01&from=2026-03-01T00:00:00Z', 'date'],
      ['/executions?tz=UTC', 'tz'],
      ['/executions?cursor=garbage', 'cursor'],
    ] as const) {
      const response = await admin.get(`/projects/${project.id}${path}`);
      expect({ path, status: response.status }).toEqual({ path, status: 400 });
      expect({ path, details: JSON.stringify(response.body.details) }).toEqual({ path, details: expect.stringContaining(detail) });
    }
  });

  it('ties a cursor to its query', async () => {
    const first = await admin.get(`/projects/${project.id}/executions?limit=1`);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const other = await admin.get(`/projects/${project.id}/executions?limit=1&status=PENDING&cursor=${encodeURIComponent(first.body.next_cursor)}`);
    expect(other.status).toBe(400);
    expect(other.body.error).toBe('The cursor belongs to another query');
    const next = await admin.get(`/projects/${project.id}/executions?limit=5&cursor=${encodeURIComponent(first.body.next_cursor)}`);
    expect(next.body.data).toHaveLength(2);
    expect(next.body.data.map((e: { id: string }) => e.id)).not.toContain(first.body.data[0].id);
  });

  it("refuses tasks of other projects, and a deleted task's history and stats (they are purged)", async () => {
    const other = await createProject(admin);
    const foreign = await createTask(admin, other.id, YEARLY);
    expect((await admin.get(`/projects/${project.id}/tasks/${foreign.id}/history`)).status).toBe(404);
    expect((await admin.get(`/projects/${project.id}/stats?task_id=${foreign.id}`)).status).toBe(404);
    expect((await admin.get(`/projects/${project.id}/tasks/${taskId}/history`)).body.data).toHaveLength(3);
    expect((await admin.delete(`/projects/${project.id}/tasks/${taskId}`)).status).toBe(202);
    await waitFor(async () => (await admin.get(`/projects/${project.id}/tasks/${taskId}/history`)).status === 404, { what: 'the task and its history purged' });
    expect((await admin.get(`/projects/${project.id}/stats?task_id=${taskId}`)).status).toBe(404);
    expect((await admin.get(`/projects/${project.id}/stats`)).body.totals.total).toBe(0);
  });

  it('lets viewers and read keys read, and nobody else', async () => {
    const viewerEmail = `viewer-${Date.now()}@example.com`;
    const viewer = await newSignedInUser(admin, viewerEmail);
    for (const path of ['/stats', '/calendar', '/executions', '/executions/stats', '/executions/failed-stats', '/failures?date=2026-03-31']) {
      expect({ path, status: (await viewer.get(`/projects/${project.id}${path}`)).status }).toEqual({ path, status: 404 });
    }
    await admin.put(`/projects/${project.id}/members/${encodeURIComponent(viewerEmail)}`, { role: 'viewer' });
    const reader = await apiKeyClient(admin, project.id, 'read');
    const ingest = await apiKeyClient(admin, project.id, 'ingest');
    for (const path of ['/stats', '/calendar', '/executions', '/executions/stats', '/executions/failed-stats', '/failures?date=2026-03-31']) {
      expect({ path, status: (await viewer.get(`/projects/${project.id}${path}`)).status }).toEqual({ path, status: 200 });
      expect({ path, status: (await reader.get(`/projects/${project.id}${path}`)).status }).toEqual({ path, status: 200 });
      expect({ path, status: (await ingest.get(`/projects/${project.id}${path}`)).status }).toEqual({ path, status: 403 });
      expect({ path, status: (await admin.as(null).get(`/projects/${project.id}${path}`)).status }).toEqual({ path, status: 401 });
    }
  });

  it('describes the routes in the OpenAPI spec', async () => {
    const spec = (await admin.as(null).get('/openapi.json')).body;
    for (const path of [
      '/projects/{project_id}/stats',
      '/projects/{project_id}/calendar',
      '/projects/{project_id}/executions',
      '/projects/{project_id}/tasks/{task_uuid}/history',
      '/projects/{project_id}/executions/stats',
      '/projects/{project_id}/executions/failed-stats',
      '/projects/{project_id}/failures',
      '/projects/{project_id}/events',
      '/projects/{project_id}/events/token',
      '/metrics',
    ]) {
      expect({ path, described: path in spec.paths }).toEqual({ path, described: true });
    }
    expect(Object.keys(spec.paths['/projects/{project_id}/events'].get.responses['200'].content)).toEqual(['text/event-stream']);
  });
});
