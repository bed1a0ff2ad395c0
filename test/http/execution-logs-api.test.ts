import type { ApiClient } from '../support/api-client';
import { ManualClock } from '../support/manual-clock';
import { startServerWithAdmin } from '../support/signed-in';
import { createProject, createTask, type TestProject, triggerTask } from '../support/task-fixtures';
import type { TestServer } from '../support/test-server';
import { waitFor } from '../support/wait-for';

const LINES = 5_000;
const BATCH = 1_000;

describe('execution logs', () => {
  const clock = new ManualClock('2026-04-10T12:00:00.000Z');
  let server: TestServer;
  let admin: ApiClient;
  let project: TestProject;
  let taskId: string;
  let executionId: string;

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin({ clock }));
    project = await createProject(admin);
    taskId = (await createTask(admin, project.id)).id;
    executionId = await triggerTask(admin, project.id, taskId);
    for (let first = 0; first < LINES; first += BATCH) {
      const lines = Array.from({ length: BATCH }, (_, i) => ({ message: `line ${first + i}`, level: 'info' }));
      const response = await project.executor.post(`/executions/${executionId}/logs`, { lines });
      expect(response.status).toBe(200);
    }
    await waitFor(async () => (await admin.get(`/executions/${executionId}`)).body.logs_count === LINES, { what: 'all lines projected' });
  });
  afterAll(() => server.stop());

  /** Every line, following next_cursor from the first page. */
  async function readAll(order: 'asc' | 'desc', limit: number, client: ApiClient = admin): Promise<number[]> {
    const seqs: number[] = [];
    let cursor = '';
    let pages = 0;
    do {
      const response = await client.get(`/executions/${executionId}/logs?order=${order}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(response.status).toBe(200);
      expect(response.body.logs_count).toBe(LINES);
      for (const line of response.body.data) {
        expect(line.message).toBe(`line ${line.seq}`);
        seqs.push(line.seq);
      }
      cursor = response.body.next_cursor ?? '';
      pages++;
    } while (cursor);
    expect(pages).toBe(Math.ceil(LINES / limit));
    return seqs;
  }

  it('pages the whole log from the first line and from the last, in order, with no gap or repeat', async () => {
    const expected = Array.from({ length: LINES }, (_, i) => i);
    expect(await readAll('asc', 1000)).toEqual(expected);
    expect(await readAll('desc', 700, project.executor)).toEqual(expected.reverse());
  });

  it('defaults to 100 lines from the start, and refuses a bad limit or a cursor from the other order', async () => {
    const first = await admin.get(`/executions/${executionId}/logs`);
    expect(first.body.data.map((l: { seq: number }) => l.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect((await admin.get(`/executions/${executionId}/logs?limit=1001`)).status).toBe(400);
    expect((await admin.get(`/executions/${executionId}/logs?order=sideways`)).status).toBe(400);
    const mixed = await admin.get(`/executions/${executionId}/logs?order=desc&cursor=${first.body.next_cursor}`);
    expect(mixed.status).toBe(400);
    expect((await admin.get(`/executions/${executionId}/logs?cursor=garbage`)).status).toBe(400);
  });

  it('embeds only the last 100 lines in the history page and the detail, with logs_truncated', async () => {
    const page = await admin.get(`/projects/${project.id}/tasks/${taskId}/executions?date=2026-04-10`);
    const [execution] = page.body.data;
    expect(execution.logs_truncated).toBe(true);
    expect(execution.logs.map((l: { seq: number }) => l.seq)).toEqual(Array.from({ length: 100 }, (_, i) => LINES - 100 + i));
    const detail = await admin.get(`/executions/${executionId}`);
    expect(detail.body).toMatchObject({ logs_count: LINES, logs_truncated: true });
    expect(detail.body.logs).toHaveLength(100);
  });
});

describe('executions history page', () => {
  let server: TestServer;
  let admin: ApiClient;
  let project: TestProject;
  const DAY = '2026-04-10';
  const clock = new ManualClock(`${DAY}T12:00:00.000Z`);

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin({ clock }));
    project = await createProject(admin);
  });
  afterAll(() => server.stop());

  it('pages a day newest first; total_pages is at least 1; other days and past-the-end pages are empty', async () => {
    // Disabled, so the scheduler adds no ticks of its own while the clock moves: only the manual runs count.
    const task = await createTask(admin, project.id, { status: 'DISABLED' });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      await clock.advance(60_000);
      ids.push(await triggerTask(admin, project.id, task.id));
    }
    // Late on the day before: not on this day's page.
    clock.set('2026-04-09T23:59:59.999Z');
    await triggerTask(admin, project.id, task.id);
    const path = `/projects/${project.id}/tasks/${task.id}/executions`;

    const first = await admin.get(`${path}?date=${DAY}&page=1&page_size=2`);
    expect(first.body).toMatchObject({ page: 1, page_size: 2, total_count: 5, total_pages: 3 });
    expect(first.body.data.map((e: { id: string }) => e.id)).toEqual([ids[4], ids[3]]);
    const last = await admin.get(`${path}?date=${DAY}&page=3&page_size=2`);
    expect(last.body.data.map((e: { id: string }) => e.id)).toEqual([ids[0]]);
    expect((await admin.get(`${path}?date=${DAY}&page=4&page_size=2`)).body).toMatchObject({ data: [], total_count: 5 });
    expect((await admin.get(`${path}?date=2026-04-09`)).body.total_count).toBe(1);
    expect((await admin.get(`${path}?date=2001-01-01`)).body).toEqual({ data: [], page: 1, page_size: 100, total_count: 0, total_pages: 1 });
    expect((await admin.get(`${path}?date=${DAY}&page_size=500`)).body.page_size).toBe(100);
  });

  it('answers 400 with details without a valid date, reads a bad page as page 1 as the original did, and 404 for an unknown task', async () => {
    const task = await createTask(admin, project.id);
    const path = `/projects/${project.id}/tasks/${task.id}/executions`;
    const missing = await admin.get(path);
    expect(missing).toMatchObject({ status: 400, body: { details: ['date: required, as YYYY-MM-DD'] } });
    expect((await admin.get(`${path}?date=2026-02-30`)).status).toBe(400);
    expect(await admin.get(`${path}?date=${DAY}&page=0`)).toMatchObject({ status: 200, body: { page: 1 } });
    expect(await admin.get(`${path}?date=${DAY}&page=two`)).toMatchObject({ status: 200, body: { page: 1 } });
    expect((await admin.get(`/projects/${project.id}/tasks/00000000-0000-0000-0000-000000000000/executions?date=${DAY}`)).status).toBe(404);
  });
});
