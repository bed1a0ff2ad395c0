import type { ApiClient } from '../support/api-client';
import { ManualClock } from '../support/manual-clock';
import { startServerWithAdmin } from '../support/signed-in';
import { createProject, createTask, taskBody, type TestProject } from '../support/task-fixtures';
import type { TestServer } from '../support/test-server';

describe('task groups API', () => {
  let server: TestServer;
  let admin: ApiClient;
  let project: TestProject;
  const clock = new ManualClock('2026-06-01T08:00:00.000Z');

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin({ clock }));
    project = await createProject(admin);
  });
  afterAll(() => server.stop());

  const groupsPath = () => `/projects/${project.id}/task-groups`;
  const createGroup = async (body: Record<string, unknown>) => {
    const response = await admin.post(groupsPath(), body);
    expect(response.status).toBe(201);
    return response.body;
  };

  it('creates, reads, lists and fully updates a group; a PUT of a fetched group changes nothing', async () => {
    const group = await createGroup({ name: 'reports', description: 'daily' });
    expect(group).toMatchObject({
      id: group.uuid,
      project_id: project.id,
      name: 'reports',
      description: 'daily',
      status: 'ACTIVE',
      state: 'RUNNING',
      start_time: null,
      end_time: null,
      timezone: 'UTC',
    });
    expect((await admin.get(`${groupsPath()}/${group.id}`)).body).toEqual(group);
    expect((await admin.get(groupsPath())).body).toContainEqual(group);
    expect((await admin.put(`${groupsPath()}/${group.id}`, group)).body).toEqual(group);

    const updated = await admin.put(`${groupsPath()}/${group.id}`, { name: 'reports', start_time: '22:00', end_time: '02:00', timezone: 'Asia/Tokyo' });
    expect(updated.body).toMatchObject({ description: null, start_time: '22:00', end_time: '02:00', timezone: 'Asia/Tokyo', status: 'ACTIVE' });
  });

  it('answers 400 with details for a bad zone, a half window or a wrong type', async () => {
    const zone = await admin.post(groupsPath(), { name: 'g', timezone: 'Moon/Base' });
    expect(zone.status).toBe(400);
    expect(zone.body.details).toEqual([expect.stringMatching(/^timezone:/)]);
    const window = await admin.post(groupsPath(), { name: 'g', start_time: '25:00' });
    expect(window.status).toBe(400);
    expect(window.body.details.length).toBe(2);
    expect((await admin.post(groupsPath(), { name: 'g', timezone: 5 })).status).toBe(400);
  });

  it('runs inside its window, and a manual start or stop holds until the next window boundary', async () => {
    clock.set('2026-06-01T08:00:00.000Z');
    const group = await createGroup({ name: 'office hours', start_time: '09:00', end_time: '17:00', timezone: 'UTC' });
    const task = await createTask(admin, project.id, { task_group_id: group.id });
    const state = async () => [(await admin.get(`${groupsPath()}/${group.id}`)).body.state, (await admin.get(`/projects/${project.id}/tasks/${task.id}`)).body.state];

    expect(await state()).toEqual(['NOT_RUNNING', 'NOT_RUNNING']);
    expect((await admin.post(`${groupsPath()}/${group.id}/start`)).body.state).toBe('RUNNING');
    clock.set('2026-06-01T08:59:00.000Z');
    expect(await state()).toEqual(['RUNNING', 'RUNNING']);
    clock.set('2026-06-01T10:00:00.000Z');
    expect(await state()).toEqual(['RUNNING', 'RUNNING']); // inside the window now
    expect((await admin.post(`${groupsPath()}/${group.id}/stop`)).body.state).toBe('NOT_RUNNING');
    clock.set('2026-06-01T16:59:00.000Z');
    expect(await state()).toEqual(['NOT_RUNNING', 'NOT_RUNNING']);
    clock.set('2026-06-02T09:00:00.000Z');
    expect(await state()).toEqual(['RUNNING', 'RUNNING']); // the next day's window opened

    const disabled = await admin.put(`${groupsPath()}/${group.id}`, { name: 'office hours', status: 'DISABLED', start_time: '09:00', end_time: '17:00' });
    expect(disabled.body.state).toBe('NOT_RUNNING');
    expect((await admin.post(`${groupsPath()}/${group.id}/start`)).status).toBe(409);
  });

  it('lists its tasks ([] when empty)', async () => {
    const group = await createGroup({ name: 'empty' });
    expect((await admin.get(`${groupsPath()}/${group.id}/tasks`)).body).toEqual([]);
    const task = await createTask(admin, project.id, { task_group_id: group.id });
    expect((await admin.get(`${groupsPath()}/${group.id}/tasks`)).body.map((t: { id: string }) => t.id)).toEqual([task.id]);
  });

  it('deletes (204), detaching its tasks by default; deleting again is 204; nobody can join it afterwards', async () => {
    const group = await createGroup({ name: 'to delete' });
    const tasks = [await createTask(admin, project.id, { task_group_id: group.id }), await createTask(admin, project.id, { task_group_id: group.id })];
    const deleted = await admin.delete(`${groupsPath()}/${group.id}`);
    expect(deleted.status).toBe(204);
    for (const task of tasks) {
      expect((await admin.get(`/projects/${project.id}/tasks/${task.id}`)).body).toMatchObject({ task_group_id: null, status: 'ACTIVE' });
    }
    expect((await admin.get(`${groupsPath()}/${group.id}`)).status).toBe(404);
    expect((await admin.delete(`${groupsPath()}/${group.id}`)).status).toBe(204);
    const joining = await admin.post(`/projects/${project.id}/tasks`, taskBody({ task_group_id: group.id }));
    expect(joining).toMatchObject({ status: 400, body: { details: [expect.stringMatching(/^task_group_id:/)] } });
  });

  it('with tasks=delete, requests the deletion of its tasks and detaches them', async () => {
    const group = await createGroup({ name: 'with tasks' });
    const task = await createTask(admin, project.id, { task_group_id: group.id });
    expect((await admin.delete(`${groupsPath()}/${group.id}?tasks=delete`)).status).toBe(204);
    expect((await admin.get(`/projects/${project.id}/tasks/${task.id}`)).body).toMatchObject({ task_group_id: null, status: 'PENDING_DELETE' });
    expect((await admin.delete(`${groupsPath()}/${group.id}?tasks=everything`)).status).toBe(400);
  });

  it('answers 404 for a group of another project', async () => {
    const other = await createProject(admin);
    const foreign = await admin.post(`/projects/${other.id}/task-groups`, { name: 'foreign' });
    expect((await admin.get(`${groupsPath()}/${foreign.body.id}`)).status).toBe(404);
    expect((await admin.put(`${groupsPath()}/${foreign.body.id}`, { name: 'mine' })).status).toBe(404);
    expect((await admin.delete(`${groupsPath()}/${foreign.body.id}`)).status).toBe(404);
    const joining = await admin.post(`/projects/${project.id}/tasks`, taskBody({ task_group_id: foreign.body.id }));
    expect(joining).toMatchObject({ status: 400, body: { details: [expect.stringMatching(/^task_group_id:/)] } });
  });
});
