import { taskStream } from '../../src/events/streams';
import type { ApiClient } from '../support/api-client';
import { ManualClock } from '../support/manual-clock';
import { newSignedInUser, startServerWithAdmin } from '../support/signed-in';
import { createProject, createTask, type TestProject, triggerTask } from '../support/task-fixtures';
import type { TestServer } from '../support/test-server';

describe('audit API', () => {
  let server: TestServer;
  let admin: ApiClient;
  let adminId: string;
  let project: TestProject;

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin());
    adminId = (await admin.get('/auth/me')).body.user.id;
    project = await createProject(admin);
  });
  afterAll(() => server.stop());

  it("shows a task's history with actors, correlation and causation, paged by revision", async () => {
    const task = await createTask(admin, project.id, { description: 'v1' });
    for (const description of ['v2', 'v3', 'v4']) await admin.put(`/projects/${project.id}/tasks/${task.id}`, { ...task, description });
    await admin.patch(`/projects/${project.id}/tasks/${task.id}/status`, { status: 'DISABLED' });

    const first = await admin.get(`/tasks/${task.id}/audit?limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(2);
    expect(first.body.data[0]).toEqual({
      type: 'TaskCreated',
      revision: 0,
      position: expect.stringMatching(/^\d+$/),
      occurred_at: expect.any(String),
      actor: adminId,
      correlation_id: expect.any(String),
      causation_id: expect.any(String),
      data: expect.objectContaining({ taskId: task.id, projectId: project.id, description: 'v1' }),
    });
    expect(first.body.next_cursor).toBe('2');
    const rest = await admin.get(`/tasks/${task.id}/audit?cursor=${first.body.next_cursor}`);
    expect(rest.body.data.map((e: { type: string; revision: number }) => [e.type, e.revision])).toEqual([
      ['TaskUpdated', 2],
      ['TaskUpdated', 3],
      ['TaskStatusChanged', 4],
    ]);
    expect(rest.body.next_cursor).toBeNull();
  });

  it("shows an execution's history with the executor's key as the actor, and keeps a client's correlation id", async () => {
    const task = await createTask(admin, project.id);
    const executionId = await triggerTask(admin, project.id, task.id);
    const keys = await admin.get(`/projects/${project.id}/api-keys`);
    const response = await fetch(`${server.url}/api/v1/executions/${executionId}/status`, {
      method: 'PATCH',
      headers: { authorization: project.apiKey, 'content-type': 'application/json', 'x-correlation-id': 'job-42' },
      body: JSON.stringify({ status: 'FAILED', error: 'boom' }),
    });
    expect(response.status).toBe(200);
    const audit = await admin.get(`/executions/${executionId}/audit`);
    expect(audit.body.data.map((e: { type: string; actor: string }) => [e.type, e.actor])).toEqual([
      ['ExecutionCreated', adminId],
      ['ExecutionFailed', keys.body[0].id],
    ]);
    expect(audit.body.data[1]).toMatchObject({ correlation_id: 'job-42', data: { error: 'boom' } });
  });

  it("shows the project's history with secrets redacted", async () => {
    const audit = await admin.get(`/projects/${project.id}/audit`);
    expect(audit.status).toBe(200);
    const events = audit.body.data as Array<{ type: string; data: Record<string, unknown> }>;
    expect(events[0]!.type).toBe('ProjectCreated');
    const text = JSON.stringify(events);
    expect(text).not.toContain(project.apiKey);
    const keyCreated = events.find((e) => e.type === 'ApiKeyCreated');
    expect(keyCreated?.data.hash).toBe('[redacted]');
    const secret = events.find((e) => e.type === 'SigningSecretRotated');
    expect(secret?.data.secret).toBe('[redacted]');
  });

  it('answers a purged task as an unknown one (404; 410 where the path names its project), and hides other projects', async () => {
    const task = await createTask(admin, project.id);
    await server.services.events.deleteStream(taskStream(task.id));
    // Its stream no longer says which project it was in, so no one can be told more than "unknown".
    const gone = await admin.get(`/tasks/${task.id}/audit`);
    expect(gone).toMatchObject({ status: 404, body: { error: `Task ${task.id} does not exist` } });
    expect((await admin.get(`/projects/${project.id}/tasks/${task.id}?as_of=2030-01-01T00:00:00Z`)).status).toBe(410);
    expect((await admin.get('/tasks/00000000-0000-0000-0000-000000000000/audit')).status).toBe(404);

    const other = await createProject(admin);
    const foreign = await createTask(admin, other.id);
    expect((await project.executor.get(`/tasks/${foreign.id}/audit`)).status).toBe(404);
    expect((await project.executor.get(`/projects/${other.id}/audit`)).status).toBe(404);
    expect((await admin.get(`/tasks/${foreign.id}/audit?limit=0`)).status).toBe(400);
    expect((await admin.get(`/tasks/${foreign.id}/audit?cursor=abc`)).status).toBe(400);
  });
});

describe('audit API of task groups', () => {
  let server: TestServer;
  let admin: ApiClient;
  let project: TestProject;
  const clock = new ManualClock('2026-03-01T08:00:00.000Z');

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin({ clock }));
    project = await createProject(admin);
  });
  afterAll(() => server.stop());

  it("shows a group's history, paged by revision, and as it was at an instant (as_of)", async () => {
    const group = (await admin.post(`/projects/${project.id}/task-groups`, { name: 'nightly', description: 'v1' })).body;
    clock.set('2026-03-01T09:00:00.000Z');
    await admin.put(`/projects/${project.id}/task-groups/${group.id}`, { name: 'nightly', description: 'v2' });
    clock.set('2026-03-01T10:00:00.000Z');
    await admin.post(`/projects/${project.id}/task-groups/${group.id}/stop`);
    await admin.delete(`/projects/${project.id}/task-groups/${group.id}`);

    const all = await admin.get(`/task-groups/${group.id}/audit`);
    expect(all.status).toBe(200);
    expect(all.body.data.map((e: { type: string; revision: number }) => [e.type, e.revision])).toEqual([
      ['TaskGroupCreated', 0],
      ['TaskGroupUpdated', 1],
      ['TaskGroupStopped', 2],
      ['TaskGroupDeleted', 3],
    ]);
    expect(all.body.data[1]).toMatchObject({ occurred_at: '2026-03-01T09:00:00.000Z', data: { groupId: group.id, description: 'v2' } });

    const paged = await admin.get(`/task-groups/${group.id}/audit?limit=3`);
    expect(paged.body.next_cursor).toBe('3');
    const asOf = (instant: string, query = '') => admin.get(`/task-groups/${group.id}/audit?as_of=${encodeURIComponent(instant)}${query}`);
    expect((await asOf('2026-03-01T09:30:00+00:00')).body).toEqual({ data: all.body.data.slice(0, 2), next_cursor: null });
    expect((await asOf('2026-03-01T09:00:00.000Z', '&limit=1')).body).toEqual({ data: all.body.data.slice(0, 1), next_cursor: '1' });
    expect((await asOf('2026-03-01T07:59:59Z')).body).toEqual({ data: [], next_cursor: null });
    // Tasks take as_of alike.
    const task = await createTask(admin, project.id);
    expect((await admin.get(`/tasks/${task.id}/audit?as_of=2026-03-01T09:59:59Z`)).body.data).toEqual([]);
    expect((await admin.get(`/tasks/${task.id}/audit?as_of=2026-03-01T10:00:00Z`)).body.data).toHaveLength(1);
  });

  it('answers 400 for a bad as_of, 404 for an unknown group, and hides other projects', async () => {
    const group = (await admin.post(`/projects/${project.id}/task-groups`, { name: 'g' })).body;
    const bad = await admin.get(`/task-groups/${group.id}/audit?as_of=yesterday`);
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual([expect.stringMatching(/^as_of:/)]);
    expect((await admin.get('/task-groups/00000000-0000-0000-0000-000000000000/audit')).status).toBe(404);

    const other = await createProject(admin);
    const foreign = (await admin.post(`/projects/${other.id}/task-groups`, { name: 'theirs' })).body;
    expect((await project.executor.get(`/task-groups/${foreign.id}/audit`)).status).toBe(404);
    const outsider = await newSignedInUser(admin, 'outsider@example.com');
    const hidden = await outsider.get(`/task-groups/${foreign.id}/audit`);
    expect(hidden.status).toBe(404);
    expect(JSON.stringify(hidden.body)).not.toContain(other.id);
  });
});
