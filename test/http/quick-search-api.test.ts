import type { ApiClient } from '../support/api-client';
import { ManualClock } from '../support/manual-clock';
import { newSignedInUser, startServerWithAdmin } from '../support/signed-in';
import { createTask, triggerTask } from '../support/task-fixtures';
import type { TestServer } from '../support/test-server';
import { waitFor } from '../support/wait-for';

describe('quick search API', () => {
  let server: TestServer;
  let admin: ApiClient;
  let alice: ApiClient;
  let bob: ApiClient;
  let projectA: string;
  let projectB: string;
  let nightlyA: { id: string };
  let nightlyB: { id: string };
  let runB: string;
  const clock = new ManualClock('2026-06-01T08:00:00.000Z');

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin({ clock }));
    alice = await newSignedInUser(admin, 'alice@example.com');
    bob = await newSignedInUser(admin, 'bob@example.com');
    projectA = (await alice.post('/projects', { name: 'Billing' })).body.id;
    projectB = (await bob.post('/projects', { name: 'Nightly reports' })).body.id;
    nightlyA = await createTask(alice, projectA, { name: 'nightly-invoices' });
    await createTask(alice, projectA, { name: 'Hourly sync' });
    nightlyB = await createTask(bob, projectB, { name: 'NIGHTLY-export' });
    runB = await triggerTask(bob, projectB, nightlyB.id);
  });
  afterAll(() => server.stop());

  const search = (client: ApiClient, q: string, extra = '') => client.get(`/search?q=${encodeURIComponent(q)}${extra}`);

  it('finds projects and tasks by name, case-insensitively, only in projects the caller is a member of', async () => {
    const a = await search(alice, 'NIGHTLY');
    expect(a.status).toBe(200);
    expect(a.body.hits).toEqual([expect.objectContaining({ kind: 'task', id: nightlyA.id, name: 'nightly-invoices', project_id: projectA, project_name: 'Billing' })]);
    const b = await search(bob, 'nightly');
    expect(b.body.hits.map((h: { kind: string; id: string }) => [h.kind, h.id])).toEqual([
      ['project', projectB],
      ['task', nightlyB.id],
    ]);
    // A super admin reads every project.
    expect((await search(admin, 'night')).body.hits).toHaveLength(3);
  });

  it('finds an execution and a task by exact id, never another project’s', async () => {
    const own = await waitFor(async () => {
      const response = await search(bob, runB);
      return response.body.hits.length > 0 ? response : undefined;
    });
    expect(own.body.hits[0]).toMatchObject({ kind: 'execution', id: runB, task_id: nightlyB.id, project_id: projectB, name: 'NIGHTLY-export' });
    expect((await search(alice, runB)).body.hits).toEqual([]);
    expect((await search(alice, nightlyB.id)).body.hits).toEqual([]);
    expect((await search(bob, nightlyB.id)).body.hits[0]).toMatchObject({ kind: 'task', id: nightlyB.id });
  });

  it('bounds the answer by limit and says when it is cut', async () => {
    const one = await search(admin, 'ly', '&limit=1');
    expect(one.body.hits).toHaveLength(1);
    expect(one.body.truncated).toBe(true);
  });

  it('answers 400 naming q or limit, and 401 when signed out', async () => {
    for (const [path, field] of [
      ['/search', 'q'],
      ['/search?q=%20%20', 'q'],
      [`/search?q=${'x'.repeat(201)}`, 'q'],
      ['/search?q=a&limit=0', 'limit'],
      ['/search?q=a&limit=51', 'limit'],
      ['/search?q=a&limit=two', 'limit'],
    ] as const) {
      const response = await alice.get(path);
      expect(response.status).toBe(400);
      expect(response.body.details).toEqual([expect.stringMatching(new RegExp(`^${field}:`))]);
    }
    const { ApiClient: Client } = await import('../support/api-client');
    expect((await new Client(server.url).get('/search?q=a')).status).toBe(401);
  });
});
