import { ApiError, ManagementClient } from '@cron-observer/sdk';
import type { ApiClient } from '../support/api-client';
import type { TestServer } from '../support/test-server';
import { createTask, type SdkProject, startManagedProject } from './sdk-fixtures';

/** The management client's versioned reads, conditional changes (If-Match) and the group audit. */
describe('SDK management: ETags and audit', () => {
  let server: TestServer;
  let admin: ApiClient;
  let project: SdkProject;
  let client: ManagementClient;

  beforeAll(async () => {
    ({ server, admin, project, client } = await startManagedProject());
  });
  afterAll(() => server.stop());

  async function rejection(promise: Promise<unknown>): Promise<ApiError> {
    const error = await promise.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    return error as ApiError;
  }

  it('a change with the ETag read applies once; the same ETag again is a 412 ApiError naming If-Match', async () => {
    const task = await createTask(admin, project.id, { name: 'versioned' });
    const read = await client.tasks.getVersioned(project.id, task.id);
    expect(read).toEqual({ data: expect.objectContaining({ id: task.id }), etag: '"0"' });

    const { id: _id, ...body } = read.data;
    await client.tasks.update(project.id, task.id, { ...body, description: 'first' }, { ifMatch: read.etag! });
    const stale = await rejection(client.tasks.update(project.id, task.id, { ...body, description: 'second' }, { ifMatch: read.etag! }));
    expect(stale.status).toBe(412);
    expect(stale.details).toEqual([expect.stringMatching(/^If-Match: /)]);
    expect((await rejection(client.tasks.setStatus(project.id, task.id, 'DISABLED', { ifMatch: read.etag! }))).status).toBe(412);
    expect((await client.tasks.get(project.id, task.id)).description).toBe('first');
    expect((await client.tasks.setStatus(project.id, task.id, 'DISABLED')).status).toBe('DISABLED'); // unconditional, as before

    const group = await client.groups.create(project.id, { name: 'versioned group' });
    const groupRead = await client.groups.getVersioned(project.id, group.id);
    await client.groups.stop(project.id, group.id, { ifMatch: groupRead.etag! });
    expect((await rejection(client.groups.update(project.id, group.id, { name: 'late' }, { ifMatch: groupRead.etag! }))).status).toBe(412);
    expect((await rejection(client.groups.start(project.id, group.id, { ifMatch: groupRead.etag! }))).status).toBe(412);

    const projectRead = await client.projects.getVersioned(project.id);
    await client.projects.update(project.id, { description: 'mine' }, { ifMatch: projectRead.etag! });
    expect((await rejection(client.projects.update(project.id, { description: 'theirs' }, { ifMatch: projectRead.etag! }))).status).toBe(412);
    expect((await client.projects.get(project.id)).description).toBe('mine');
  });

  it("reads a group's audit trail, also as of an instant", async () => {
    const group = await client.groups.create(project.id, { name: 'audited' });
    await client.groups.update(project.id, group.id, { name: 'audited', description: 'changed' });
    const trail = await client.audit.group(group.id);
    expect(trail.data.map((e) => e.type)).toEqual(['TaskGroupCreated', 'TaskGroupUpdated']);
    expect((await client.groups.audit(group.id, { asOf: new Date(Date.parse(trail.data[0]!.occurred_at) - 1) })).data).toEqual([]);
    expect((await client.groups.audit(group.id, { limit: 1 })).next_cursor).toBe('1');
  });

  it("pages the project's whole history with filters, newest first on request", async () => {
    const group = await client.groups.create(project.id, { name: 'filtered' });
    const newest = await client.audit.project(project.id, { types: ['TaskGroupCreated', 'TaskCreated'], order: 'desc', limit: 1 });
    expect(newest.data.map((e) => [e.type, e.subject])).toEqual([['TaskGroupCreated', { kind: 'task_group', id: group.id }]]);
    const next = await client.projects.audit(project.id, { types: ['TaskGroupCreated', 'TaskCreated'], order: 'desc', limit: 1, cursor: newest.next_cursor! });
    expect(Number(next.data[0]!.position)).toBeLessThan(Number(newest.data[0]!.position));
    const since = new Date(Date.parse(newest.data[0]!.occurred_at));
    expect((await client.audit.project(project.id, { from: since, types: ['TaskGroupCreated'] })).data.map((e) => e.summary)).toEqual(['Group “filtered” created']);
  });
});
