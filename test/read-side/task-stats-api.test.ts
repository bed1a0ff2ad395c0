import { histogramBounds, histogramIndex } from '../../src/projections/stats-buckets';
import { FakeTimeServer } from '../process-managers/deletion-support';
import { newSignedInUser } from '../support/signed-in';
import { apiKeyClient, createProject, createTask, type TestProject, triggerTask } from '../support/task-fixtures';
import { waitFor } from '../support/wait-for';

const DAY = 86_400_000;
const DISABLED = { status: 'DISABLED' };

interface Row {
  name: string;
  total: number;
  failures: number;
  failure_rate: number | null;
  duration: { p95_ms: number | null };
}

describe('per-task stats of a project (GET /projects/:id/stats/tasks)', () => {
  const harness = new FakeTimeServer('2026-03-01T12:00:00.000Z');
  let project: TestProject;
  const tasks: Record<string, string> = {};

  const run = async (task: string, status: 'SUCCESS' | 'FAILED', durationMs: number) => {
    const id = await triggerTask(harness.admin, project.id, tasks[task]!);
    const finished = await harness.admin.as({ apiKey: project.apiKey }).post(`/executions/${id}/finish`, { status, duration_ms: durationMs });
    expect(finished.status).toBe(200);
    return id;
  };
  const list = async (query: string) => {
    const response = await harness.admin.get(`/projects/${project.id}/stats/tasks${query}`);
    expect({ query, status: response.status }).toEqual({ query, status: 200 });
    return response.body as { tasks: Row[]; qualifying: number; from: string; to: string; timezone: string; granularity: string };
  };
  const names = (rows: Row[]) => rows.map((r) => r.name);

  beforeAll(async () => {
    await harness.start();
    project = await createProject(harness.admin, { timezone: 'Asia/Tokyo' });
    for (const name of ['flaky', 'slow', 'fine']) tasks[name] = (await createTask(harness.admin, project.id, { ...DISABLED, name })).id;
    // Nine days ago (Tokyo days): flaky fails twice in three runs, slow once in two, fine never.
    await run('flaky', 'FAILED', 100);
    await run('flaky', 'FAILED', 120);
    await run('flaky', 'SUCCESS', 110);
    await run('slow', 'FAILED', 60_000);
    await run('slow', 'SUCCESS', 50_000);
    await run('fine', 'SUCCESS', 10);
    await harness.jump(9 * DAY);
    // Today: one more failure for slow, and fine speeds along.
    await run('slow', 'FAILED', 40_000);
    await run('fine', 'SUCCESS', 20);
    await harness.caughtUp();
  });
  afterAll(() => harness.stop());

  it("ranks tasks by failures and by p95 over the project's days, from each task's buckets", async () => {
    const failing = await list('?from=2026-02-25&to=2026-03-10');
    expect(failing).toMatchObject({ granularity: 'day', timezone: 'Asia/Tokyo', from: '2026-02-25', to: '2026-03-10', qualifying: 2 });
    expect(failing.tasks.map((r) => [r.name, r.total, r.failures, r.failure_rate])).toEqual([
      ['flaky', 3, 2, 2 / 3],
      ['slow', 3, 2, 2 / 3],
    ]);
    const slowest = await list('?from=2026-02-25&to=2026-03-10&sort=p95');
    expect(names(slowest.tasks)).toEqual(['slow', 'flaky', 'fine']);
    // The third smallest of three durations: the middle of 60 s's histogram bucket (the shared estimate).
    const [lower, upper] = histogramBounds(histogramIndex(60_000));
    expect(slowest.tasks[0]!.duration.p95_ms).toBe(Math.round(Math.sqrt(lower * upper)));
    // The default range is the last 7 days up to today (in Tokyo): only today's runs.
    const recent = await list('?sort=p95');
    expect(recent.to).toBe('2026-03-10');
    expect(recent.tasks.map((r) => [r.name, r.total])).toEqual([['slow', 1], ['fine', 1]]);
    expect(names((await list('')).tasks)).toEqual(['slow']);
    // limit cuts the list, qualifying tells how many there were.
    const one = await list('?from=2026-02-25&to=2026-03-10&sort=p95&limit=1');
    expect(one).toMatchObject({ qualifying: 3 });
    expect(names(one.tasks)).toEqual(['slow']);
    // UTC hours: the last 24 hours by default.
    const hours = await list('?granularity=hour&sort=p95');
    expect(hours).toMatchObject({ granularity: 'hour', timezone: 'UTC', to: '2026-03-10T12' });
    expect(hours.tasks.map((r) => [r.name, r.total])).toEqual([['slow', 1], ['fine', 1]]);
  });

  it('keeps the figures when retention removes the executions: it reads only the buckets', async () => {
    const before = await list('?from=2026-02-25&to=2026-03-10&sort=p95');
    const oldRun = await run('fine', 'SUCCESS', 30);
    await harness.caughtUp();
    const ofDay = async () => (await harness.admin.get(`/projects/${project.id}/executions?date=2026-03-01`)).body.data as unknown[];
    expect(await ofDay()).toHaveLength(6);
    expect((await harness.admin.put(`/projects/${project.id}`, { retention_days: 3 })).status).toBe(200);
    await waitFor(async () => (await ofDay()).length === 0, {
      what: 'the executions of nine days ago purged by retention',
    });
    expect((await harness.admin.get(`/executions/${oldRun}`)).status).toBe(200); // today's run is kept
    const after = await list('?from=2026-02-25&to=2026-03-10&sort=p95');
    const withoutNewRun = after.tasks.map((r) => (r.name === 'fine' ? { ...r, total: r.total - 1 } : r));
    expect(withoutNewRun.map((r) => [r.name, r.total, r.failures])).toEqual(before.tasks.map((r) => [r.name, r.total, r.failures]));
    expect(after.tasks.find((r) => r.name === 'flaky')).toMatchObject({ total: 3, failures: 2 });
  });

  it('refuses bad parameters, naming them', async () => {
    for (const [query, detail] of [
      ['?sort=worst', 'sort'],
      ['?limit=0', 'limit'],
      ['?limit=101', 'limit'],
      ['?limit=ten', 'limit'],
      ['?granularity=week', 'granularity'],
      ['?from=2026-02-30', 'from'],
      ['?from=2026-03-02&to=2026-03-01', 'from'],
      ['?from=2025-01-01&to=2026-03-01', 'from/to'],
      ['?granularity=hour&from=2026-03-01T00:00:00Z&to=2026-03-05T00:00:00Z', 'from/to'],
      ['?granularity=hour&to=noon', 'to'],
    ] as const) {
      const response = await harness.admin.get(`/projects/${project.id}/stats/tasks${query}`);
      expect({ query, status: response.status }).toEqual({ query, status: 400 });
      expect({ query, details: JSON.stringify(response.body.details) }).toEqual({ query, details: expect.stringContaining(detail) });
    }
  });

  it('lets viewers and read keys read, and nobody else', async () => {
    const email = `stats-viewer-${Date.now()}@example.com`;
    const viewer = await newSignedInUser(harness.admin, email);
    const path = `/projects/${project.id}/stats/tasks`;
    expect((await viewer.get(path)).status).toBe(404);
    await harness.admin.put(`/projects/${project.id}/members/${encodeURIComponent(email)}`, { role: 'viewer' });
    expect((await viewer.get(path)).status).toBe(200);
    expect((await (await apiKeyClient(harness.admin, project.id, 'read')).get(path)).status).toBe(200);
    expect((await (await apiKeyClient(harness.admin, project.id, 'ingest')).get(path)).status).toBe(403);
    expect((await harness.admin.as(null).get(path)).status).toBe(401);
    const other = await createProject(harness.admin);
    expect((await harness.admin.get(`/projects/${other.id}/stats/tasks`)).body.tasks).toEqual([]);
  });
});
