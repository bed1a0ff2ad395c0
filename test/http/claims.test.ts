import { randomUUID } from 'node:crypto';
import type { ApiClient } from '../support/api-client';
import { ManualClock } from '../support/manual-clock';
import { startServerWithAdmin } from '../support/signed-in';
import { apiKeyClient, createTask, triggerTask } from '../support/task-fixtures';
import type { TestServer } from '../support/test-server';
import { waitFor } from '../support/wait-for';
import { ClaimWakeups } from '../../src/commands/dispatch/claim-wakeups';

/** A pull project (no execution endpoint) with a yearly task, so nothing fires on its own during a test. */
async function pullProject(admin: ApiClient): Promise<{ id: string; taskId: string; taskName: string; worker: ApiClient }> {
  const project = await admin.post('/projects', { name: `Pull ${randomUUID()}` });
  expect(project.status).toBe(201);
  const task = await createTask(admin, project.body.id, { schedule_config: { cron_expression: '0 0 1 1 *', timezone: 'UTC' }, metadata: { shard: 3 } });
  expect(task.execution_mode).toBe('pull');
  return { id: project.body.id, taskId: task.id, taskName: task.name, worker: await apiKeyClient(admin, project.body.id, 'ingest') };
}

const auditTypes = async (admin: ApiClient, id: string): Promise<string[]> => (await admin.get(`/executions/${id}/audit`)).body.data.map((e: { type: string }) => e.type);

describe('POST /projects/{project_id}/executions/claim', () => {
  let server: TestServer;
  let admin: ApiClient;

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin());
  });
  afterAll(() => server.stop());

  it('answers an empty list at once when there is nothing and no wait', async () => {
    const project = await pullProject(admin);
    const started = Date.now();
    const response = await project.worker.post(`/projects/${project.id}/executions/claim`, {});
    expect(response).toMatchObject({ status: 200, body: { executions: [] } });
    expect(Date.now() - started).toBeLessThan(1_000);
    // No body at all is the same as {}.
    expect((await project.worker.post(`/projects/${project.id}/executions/claim`)).body).toEqual({ executions: [] });
  });

  it('claims pending executions oldest first, each once; they go RUNNING with the claimer recorded', async () => {
    const project = await pullProject(admin);
    const first = await triggerTask(admin, project.id, project.taskId);
    const second = await triggerTask(admin, project.id, project.taskId);
    const third = await triggerTask(admin, project.id, project.taskId);
    const claim = await project.worker.post(`/projects/${project.id}/executions/claim`, { limit: 2, worker_id: 'worker-1' });
    expect(claim.status).toBe(200);
    expect(claim.body.executions.map((e: { execution_id: string }) => e.execution_id)).toEqual([first, second]);
    const [claimed] = claim.body.executions;
    expect(claimed).toEqual({
      execution_id: first,
      task_id: project.taskId,
      task_name: project.taskName,
      scheduled_at: expect.any(String),
      attempt: 1,
      metadata: { shard: 3 },
      claim_expires_at: expect.any(String),
    });
    const lease = Date.parse(claimed.claim_expires_at) - Date.now();
    expect(lease).toBeGreaterThan(290_000);
    expect(lease).toBeLessThanOrEqual(300_000);
    const rest = await project.worker.post(`/projects/${project.id}/executions/claim`, { limit: 10 });
    expect(rest.body.executions.map((e: { execution_id: string }) => e.execution_id)).toEqual([third]);
    expect((await project.worker.post(`/projects/${project.id}/executions/claim`, { limit: 10 })).body.executions).toEqual([]);
    const running = await waitFor(async () => {
      const response = await admin.get(`/executions/${first}`);
      return response.body.status === 'RUNNING' && response.body;
    });
    expect(running.run_started_at).toEqual(expect.any(String));
    const audit = (await admin.get(`/executions/${first}/audit`)).body.data;
    expect(audit.map((e: { type: string }) => e.type)).toEqual(['ExecutionCreated', 'ExecutionStarted']);
    expect(audit[1].data.claimedBy).toBe('worker-1');
  });

  it('hands one execution to exactly one of two long-polling workers, and wakes it well under a second after the trigger', async () => {
    const project = await pullProject(admin);
    const other = await apiKeyClient(admin, project.id, 'ingest');
    const poll = (client: ApiClient, worker: string) =>
      client.post(`/projects/${project.id}/executions/claim`, { wait_seconds: 3, worker_id: worker }).then((response) => ({ response, at: Date.now() }));
    const polls = [poll(project.worker, 'a'), poll(other, 'b')];
    await waitFor(() => ClaimWakeups.of(server.services).waiting(project.id) === 2, { what: 'both workers to be waiting' });
    const triggeredAt = Date.now();
    const id = await triggerTask(admin, project.id, project.taskId);
    const [a, b] = await Promise.all(polls);
    const winners = [a, b].filter((p) => p.response.body.executions.length > 0);
    expect(winners).toHaveLength(1);
    expect(winners[0].response.body.executions.map((e: { execution_id: string }) => e.execution_id)).toEqual([id]);
    expect(winners[0].at - triggeredAt).toBeLessThan(500);
    const loser = winners[0] === a ? b : a;
    expect(loser.response.body.executions).toEqual([]);
    expect(await auditTypes(admin, id)).toEqual(['ExecutionCreated', 'ExecutionStarted']);
  });

  it('claims only the named tasks when task_names is given', async () => {
    const project = await pullProject(admin);
    const otherTask = await createTask(admin, project.id, { schedule_config: { cron_expression: '0 0 1 1 *', timezone: 'UTC' } });
    const mine = await triggerTask(admin, project.id, otherTask.id);
    await triggerTask(admin, project.id, project.taskId);
    const claim = await project.worker.post(`/projects/${project.id}/executions/claim`, { limit: 10, task_names: [otherTask.name] });
    expect(claim.body.executions.map((e: { execution_id: string }) => e.execution_id)).toEqual([mine]);
  });

  it('refuses invalid bodies (400), keys without the report permission (403) and keys of another project (404, as for a non-member)', async () => {
    const project = await pullProject(admin);
    const path = `/projects/${project.id}/executions/claim`;
    for (const body of [{ limit: 0 }, { limit: 101 }, { wait_seconds: 31 }, { wait_seconds: 1.5 }, { task_names: [''] }, { task_names: [1] }, { worker_id: '' }, { surprise: 1 }]) {
      const response = await project.worker.post(path, body);
      expect(response.status).toBe(400);
      expect(response.body.details?.length ?? 0).toBeGreaterThan(0);
    }
    const reader = await apiKeyClient(admin, project.id, 'read');
    expect((await reader.post(path, {})).status).toBe(403);
    const stranger = await pullProject(admin);
    expect((await stranger.worker.post(path, {})).status).toBe(404);
  });
});

describe('claim leases', () => {
  let server: TestServer;
  let admin: ApiClient;
  let clock: ManualClock;

  beforeAll(async () => {
    clock = new ManualClock();
    ({ server, admin } = await startServerWithAdmin({ clock, lease: { ttlMs: 1e12, renewEveryMs: 1e12 } }));
  });
  afterAll(() => server.stop());

  const claim = (project: { id: string; worker: ApiClient }, worker: string) =>
    project.worker.post(`/projects/${project.id}/executions/claim`, { worker_id: worker }).then((r) => r.body.executions.map((e: { execution_id: string }) => e.execution_id));

  it('a claim nobody confirms lapses after 5 minutes, and another worker may claim it', async () => {
    const project = await pullProject(admin);
    const id = await triggerTask(admin, project.id, project.taskId);
    expect(await claim(project, 'a')).toEqual([id]);
    await clock.advance(299_000);
    expect(await claim(project, 'b')).toEqual([]);
    await clock.advance(1_000);
    expect(await claim(project, 'b')).toEqual([id]);
    const audit = (await admin.get(`/executions/${id}/audit`)).body.data;
    expect(audit.map((e: { type: string }) => e.type)).toEqual(['ExecutionCreated', 'ExecutionStarted', 'ExecutionClaimLapsed', 'ExecutionStarted']);
    expect(audit[2].data).toMatchObject({ claimedBy: 'a', leaseSeconds: 300 });
    expect(audit[3].data.claimedBy).toBe('b');
    expect(await claim(project, 'c')).toEqual([]);
  });

  it('a claim confirmed by a RUNNING report, or kept alive by log lines, does not lapse', async () => {
    const project = await pullProject(admin);
    const confirmed = await triggerTask(admin, project.id, project.taskId);
    await clock.advance(1); // oldest first: one after the other
    const logging = await triggerTask(admin, project.id, project.taskId);
    expect(await claim(project, 'a')).toEqual([confirmed]);
    expect(await claim(project, 'a')).toEqual([logging]);
    expect((await project.worker.patch(`/executions/${confirmed}/status`, { status: 'RUNNING' })).body).toMatchObject({ status: 'RUNNING' });
    expect((await project.worker.post(`/executions/${logging}/logs`, { message: 'working', level: 'info' })).status).toBe(200);
    await clock.advance(600_000);
    await server.services.projections.whenCaughtUp();
    expect(await claim(project, 'b')).toEqual([]);
    expect(await auditTypes(admin, confirmed)).toEqual(['ExecutionCreated', 'ExecutionStarted', 'ExecutionClaimConfirmed']);
    // Reporting RUNNING again changes nothing more; the end is reported as usual.
    expect((await project.worker.patch(`/executions/${confirmed}/status`, { status: 'RUNNING' })).status).toBe(200);
    expect((await project.worker.post(`/executions/${confirmed}/finish`, { status: 'SUCCESS' })).body.status).toBe('SUCCESS');
    expect(await auditTypes(admin, confirmed)).toEqual(['ExecutionCreated', 'ExecutionStarted', 'ExecutionClaimConfirmed', 'ExecutionSucceeded']);
  });
});
