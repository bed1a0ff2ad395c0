import type { ApiClient } from '../../support/api-client';
import { ManualClock } from '../../support/manual-clock';
import { newSignedInUser, startServerWithAdmin } from '../../support/signed-in';
import { createProject, createTask, type TestProject, triggerTask } from '../../support/task-fixtures';
import type { TestServer } from '../../support/test-server';

const YEARLY = { schedule_config: { cron_expression: '0 0 1 1 *', timezone: 'Europe/Berlin' } };

interface Row {
  task_id: string;
  name: string;
  state: string;
  group_id: string | null;
  tags: string[];
  runs: Array<{ execution_id: string; status: string; duration_ms: number | null }>;
  last_duration_ms: number | null;
  p95_ms_7d: number | null;
  success_rate_7d: number | null;
  runs_7d: number;
  next_run_at: string | null;
  timezone: string;
}

describe('GET /projects/:p/overview', () => {
  let server: TestServer;
  let admin: ApiClient;
  let project: TestProject;
  const clock = new ManualClock('2026-03-10T12:00:00.000Z');
  const ids: Record<string, string> = {};
  let groupId: string;

  const finish = async (taskId: string, status: 'SUCCESS' | 'FAILED', durationMs: number) => {
    const executionId = await triggerTask(admin, project.id, taskId);
    const response = await project.executor.post(`/executions/${executionId}/finish`, { status, duration_ms: durationMs, ...(status === 'FAILED' ? { error: 'boom' } : {}) });
    if (response.status !== 200) throw new Error(`finish: ${response.status} ${JSON.stringify(response.body)}`);
    return executionId;
  };
  const overview = async (query = '') => {
    await server.services.projections.whenCaughtUp();
    const response = await admin.get(`/projects/${project.id}/overview${query}`);
    expect(response.status).toBe(200);
    return response.body as { total: number; rows: Row[]; groups: Array<{ id: string | null; name: string | null; tasks: number; attention: number }>; tags: string[]; next_cursor: string | null; timezone: string };
  };
  const names = (rows: Row[]) => rows.map((row) => row.name);

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin({ clock }));
    project = await createProject(admin, { timezone: 'UTC' });
    const group = await admin.post(`/projects/${project.id}/task-groups`, { name: 'Nightly' });
    groupId = group.body.id;
    ids.alpha = (await createTask(admin, project.id, { ...YEARLY, name: 'alpha', tags: ['billing'] })).id;
    ids.bravo = (await createTask(admin, project.id, { ...YEARLY, name: 'bravo', tags: ['billing', 'eu'] })).id;
    ids.charlie = (await createTask(admin, project.id, { ...YEARLY, name: 'charlie', task_group_id: groupId, execution_mode: 'external' })).id;
    ids.delta = (await createTask(admin, project.id, { ...YEARLY, name: 'delta', task_group_id: groupId })).id;
    ids.echo = (await createTask(admin, project.id, { ...YEARLY, name: 'echo' })).id;
    // Tasks are pull tasks unless told (no executor endpoint); charlie reports its runs itself.
    // alpha: 25 successes (the ring keeps 20); bravo: a success, then a failure; delta fails; echo never ran.
    for (let i = 1; i <= 25; i++) await finish(ids.alpha!, 'SUCCESS', i * 100);
    await finish(ids.bravo!, 'SUCCESS', 50);
    await finish(ids.bravo!, 'FAILED', 70);
    await finish(ids.delta!, 'FAILED', 10);
    await triggerTask(admin, project.id, ids.charlie!);
  });
  afterAll(() => server?.stop());

  it('lists every task by group, worst first, with its last 20 runs and 7-day figures', async () => {
    const page = await overview();
    expect(page.total).toBe(5);
    // The group holding a failing task and the tasks without a group (also with one) come by name; failing first within each.
    expect(names(page.rows)).toEqual(['delta', 'charlie', 'bravo', 'alpha', 'echo']);
    expect(page.groups).toEqual([
      { id: groupId, name: 'Nightly', tasks: 2, attention: 1 },
      { id: null, name: null, tasks: 3, attention: 1 },
    ]);
    expect(page.tags).toEqual(['billing', 'eu']);
    const alpha = page.rows.find((row) => row.name === 'alpha')!;
    expect(alpha.state).toBe('ok');
    expect(alpha.runs).toHaveLength(20);
    expect(alpha.runs[0]).toMatchObject({ status: 'SUCCESS', duration_ms: 2500 });
    expect(alpha.runs[19]).toMatchObject({ duration_ms: 600 });
    expect(alpha).toMatchObject({ last_duration_ms: 2500, success_rate_7d: 1, runs_7d: 25, tags: ['billing'], timezone: 'Europe/Berlin', next_run_at: '2026-12-31T23:00:00.000Z' });
    expect(alpha.p95_ms_7d).toBeGreaterThan(2200);
    expect(page.rows.find((row) => row.name === 'bravo')).toMatchObject({ state: 'failing', success_rate_7d: 0.5, runs: [{ status: 'FAILED' }, { status: 'SUCCESS' }] });
    expect(page.rows.find((row) => row.name === 'charlie')).toMatchObject({ state: 'running', runs: [{ status: 'PENDING' }] });
    expect(page.rows.find((row) => row.name === 'echo')).toMatchObject({ state: 'never_run', runs: [], last_duration_ms: null, success_rate_7d: null });
  });

  it('filters by name, state, mode, group and tag', async () => {
    expect(names((await overview('?q=ALP')).rows)).toEqual(['alpha']);
    expect(names((await overview('?status=failing')).rows)).toEqual(['delta', 'bravo']);
    expect(names((await overview('?status=never_run,running')).rows)).toEqual(['charlie', 'echo']);
    expect(names((await overview('?mode=external')).rows)).toEqual(['charlie']);
    expect(names((await overview(`?group=${groupId}`)).rows)).toEqual(['delta', 'charlie']);
    expect(names((await overview('?group=none&tag=billing')).rows)).toEqual(['bravo', 'alpha']);
    expect(names((await overview('?tag=eu')).rows)).toEqual(['bravo']);
  });

  it('sorts by any column within groups, absent values last', async () => {
    expect(names((await overview('?sort=name')).rows)).toEqual(['charlie', 'delta', 'alpha', 'bravo', 'echo']);
    expect(names((await overview('?sort=name&order=desc')).rows)).toEqual(['delta', 'charlie', 'echo', 'bravo', 'alpha']);
    expect(names((await overview('?sort=last_duration&order=desc')).rows)).toEqual(['delta', 'charlie', 'alpha', 'bravo', 'echo']);
    expect(names((await overview('?sort=success_rate')).rows)).toEqual(['delta', 'charlie', 'bravo', 'alpha', 'echo']);
    expect(names((await overview('?sort=mode')).rows)).toEqual(['charlie', 'delta', 'bravo', 'alpha', 'echo']);
    expect(names((await overview('?sort=mode&order=desc')).rows)).toEqual(['delta', 'charlie', 'bravo', 'alpha', 'echo']);
  });

  it('pages with a cursor, one bounded page per request', async () => {
    const first = await overview('?limit=2');
    expect(names(first.rows)).toEqual(['delta', 'charlie']);
    const second = await overview(`?limit=2&cursor=${first.next_cursor}`);
    expect(names(second.rows)).toEqual(['bravo', 'alpha']);
    const third = await overview(`?limit=2&cursor=${second.next_cursor}`);
    expect(names(third.rows)).toEqual(['echo']);
    expect(third.next_cursor).toBeNull();
  });

  it('answers one row, for a live update', async () => {
    const response = await admin.get(`/projects/${project.id}/overview/tasks/${ids.delta}`);
    expect(response.body).toMatchObject({ name: 'delta', state: 'failing', group_id: groupId });
    expect((await admin.get(`/projects/${project.id}/overview/tasks/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
  });

  it('refuses bad parameters naming the field, and strangers', async () => {
    for (const [query, field] of [
      ['?status=broken', 'status'],
      ['?mode=cron', 'mode'],
      ['?sort=colour', 'sort'],
      ['?order=up', 'order'],
      ['?cursor=abc', 'cursor'],
      ['?limit=201', 'limit'],
      ['?limit=0', 'limit'],
      [`?q=${'x'.repeat(201)}`, 'q'],
    ] as const) {
      const response = await admin.get(`/projects/${project.id}/overview${query}`);
      expect({ query, status: response.status }).toEqual({ query, status: 400 });
      expect({ query, details: JSON.stringify(response.body.details) }).toEqual({ query, details: expect.stringContaining(`${field}:`) });
    }
    const stranger = await newSignedInUser(admin, 'stranger@example.com');
    expect((await stranger.get(`/projects/${project.id}/overview`)).status).toBe(404);
  });
});
