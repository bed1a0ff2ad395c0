import { alertsStream } from '../../src/events/alert-events';
import { AUDIT_PROJECTION } from '../../src/projections/audit-projection';
import type { ApiClient, ApiResponse } from '../support/api-client';
import { newSignedInUser, startServerWithAdmin } from '../support/signed-in';
import { apiKeyClient, createProject, createTask, type TestProject } from '../support/task-fixtures';
import { testEvent } from '../support/test-events';
import type { TestServer } from '../support/test-server';
import { waitFor } from '../support/wait-for';

interface Entry {
  type: string;
  position: string;
  actor: string;
  occurred_at: string;
  summary: string;
  subject: { kind: string; id: string };
  data: Record<string, unknown>;
}

const types = (entries: Entry[]) => entries.map((e) => e.type);

describe('project audit view', () => {
  let server: TestServer;
  let admin: ApiClient;
  let adminId: string;
  let viewer: ApiClient;
  let project: TestProject;
  let keyId: string;
  let taskId: string;

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin());
    adminId = (await admin.get('/auth/me')).body.user.id;
    project = await createProject(admin);
    viewer = await newSignedInUser(admin, 'viewer@example.com');
    await admin.put(`/projects/${project.id}/members/viewer@example.com`, { role: 'viewer' });
    const key = await admin.post(`/projects/${project.id}/api-keys`, { name: 'deploy', scope: 'read' });
    keyId = key.body.id;
    await admin.delete(`/projects/${project.id}/api-keys/${keyId}`);
    taskId = (await createTask(admin, project.id, { name: 'nightly' })).id;
    await admin.post(`/projects/${project.id}/task-groups`, { name: 'batch' });
    await admin.delete(`/projects/${project.id}/tasks/${taskId}`);
    await waitFor(async () => (await admin.get(`/projects/${project.id}/audit?type=ProjectTaskDeleted`)).body.data.length === 1, { what: 'the deletion to finish' });
  });
  afterAll(() => server.stop());

  const audit = (query = '', client = admin) => client.get(`/projects/${project.id}/audit${query}`);

  it('shows members, keys, tasks, groups and deletions of the project in one history, oldest first, in the shape callers know', async () => {
    const all = await audit();
    expect(all.status).toBe(200);
    const entries = all.body.data as Entry[];
    expect(types(entries)).toEqual(expect.arrayContaining([
      'ProjectCreated', 'ProjectMemberSet', 'ApiKeyCreated', 'ApiKeyRevoked', 'TaskCreated', 'TaskGroupCreated',
      'TaskDeletionRequested', 'TaskDeletionStarted', 'TaskDeleted', 'ProjectTaskDeleted',
    ]));
    expect(entries[0]!.type).toBe('ProjectCreated');
    expect(entries.map((e) => Number(e.position))).toEqual([...entries.map((e) => Number(e.position))].sort((a, b) => a - b));
    // No run of a task is part of the project's administration.
    expect(types(entries).some((type) => type.startsWith('Execution'))).toBe(false);
    // Every field the route answered before is still there, with what the entry is about and a summary.
    expect(entries.find((e) => e.type === 'ApiKeyRevoked')).toEqual({
      type: 'ApiKeyRevoked',
      revision: expect.any(Number),
      position: expect.stringMatching(/^\d+$/),
      occurred_at: expect.any(String),
      actor: adminId,
      correlation_id: expect.any(String),
      causation_id: expect.any(String),
      data: expect.objectContaining({ keyId, revokedAt: expect.any(String) }),
      subject: { kind: 'project', id: project.id },
      summary: `API key ${keyId.slice(0, 8)} revoked`,
    });
    expect(entries.find((e) => e.type === 'TaskCreated')).toMatchObject({ subject: { kind: 'task', id: taskId }, summary: 'Task “nightly” created' });
    expect(all.body.next_cursor).toBeNull();
  });

  it('filters by type (one or several), actor and time window, newest first on request', async () => {
    const keys = await audit('?type=ApiKeyCreated,ApiKeyRevoked');
    expect(types(keys.body.data)).toEqual(['ApiKeyCreated', 'ApiKeyCreated', 'ApiKeyRevoked']);
    expect(types((await audit('?type=ApiKeyCreated,ApiKeyRevoked&order=desc')).body.data)).toEqual(['ApiKeyRevoked', 'ApiKeyCreated', 'ApiKeyCreated']);

    const bySystem = (await audit('?actor=system:deletion')).body.data as Entry[];
    expect(bySystem.length).toBeGreaterThan(0);
    expect(new Set(bySystem.map((e) => e.actor))).toEqual(new Set(['system:deletion']));

    const all = (await audit()).body.data as Entry[];
    const revoked = all.find((e) => e.type === 'ApiKeyRevoked')!;
    const window = (await audit(`?from=${encodeURIComponent(revoked.occurred_at)}&to=${encodeURIComponent(new Date(Date.parse(revoked.occurred_at) + 1).toISOString())}`)).body.data as Entry[];
    expect(window.map((e) => e.occurred_at).every((t) => t === revoked.occurred_at)).toBe(true);
    expect(types(window)).toContain('ApiKeyRevoked');
    expect((await audit('?from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z')).body.data).toEqual([]);
  });

  it('keeps keyset pages exact while tasks are created between them, both ways', async () => {
    const before = ((await audit('?limit=1000')).body.data as Entry[]).map((e) => e.position);
    const collect = async (order: 'asc' | 'desc') => {
      const seen: string[] = [];
      let cursor: string | null = '';
      do {
        const [page]: [ApiResponse, unknown] = await Promise.all([audit(`?order=${order}&limit=4&cursor=${cursor}`), createTask(admin, project.id)]);
        expect(page.status).toBe(200);
        seen.push(...(page.body.data as Entry[]).map((e) => e.position));
        cursor = page.body.next_cursor;
      } while (cursor);
      return seen;
    };
    // Newest first: what was appended after the first page never slips into a later one.
    const newestFirst = await collect('desc');
    expect(newestFirst.slice(newestFirst.length - before.length)).toEqual([...before].reverse());
    expect(new Set(newestFirst).size).toBe(newestFirst.length);
    // Oldest first: everything from before, in order, then what came meanwhile; nothing twice.
    const oldestFirst = await collect('asc');
    expect(oldestFirst.slice(0, before.length)).toEqual(before);
    expect(new Set(oldestFirst).size).toBe(oldestFirst.length);
    expect(oldestFirst.map(Number)).toEqual([...oldestFirst.map(Number)].sort((a, b) => a - b));
  });

  it('never shows a key or a secret, masks URL credentials for everyone and delivery details to viewers', async () => {
    const appended = await server.services.events.append(alertsStream(taskId), [
      testEvent('AlertNotSent', { projectId: project.id, taskId, alertId: 'a1', channel: 'webhook', kind: 'failure', recipients: ['https://ops:hunter2@hooks.example/x'], reason: 'no signing secret', subject: 's', triggeredAt: new Date().toISOString(), at: new Date().toISOString(), executionId: 'e', incidentId: 'i', sourcePosition: '1' }),
      testEvent('AlertSendFailed', { projectId: project.id, taskId, alertId: 'a1', channel: 'webhook', attempt: 1, reason: 'connect ECONNREFUSED 10.1.2.3:8443', retryAt: null, at: new Date().toISOString(), outcome: 'network_error' }),
    ], 'any');
    await server.services.projections.waitForPosition(appended.position);

    for (const [client, details] of [[admin, true], [viewer, false]] as const) {
      const answer = await audit('', client);
      expect(answer.status).toBe(200);
      const text = JSON.stringify(answer.body);
      expect(text).not.toContain(project.apiKey);
      expect(text).not.toContain('hunter2');
      const entries = answer.body.data as Entry[];
      expect(entries.find((e) => e.type === 'ApiKeyCreated')!.data.hash).toBe('[redacted]');
      expect(entries.find((e) => e.type === 'SigningSecretRotated')!.data.secret).toBe('[redacted]');
      expect(entries.find((e) => e.type === 'AlertNotSent')!.data.recipients).toEqual(['https://ops:***@hooks.example/x']);
      const failed = entries.find((e) => e.type === 'AlertSendFailed')!;
      expect(failed.data.outcome).toBe('network_error');
      expect('reason' in failed.data).toBe(details);
      expect(text.includes('10.1.2.3')).toBe(details);
    }
  });

  it('answers outsiders and keys of other projects 404, as for a project that does not exist', async () => {
    const outsider = await newSignedInUser(admin, 'outsider@example.com');
    const other = await createProject(admin);
    expect((await audit('', outsider)).status).toBe(404);
    expect((await audit('?type=Nope', outsider)).status).toBe(404);
    expect((await audit('', await apiKeyClient(admin, other.id, 'read'))).status).toBe(404);
    expect((await audit('', await apiKeyClient(admin, project.id, 'read'))).status).toBe(200);
  });

  it('refuses bad parameters with a 400 naming the parameter and the rule', async () => {
    const cases: Array<[string, RegExp]> = [
      ['?from=yesterday', /^from: .* is not an ISO 8601 instant/],
      ['?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', /^to: must be later than from$/],
      ['?type=TaskCreated,NoSuchThing', /^type: "NoSuchThing" is not an event type$/],
      ['?order=newest', /^order: must be one of asc, desc/],
      ['?limit=0', /^limit: must be a whole number from 1 to 1000/],
      ['?cursor=not-a-cursor', /^cursor: must be a cursor returned by a previous page/],
      [`?actor=${'x'.repeat(201)}`, /^actor: must be at most 200 characters$/],
    ];
    for (const [query, detail] of cases) {
      const answer = await audit(query);
      expect([query, answer.status]).toEqual([query, 400]);
      expect(answer.body.details).toEqual([expect.stringMatching(detail)]);
    }
    const desc = await audit('?order=desc&limit=1');
    expect((await audit(`?order=asc&cursor=${desc.body.next_cursor}`)).status).toBe(400);
  });

  it('answers the same pages after the read model is rebuilt from the events', async () => {
    const queries = ['?limit=7', '?order=desc&limit=5&type=TaskCreated,ApiKeyCreated', `?actor=${adminId}&limit=3`];
    const pages = async () => Promise.all(queries.map(async (q) => (await audit(q)).body));
    const before = await pages();
    const generation = server.services.registry.generationOf(AUDIT_PROJECTION)!.generation;
    await server.services.projections.rebuild(AUDIT_PROJECTION);
    await waitFor(() => server.services.registry.generationOf(AUDIT_PROJECTION)!.generation > generation, { what: 'the rebuilt generation to answer' });
    expect(await pages()).toEqual(before);
  });
});
