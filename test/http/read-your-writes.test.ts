import { randomUUID } from 'node:crypto';
import type { ApiClient } from '../support/api-client';
import { startServerWithAdmin } from '../support/signed-in';
import { apiKeyClient, createTask, taskBody, triggerTask } from '../support/task-fixtures';
import type { TestServer } from '../support/test-server';

/**
 * What a client writes, its next request sees: every sequence below runs many times back to back on a
 * real server (the read models are built in their own thread), and any round that reads an older state
 * fails the test. No waiting between the write and the read, and no retries.
 */
const ROUNDS = 20;

const yearly = { schedule_config: { cron_expression: '0 0 1 1 *', timezone: 'UTC' } };
const ids = (response: { body: { executions: Array<{ execution_id: string }> } }) => response.body.executions.map((e) => e.execution_id);

describe('read-your-writes: each request sees what the previous one wrote', () => {
  let server: TestServer;
  let admin: ApiClient;
  /** A pull-mode project with a yearly task (nothing fires on its own) and an ingest key. */
  let project: { id: string; taskId: string; worker: ApiClient };

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin());
    const created = await admin.post('/projects', { name: `Project ${randomUUID()}` });
    const task = await createTask(admin, created.body.id, yearly);
    project = { id: created.body.id, taskId: task.id, worker: await apiKeyClient(admin, created.body.id, 'ingest') };
  });
  afterAll(() => server.stop());

  const claim = () => project.worker.post(`/projects/${project.id}/executions/claim`, { worker_id: 'worker' });

  it('claim after trigger: 300 rounds, every claim gets the execution just triggered', async () => {
    const misses: Array<{ round: number; claimed: string[] }> = [];
    for (let round = 0; round < 300; round++) {
      const id = await triggerTask(admin, project.id, project.taskId);
      const claimed = ids(await claim());
      if (claimed.length !== 1 || claimed[0] !== id) misses.push({ round, claimed });
    }
    expect(misses).toEqual([]);
  }, 120_000);

  it('claim after claim: a worker claiming one at a time gets each pending execution in turn, never an empty answer', async () => {
    const misses: Array<{ round: number; claimed: string[][] }> = [];
    for (let round = 0; round < ROUNDS; round++) {
      const triggered = [await triggerTask(admin, project.id, project.taskId), await triggerTask(admin, project.id, project.taskId)];
      const claimed = [ids(await claim()), ids(await claim())];
      if (JSON.stringify(claimed) !== JSON.stringify(triggered.map((id) => [id]))) misses.push({ round, claimed });
    }
    expect(misses).toEqual([]);
  });

  it('two workers claiming at once each get one of two pending executions, never an empty answer', async () => {
    const other = await apiKeyClient(admin, project.id, 'ingest');
    const misses: Array<{ round: number; claimed: string[][] }> = [];
    for (let round = 0; round < ROUNDS; round++) {
      const triggered = [await triggerTask(admin, project.id, project.taskId), await triggerTask(admin, project.id, project.taskId)];
      const claimed = (
        await Promise.all([claim(), other.post(`/projects/${project.id}/executions/claim`, { worker_id: 'other' })])
      ).map(ids);
      if (JSON.stringify(claimed.flat().sort()) !== JSON.stringify([...triggered].sort())) misses.push({ round, claimed });
    }
    expect(misses).toEqual([]);
  });

  it('task after create, and in the list', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const task = await createTask(admin, project.id, yearly);
      expect((await admin.get(`/projects/${project.id}/tasks/${task.id}`)).status).toBe(200);
      const list = await admin.get(`/projects/${project.id}/tasks`);
      expect(list.body.map((t: { id: string }) => t.id)).toContain(task.id);
    }
  });

  it('task after change, and its audit trail', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const description = `round ${round}`;
      const task = await admin.get(`/projects/${project.id}/tasks/${project.taskId}`);
      const changed = await admin.put(`/projects/${project.id}/tasks/${project.taskId}`, { ...taskBody(yearly), name: task.body.name, description });
      expect(changed.status).toBe(200);
      expect((await admin.get(`/projects/${project.id}/tasks/${project.taskId}`)).body.description).toBe(description);
      const audit = (await admin.get(`/tasks/${project.taskId}/audit`)).body.data;
      expect(audit.at(-1)).toMatchObject({ type: 'TaskUpdated' });
    }
  });

  it('group after create, and in the list', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const created = await admin.post(`/projects/${project.id}/task-groups`, { name: `group-${randomUUID()}` });
      expect(created.status).toBe(201);
      expect((await admin.get(`/projects/${project.id}/task-groups/${created.body.id}`)).status).toBe(200);
      const list = await admin.get(`/projects/${project.id}/task-groups`);
      expect(list.body.map((g: { id: string }) => g.id)).toContain(created.body.id);
    }
  });

  it('list after delete: a deleted task is never listed as live again, a deleted group not at all', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const task = await createTask(admin, project.id, yearly);
      expect((await admin.delete(`/projects/${project.id}/tasks/${task.id}`)).status).toBe(202);
      const listed = (await admin.get(`/projects/${project.id}/tasks`)).body.find((t: { id: string }) => t.id === task.id);
      if (listed) expect(listed.status).toBe('PENDING_DELETE');
      const group = await admin.post(`/projects/${project.id}/task-groups`, { name: `group-${randomUUID()}` });
      expect((await admin.delete(`/projects/${project.id}/task-groups/${group.body.id}`)).status).toBe(204);
      const groups = (await admin.get(`/projects/${project.id}/task-groups`)).body;
      expect(groups.map((g: { id: string }) => g.id)).not.toContain(group.body.id);
    }
  });

  it('execution after report: the status reported, and the log line posted', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const id = await triggerTask(admin, project.id, project.taskId);
      expect((await project.worker.patch(`/executions/${id}/status`, { status: 'RUNNING' })).status).toBe(200);
      expect((await admin.get(`/executions/${id}`)).body.status).toBe('RUNNING');
      expect((await project.worker.post(`/executions/${id}/logs`, { message: `line ${round}`, level: 'info' })).status).toBe(200);
      const logs = await admin.get(`/executions/${id}/logs`);
      expect(logs.body.data.map((line: { message: string }) => line.message)).toEqual([`line ${round}`]);
      expect((await project.worker.post(`/executions/${id}/finish`, { status: 'FAILED', error: 'boom' })).status).toBe(200);
      expect((await admin.get(`/executions/${id}`)).body).toMatchObject({ status: 'FAILED', logs_count: 1 });
    }
  });

  it('stats after finish', async () => {
    const stats = async () => (await admin.get(`/projects/${project.id}/stats?granularity=hour`)).body.totals;
    for (let round = 0; round < ROUNDS; round++) {
      const before = await stats();
      const id = await triggerTask(admin, project.id, project.taskId);
      expect((await project.worker.post(`/executions/${id}/finish`, { status: 'SUCCESS' })).status).toBe(200);
      const after = await stats();
      expect({ total: after.total - before.total, success: after.success - before.success }).toEqual({ total: 1, success: 1 });
    }
  });
});
