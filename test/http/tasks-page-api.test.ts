import { TASKS, TASKS_PROJECTION } from '../../src/projections/tasks-projection';
import type { ApiClient } from '../support/api-client';
import { ManualClock } from '../support/manual-clock';
import { startServerWithAdmin } from '../support/signed-in';
import { createProject, createTask, type TestProject, triggerTask } from '../support/task-fixtures';
import { embeddedReads, itOnEmbeddedReads } from '../support/test-stores';
import type { TestServer } from '../support/test-server';
import { waitFor } from '../support/wait-for';

/** GET /projects/{id}/tasks/page: the project's tasks by keyset pages; GET …/tasks stays the whole list. */
describe('task pages', () => {
  let server: TestServer;
  let admin: ApiClient;
  let project: TestProject;
  let other: TestProject;
  const created: string[] = [];
  const clock = new ManualClock('2026-03-01T10:00:00.000Z');

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin({ clock }));
    project = await createProject(admin);
    other = await createProject(admin);
    for (let i = 0; i < 7; i++) {
      created.push((await createTask(admin, project.id, { name: `job-${i}` })).id);
      await clock.advance(1000);
    }
    await createTask(admin, other.id, { name: 'elsewhere' });
  });
  afterAll(() => server.stop());

  const pagePath = (query: string) => `/projects/${project.id}/tasks/page?${query}`;
  const ids = (items: Array<{ id: string }>) => items.map((task) => task.id);

  /** Every page from the first, at `limit`. */
  async function walk(limit: number): Promise<{ pages: Array<Array<{ id: string }>>; items: unknown[] }> {
    const pages: Array<Array<{ id: string }>> = [];
    let cursor: string | null = null;
    do {
      const response = await admin.get(pagePath(`limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`));
      expect(response.status).toBe(200);
      expect(Object.keys(response.body).sort()).toEqual(['items', 'next_cursor']);
      pages.push(response.body.items);
      cursor = response.body.next_cursor;
    } while (cursor !== null && pages.length < 20);
    return { pages, items: pages.flat() };
  }

  it('leaves GET …/tasks the original whole list, byte for byte, whatever paging parameters come with it', async () => {
    const raw = async (query: string) => {
      const response = await fetch(`${server.url}/api/v1/projects/${project.id}/tasks${query}`, { headers: { authorization: project.apiKey } });
      return { status: response.status, text: await response.text() };
    };
    const plain = await raw('');
    expect(plain.status).toBe(200);
    expect(ids(JSON.parse(plain.text))).toEqual(created);
    expect(await raw('?limit=3')).toEqual(plain);
    expect(await raw('?limit=0&cursor=garbage')).toEqual(plain);
  });

  it('walks every task once, oldest first, at limit 3: pages of 3, 3 and 1, the last with next_cursor null', async () => {
    const { pages, items } = await walk(3);
    expect(pages.map((page) => page.length)).toEqual([3, 3, 1]);
    expect(ids(items as Array<{ id: string }>)).toEqual(created);
    // The same task documents as the whole list (which is in the same order).
    expect(items).toEqual((await admin.get(`/projects/${project.id}/tasks`)).body);
    // A page that ends exactly at the last task says so.
    const exact = await walk(7);
    expect(exact.pages.map((page) => page.length)).toEqual([7]);
  });

  it('takes a default page size (50) without limit, also with a cursor', async () => {
    const first = await admin.get(pagePath('limit=2'));
    const rest = await admin.get(pagePath(`cursor=${encodeURIComponent(first.body.next_cursor)}`));
    expect(rest.status).toBe(200);
    expect(ids(rest.body.items)).toEqual(created.slice(2));
    expect(rest.body.next_cursor).toBeNull();
    const all = await admin.get(`/projects/${project.id}/tasks/page`);
    expect(ids(all.body.items)).toEqual(created);
  });

  it('neither repeats nor skips a task when another is created between pages (the new one comes last)', async () => {
    const fresh = await createProject(admin);
    const before: string[] = [];
    for (let i = 0; i < 5; i++) {
      before.push((await createTask(admin, fresh.id, { name: `early-${i}` })).id);
      await clock.advance(1000);
    }
    const first = await admin.get(`/projects/${fresh.id}/tasks/page?limit=3`);
    expect(ids(first.body.items)).toEqual(before.slice(0, 3));
    const late = (await createTask(admin, fresh.id, { name: 'late' })).id;
    let cursor: string | null = first.body.next_cursor;
    const seen = ids(first.body.items);
    while (cursor !== null) {
      const page = await admin.get(`/projects/${fresh.id}/tasks/page?limit=3&cursor=${encodeURIComponent(cursor)}`);
      seen.push(...ids(page.body.items));
      cursor = page.body.next_cursor;
    }
    expect(seen).toEqual([...before, late]);
  });

  it('refuses a bad limit or cursor with a 400 naming the parameter', async () => {
    const first = await admin.get(pagePath('limit=1'));
    const inner = JSON.parse(Buffer.from(first.body.next_cursor, 'base64url').toString('utf8')) as { q: string; c: string };
    const mangledInside = Buffer.from(JSON.stringify({ q: inner.q, c: 'not-a-store-cursor' }), 'utf8').toString('base64url');
    // The execution history's cursor (same format, another query) of the same project.
    await triggerTask(admin, project.id, created[0]!);
    await triggerTask(admin, project.id, created[0]!);
    const historyCursor = await waitFor(async () => (await admin.get(`/projects/${project.id}/executions?limit=1`)).body.next_cursor as string | null, {
      what: 'two executions in the history',
    });
    const cases: Array<[string, string, RegExp]> = [
      ['limit=0', 'limit', /^limit: must be a whole number from 1 to 500/],
      ['limit=501', 'limit', /^limit: must be a whole number from 1 to 500/],
      ['limit=1.5', 'limit', /^limit: must be a whole number from 1 to 500/],
      ['limit=x', 'limit', /^limit\b/],
      ['cursor=garbage', 'cursor', /^cursor: pass the next_cursor of a previous page unchanged/],
      [`cursor=${mangledInside}`, 'cursor', /^cursor: pass the next_cursor of a previous page unchanged/],
      ['limit=2&cursor=', 'none', /./],
      [`cursor=${encodeURIComponent(historyCursor)}`, 'cursor', /^cursor: a cursor continues the pages of the project it came from/],
    ];
    for (const [query, field, detail] of cases) {
      const response = await admin.get(pagePath(query));
      if (field === 'none') {
        // An empty cursor is no cursor (as on the execution history).
        expect({ query, status: response.status }).toEqual({ query, status: 200 });
        continue;
      }
      expect({ query, status: response.status }).toEqual({ query, status: 400 });
      expect({ query, error: typeof response.body.error }).toEqual({ query, error: 'string' });
      expect({ query, details: response.body.details }).toEqual({ query, details: [expect.stringMatching(detail)] });
    }
  });

  it("refuses another project's cursor (400), even one of a project the caller may read", async () => {
    await createTask(admin, other.id, { name: 'elsewhere-2' });
    const foreign = await admin.get(`/projects/${other.id}/tasks/page?limit=1`);
    expect(foreign.body.next_cursor).toEqual(expect.any(String));
    const replayed = await admin.get(pagePath(`limit=3&cursor=${encodeURIComponent(foreign.body.next_cursor)}`));
    expect(replayed.status).toBe(400);
    expect(replayed.body).toEqual({
      error: 'The cursor belongs to another query',
      details: ['cursor: a cursor continues the pages of the project it came from'],
    });
  });

  it('answers 404 for a project the caller cannot see, as GET …/tasks does', async () => {
    expect((await admin.get('/projects/00000000-0000-4000-8000-000000000000/tasks/page?limit=1')).status).toBe(404);
  });

  itOnEmbeddedReads("serves each page with seeks of the tasks model's (projectId, createdAt) index, never a scan", async () => {
    const first = await admin.get(pagePath('limit=3'));
    const store = embeddedReads(server.services.reads);
    const collection = server.services.registry.collection(TASKS_PROJECTION, TASKS);
    const query = { filter: { projectId: project.id }, sort: [['createdAt', 1]] as Array<[string, 1 | -1]>, limit: 3 };
    const firstPage = store.explainFind(collection, query).join('\n');
    expect(firstPage).toMatch(/SEARCH \S+ USING INDEX \S+:projectId\+,createdAt\+ \(\$\.projectId=\?\)/);
    expect(firstPage).not.toMatch(/TEMP B-TREE/);
    // A later page: one range of the same index from the cursor on, in its order (no merge, no sort).
    const inner = JSON.parse(Buffer.from(first.body.next_cursor, 'base64url').toString('utf8')) as { c: string };
    const nextPage = store.explainFind(collection, { ...query, cursor: inner.c }).join('\n');
    expect(nextPage).toMatch(/^SEARCH \S+ USING INDEX \S+:projectId\+,createdAt\+ \(\$\.projectId=\? AND \(\$\.createdAt,id\)>\(\?,\?\)\)$/);
  });
});
