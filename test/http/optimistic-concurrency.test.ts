import type { ApiClient, ApiResponse } from '../support/api-client';
import { startServerWithAdmin } from '../support/signed-in';
import { createProject, createTask, taskBody, type TestProject } from '../support/task-fixtures';
import type { TestServer } from '../support/test-server';

/**
 * ETag / If-Match: two clients that read the same version and both change it get one 200 and one 412,
 * and only the first change is stored; clients that send no If-Match (or `*`) work as before.
 */
describe('optimistic concurrency (ETag, If-Match)', () => {
  let server: TestServer;
  let admin: ApiClient;
  let other: ApiClient;
  let project: TestProject;

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin());
    project = await createProject(admin);
    other = admin.as({ apiKey: project.apiKey }); // a second client: the project's write key
  });
  afterAll(() => server.stop());

  const taskPath = (id: string) => `/projects/${project.id}/tasks/${id}`;
  const groupPath = (id: string) => `/projects/${project.id}/task-groups/${id}`;
  const ifMatch = (etag: string) => ({ 'if-match': etag });
  const etag = (response: ApiResponse) => response.headers.get('etag')!;
  const types = async (auditPath: string) => (await admin.get(auditPath)).body.data.map((e: { type: string }) => e.type);

  function expect412(response: ApiResponse): void {
    expect(response.status).toBe(412);
    expect(response.body).toEqual({ error: expect.any(String), details: [expect.stringMatching(/^If-Match: /)] });
  }

  describe('tasks', () => {
    it('answers a task with its stream revision as a strong ETag, from create on, changing with each change', async () => {
      const created = await admin.post(`/projects/${project.id}/tasks`, taskBody());
      expect(created.status).toBe(201);
      expect(etag(created)).toBe('"0"');
      expect(created.headers.get('cache-control')).toBe('no-store');
      const read = await admin.get(taskPath(created.body.id));
      expect(etag(read)).toBe('"0"');

      const put = await admin.request('PUT', taskPath(created.body.id), { ...read.body, description: 'one' }, ifMatch('"0"'));
      expect(put.status).toBe(200);
      expect(etag(put)).toBe('"1"');
      const patched = await admin.request('PATCH', `${taskPath(created.body.id)}/status`, { status: 'DISABLED' }, ifMatch(etag(put)));
      expect(patched.status).toBe(200);
      expect(etag(patched)).toBe('"2"');
      expect(etag(await admin.get(taskPath(created.body.id)))).toBe('"2"');
      // A look back in time is not a version one can edit: no ETag.
      expect((await admin.get(`${taskPath(created.body.id)}?as_of=2020-01-01T00:00:00Z`)).headers.get('etag')).toBeNull();
    });

    it('of two clients that read the task and both PUT a change with If-Match, one gets 200, the other 412, and one change is stored', async () => {
      const task = await createTask(admin, project.id, { description: 'original' });
      const [readByA, readByB] = await Promise.all([admin.get(taskPath(task.id)), other.get(taskPath(task.id))]);
      expect(etag(readByA)).toBe(etag(readByB));

      const answers = await Promise.all([
        admin.request('PUT', taskPath(task.id), { ...readByA.body, description: 'by A' }, ifMatch(etag(readByA))),
        other.request('PUT', taskPath(task.id), { ...readByB.body, description: 'by B' }, ifMatch(etag(readByB))),
      ]);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 412]);
      const winner = answers.find((a) => a.status === 200)!;
      expect412(answers.find((a) => a.status === 412)!);

      const now = await admin.get(taskPath(task.id));
      expect(now.body.description).toBe(winner.body.description);
      expect(etag(now)).toBe(etag(winner));
      expect(await types(`/tasks/${task.id}/audit`)).toEqual(['TaskCreated', 'TaskUpdated']);
    });

    it('refuses a stale PATCH of the status and a stale rename with 412, changing nothing (the new name stays free)', async () => {
      const task = await createTask(admin, project.id);
      const stale = etag(await admin.get(taskPath(task.id)));
      expect((await admin.put(taskPath(task.id), { ...task, description: 'moved on' })).status).toBe(200);

      expect412(await other.request('PATCH', `${taskPath(task.id)}/status`, { status: 'DISABLED' }, ifMatch(stale)));
      expect412(await other.request('PUT', taskPath(task.id), { ...task, name: 'renamed-while-stale' }, ifMatch(stale)));
      const now = await admin.get(taskPath(task.id));
      expect(now.body).toMatchObject({ name: task.name, status: 'ACTIVE', description: 'moved on' });
      expect(await types(`/tasks/${task.id}/audit`)).toEqual(['TaskCreated', 'TaskUpdated']);
      expect((await admin.post(`/projects/${project.id}/tasks`, taskBody({ name: 'renamed-while-stale' }))).status).toBe(201);
    });

    it('without If-Match, or with If-Match: *, changes apply as before', async () => {
      const task = await createTask(admin, project.id);
      const plain = await admin.put(taskPath(task.id), { ...task, description: 'no precondition' });
      expect(plain.status).toBe(200);
      const any = await admin.request('PUT', taskPath(task.id), { ...task, description: 'any version' }, ifMatch('*'));
      expect(any.status).toBe(200);
      expect(any.body.description).toBe('any version');
      expect(etag(any)).toBe('"2"');
    });

    it('accepts a list of tags that holds the current one; a malformed If-Match is a 400, a well-formed tag never issued a 412', async () => {
      const task = await createTask(admin, project.id);
      const listed = await admin.request('PUT', taskPath(task.id), { ...task, description: 'listed' }, ifMatch('"7", "0"'));
      expect(listed.status).toBe(200);

      for (const garbage of ['1', '"1', 'W/1', 'nonsense']) {
        const response = await admin.request('PUT', taskPath(task.id), { ...task, description: garbage }, ifMatch(garbage));
        expect(response.status).toBe(400);
        expect(response.body.details).toEqual([expect.stringMatching(/^If-Match: /)]);
      }
      // A weak tag never matches (If-Match compares strongly, RFC 9110 §13.1.1), nor does a tag this server never issues.
      for (const unknown of ['W/"1"', '"abc"', '"-1"']) {
        expect412(await admin.request('PUT', taskPath(task.id), { ...task, description: unknown }, ifMatch(unknown)));
      }
      expect((await admin.get(taskPath(task.id))).body.description).toBe('listed');
    });

    it('answers what the task would answer anyway (404) before the precondition', async () => {
      const missing = await admin.request('PATCH', `${taskPath('00000000-0000-4000-8000-000000000000')}/status`, { status: 'DISABLED' }, ifMatch('"0"'));
      expect(missing.status).toBe(404);
    });
  });

  describe('task groups', () => {
    it('of two clients that PUT the same version, one wins; stale starts and stops are 412; the ETag follows every change', async () => {
      const created = await admin.post(`/projects/${project.id}/task-groups`, { name: 'etag group' });
      expect(etag(created)).toBe('"0"');
      const group = created.body;
      const [readByA, readByB] = await Promise.all([admin.get(groupPath(group.id)), other.get(groupPath(group.id))]);
      expect(etag(readByA)).toBe('"0"');

      const answers = await Promise.all([
        admin.request('PUT', groupPath(group.id), { ...readByA.body, description: 'by A' }, ifMatch(etag(readByA))),
        other.request('PUT', groupPath(group.id), { ...readByB.body, description: 'by B' }, ifMatch(etag(readByB))),
      ]);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 412]);
      const winner = answers.find((a) => a.status === 200)!;
      expect412(answers.find((a) => a.status === 412)!);
      expect(etag(winner)).toBe('"1"');

      expect412(await other.request('POST', `${groupPath(group.id)}/stop`, undefined, ifMatch('"0"')));
      const stopped = await other.request('POST', `${groupPath(group.id)}/stop`, undefined, ifMatch('"1"'));
      expect(stopped.status).toBe(200);
      expect(etag(stopped)).toBe('"2"');
      expect412(await admin.request('POST', `${groupPath(group.id)}/start`, undefined, ifMatch('"1"')));
      expect((await admin.post(`${groupPath(group.id)}/start`)).status).toBe(200); // no If-Match: as before

      expect((await admin.get(groupPath(group.id))).body.description).toBe(winner.body.description);
      expect(await types(`/task-groups/${group.id}/audit`)).toEqual(['TaskGroupCreated', 'TaskGroupUpdated', 'TaskGroupStopped', 'TaskGroupStarted']);
    });
  });

  describe('projects', () => {
    it('of two admins that PUT the same version, one wins; every change of the project (a member, a key) moves its ETag', async () => {
      const created = await admin.post('/projects', { name: `etag project ${Date.now()}` });
      expect(etag(created)).toMatch(/^"\d+"$/);
      const path = `/projects/${created.body.id}`;
      const read = await admin.get(path);
      expect(etag(read)).toBe(etag(created));

      const answers = await Promise.all([
        admin.request('PUT', path, { description: 'by A' }, ifMatch(etag(read))),
        admin.request('PUT', path, { description: 'by B' }, ifMatch(etag(read))),
      ]);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 412]);
      const winner = answers.find((a) => a.status === 200)!;
      expect412(answers.find((a) => a.status === 412)!);
      expect((await admin.get(path)).body.description).toBe(winner.body.description);
      expect((await types(`${path}/audit`)).filter((t: string) => t === 'ProjectUpdated')).toHaveLength(1);

      expect((await admin.post(`${path}/api-keys`, { name: 'another', scope: 'read' })).status).toBe(201);
      const afterKey = await admin.get(path);
      expect(etag(afterKey)).not.toBe(etag(winner));
      expect412(await admin.request('PUT', path, { name: 'renamed while stale' }, ifMatch(etag(winner))));
      expect((await admin.get(path)).body.name).toBe(created.body.name);
      expect((await admin.post('/projects', { name: 'renamed while stale' })).status).toBe(201); // the name was never taken
      expect((await admin.put(path, { description: 'no precondition' })).status).toBe(200);
    });
  });
});
