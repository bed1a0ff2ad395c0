import { createHmac } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import type { ApiClient } from '../support/api-client';
import { ManualClock } from '../support/manual-clock';
import { startServerWithAdmin } from '../support/signed-in';
import { createTask, triggerTask } from '../support/task-fixtures';
import { refusedUrl, TestExecutor } from '../support/test-executor';
import type { TestServer } from '../support/test-server';
import { waitFor } from '../support/wait-for';

/** A project whose execution endpoint is `endpoint`, with what its creator was shown once. */
interface PushProject {
  id: string;
  signingSecret: string;
  /** Authenticated by the project's raw API key, as executors are. */
  executor: ApiClient;
}

interface AuditEntry {
  type: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data: any;
}

async function pushProject(admin: ApiClient, endpoint: string): Promise<PushProject> {
  const response = await admin.post('/projects', { name: `Push ${randomUUID()}`, execution_endpoint: endpoint });
  if (response.status !== 201) throw new Error(`creating a project failed: ${response.status} ${JSON.stringify(response.body)}`);
  return { id: response.body.id, signingSecret: response.body.signing_secret, executor: admin.as({ apiKey: response.body.api_key }) };
}

/** A push task that never fires on its own during a test (yearly), so every dispatch is a manual trigger's. */
async function pushTask(admin: ApiClient, projectId: string, fields: Record<string, unknown> = {}): Promise<string> {
  const task = await createTask(admin, projectId, { schedule_config: { cron_expression: '0 0 1 1 *', timezone: 'UTC' }, metadata: { queue: 'nightly' }, ...fields });
  expect(task.execution_mode).toBe('push');
  return task.id as string;
}

const auditOf = async (admin: ApiClient, executionId: string): Promise<AuditEntry[]> => (await admin.get(`/executions/${executionId}/audit?limit=500`)).body.data;
const typesOf = (entries: AuditEntry[]) => entries.map((e) => e.type);
const dispatchTypes = (entries: AuditEntry[]) => typesOf(entries).filter((type) => type.startsWith('ExecutionDispatch'));

/** The documented scheme, computed here independently of the server's code. */
function expectedSignature(secret: string, timestamp: string, rawBody: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`;
}

describe('dispatcher (push mode) on the real clock', () => {
  let server: TestServer;
  let admin: ApiClient;
  let executor: TestExecutor;

  const waitForAudit = (executionId: string, until: (entries: AuditEntry[]) => boolean, what: string) =>
    waitFor(
      async () => {
        const entries = await auditOf(admin, executionId);
        return until(entries) && entries;
      },
      { what, timeoutMs: 15_000 },
    );

  beforeAll(async () => {
    // A short timeout and backoff so the slow and the unreachable executor take a moment, not minutes.
    ({ server, admin } = await startServerWithAdmin({ dispatch: { timeoutMs: 1_500, backoffBaseMs: 40, maxAttempts: 5 } }));
    executor = await TestExecutor.start();
  });
  afterAll(async () => {
    await executor.close();
    await server.stop();
  });

  it('POSTs the execution once, signed as documented; the executor reports SUCCESS inside the request and history shows it', async () => {
    const project = await pushProject(admin, executor.url);
    const taskId = await pushTask(admin, project.id);
    // As the original's executor: logs, SUCCESS, and only then the answer.
    executor.handler = async (received, response) => {
      const id = received.json.execution_id;
      await project.executor.post(`/executions/${id}/logs`, { message: 'job ran', level: 'info' });
      await project.executor.patch(`/executions/${id}/status`, { status: 'SUCCESS' });
      response.end('done');
    };
    const before = Math.floor(Date.now() / 1000);
    const id = await triggerTask(admin, project.id, taskId);
    const entries = await waitForAudit(id, (e) => typesOf(e).includes('ExecutionDispatched'), 'the dispatch outcome');

    const [received] = executor.of(id);
    expect(executor.of(id)).toHaveLength(1);
    expect(received.headers['content-type']).toBe('application/json');
    const timestamp = received.headers['x-cron-observer-timestamp'] as string;
    expect(Number(timestamp)).toBeGreaterThanOrEqual(before);
    expect(Number(timestamp)).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    expect(received.headers['x-cron-observer-signature']).toBe(expectedSignature(project.signingSecret, timestamp, received.body));
    expect(received.json).toEqual({
      task_name: expect.any(String),
      execution_id: id,
      task_id: taskId,
      project_id: project.id,
      scheduled_at: expect.any(String),
      attempt: 1,
      metadata: { queue: 'nightly' },
      trigger_type: 'MANUAL',
      delivery_attempt: 1,
    });

    expect(typesOf(entries)).toEqual(['ExecutionCreated', 'ExecutionDispatchAttempted', 'ExecutionSucceeded', 'ExecutionDispatched']);
    const attempted = entries.find((e) => e.type === 'ExecutionDispatchAttempted')!;
    expect(attempted.data).toMatchObject({ attempt: 1, url: executor.url, at: expect.any(String) });
    expect(entries.find((e) => e.type === 'ExecutionDispatched')!.data).toMatchObject({ attempt: 1, status: 200, durationMs: expect.any(Number) });
    const execution = await waitFor(async () => {
      const response = await admin.get(`/executions/${id}`);
      return response.body.status === 'SUCCESS' && response.body;
    });
    expect(execution).toMatchObject({ status: 'SUCCESS', logs_count: 1, trigger_type: 'MANUAL' });
  });

  it('during a rotation grace period signs with the new secret and the previous one', async () => {
    const project = await pushProject(admin, executor.url);
    const taskId = await pushTask(admin, project.id);
    executor.handler = (_received, response) => void response.end();
    const rotated = await admin.post(`/projects/${project.id}/signing-secret/rotate`);
    expect(rotated.status).toBe(200);
    const id = await triggerTask(admin, project.id, taskId);
    const [received] = await executor.waitFor(id);
    const timestamp = received.headers['x-cron-observer-timestamp'] as string;
    expect(received.headers['x-cron-observer-signature']).toBe(
      `${expectedSignature(rotated.body.signing_secret, timestamp, received.body)},${expectedSignature(project.signingSecret, timestamp, received.body)}`,
    );
  });

  it('re-sends after a 503 and stops at the 200: exactly two deliveries', async () => {
    const project = await pushProject(admin, executor.url);
    const taskId = await pushTask(admin, project.id);
    executor.handler = (_received, response, count) => void response.writeHead(count === 1 ? 503 : 200).end();
    const id = await triggerTask(admin, project.id, taskId);
    const entries = await waitForAudit(id, (e) => typesOf(e).includes('ExecutionDispatched'), 'the second delivery');
    expect(executor.of(id).map((r) => r.json.delivery_attempt)).toEqual([1, 2]);
    expect(dispatchTypes(entries)).toEqual(['ExecutionDispatchAttempted', 'ExecutionDispatchFailed', 'ExecutionDispatchAttempted', 'ExecutionDispatched']);
    const failed = entries.find((e) => e.type === 'ExecutionDispatchFailed')!.data;
    expect(failed).toMatchObject({ attempt: 1, status: 503, retryable: true, nextAttemptAt: expect.any(String) });
    expect(failed.reason).toMatch(/HTTP 503/);
  });

  it('does not re-send what the executor refused (404)', async () => {
    const project = await pushProject(admin, executor.url);
    const taskId = await pushTask(admin, project.id);
    executor.handler = (_received, response) => void response.writeHead(404).end('no such task');
    const id = await triggerTask(admin, project.id, taskId);
    const entries = await waitForAudit(id, (e) => typesOf(e).includes('ExecutionDispatchFailed'), 'the failure');
    expect(entries.find((e) => e.type === 'ExecutionDispatchFailed')!.data).toMatchObject({ status: 404, retryable: false, nextAttemptAt: null });
    expect(executor.of(id)).toHaveLength(1);
  });

  it('retries a refused connection with exponential backoff, then gives up after 5 attempts, every step recorded', async () => {
    const project = await pushProject(admin, await refusedUrl());
    const taskId = await pushTask(admin, project.id);
    const id = await triggerTask(admin, project.id, taskId);
    const entries = await waitForAudit(
      id,
      (e) => e.some((entry) => entry.type === 'ExecutionDispatchFailed' && entry.data.nextAttemptAt === null),
      'giving up',
    );
    expect(dispatchTypes(entries)).toEqual(Array.from({ length: 5 }, () => ['ExecutionDispatchAttempted', 'ExecutionDispatchFailed']).flat());
    const failures = entries.filter((e) => e.type === 'ExecutionDispatchFailed').map((e) => e.data);
    expect(failures.map((f) => f.attempt)).toEqual([1, 2, 3, 4, 5]);
    for (const failure of failures) expect(failure).toMatchObject({ retryable: true, status: null, reason: expect.stringMatching(/ECONNREFUSED.*not sent/) });
    expect(failures[4]).toMatchObject({ nextAttemptAt: null, reason: expect.stringMatching(/giving up after 5 attempts/) });
    // 40 ms, then 80, 160, 320: each wait doubles, and no attempt comes before its time.
    const attempts = entries.filter((e) => e.type === 'ExecutionDispatchAttempted').map((e) => Date.parse(e.data.at));
    failures.slice(0, 4).forEach((f, i) => {
      const planned = Date.parse(f.nextAttemptAt) - Date.parse(f.at); // `at` is stamped just after the plan
      expect(planned).toBeGreaterThan(0);
      expect(planned).toBeLessThanOrEqual(40 * 2 ** i);
      // (2 ms for timer granularity: libuv may fire a timer a millisecond before Date.now() says it is due)
      expect(attempts[i + 1]).toBeGreaterThanOrEqual(Date.parse(f.nextAttemptAt) - 2);
      expect(attempts[i + 1] - attempts[i]).toBeGreaterThanOrEqual(40 * 2 ** i - 2);
    });
    expect((await admin.get(`/executions/${id}`)).body.status).toBe('PENDING');
  });

  it('never re-sends after a timeout: the executor may be running the job', async () => {
    const project = await pushProject(admin, executor.url);
    const taskId = await pushTask(admin, project.id);
    executor.handler = (_received, response) => new Promise<void>((resolve) => setTimeout(() => (response.end('late'), resolve()), 2_500));
    const id = await triggerTask(admin, project.id, taskId);
    const entries = await waitForAudit(id, (e) => typesOf(e).includes('ExecutionDispatchFailed'), 'the timeout');
    expect(entries.find((e) => e.type === 'ExecutionDispatchFailed')!.data).toMatchObject({
      attempt: 1,
      retryable: false,
      nextAttemptAt: null,
      reason: expect.stringMatching(/no answer within 1.5 s; not sent again/),
    });
    await executor.idle(); // the slow answer has been written (to a closed connection)
    expect(executor.of(id)).toHaveLength(1);
    expect(dispatchTypes(await auditOf(admin, id))).toEqual(['ExecutionDispatchAttempted', 'ExecutionDispatchFailed']);
  });

  it('does not dispatch pull-mode executions nor external runs', async () => {
    const pull = await admin.post('/projects', { name: `Pull ${randomUUID()}` });
    const pullTask = await createTask(admin, pull.body.id);
    expect(pullTask.execution_mode).toBe('pull');
    const pullExecution = await triggerTask(admin, pull.body.id, pullTask.id);
    const project = await pushProject(admin, executor.url);
    const taskId = await pushTask(admin, project.id);
    const run = await project.executor.post(`/projects/${project.id}/tasks/${taskId}/runs`);
    expect(run.body).toMatchObject({ matched: false });
    // A marker dispatch after both: once it is in, the others would have been too.
    executor.handler = (_received, response) => void response.end();
    const marker = await triggerTask(admin, project.id, taskId);
    await executor.waitFor(marker);
    await server.processManagers.waitForPosition(await server.services.events.headPosition());
    expect(executor.of(pullExecution)).toHaveLength(0);
    expect(executor.of(run.body.execution_id)).toHaveLength(0);
    expect(dispatchTypes(await auditOf(admin, pullExecution))).toEqual([]);
  });
});

describe('dispatcher retries on the injected clock', () => {
  let server: TestServer;
  let admin: ApiClient;
  let executor: TestExecutor;
  let clock: ManualClock;

  beforeAll(async () => {
    clock = new ManualClock();
    // The lease never needs renewing while the test moves the clock.
    ({ server, admin } = await startServerWithAdmin({ clock, dispatch: { backoffBaseMs: 10_000 }, lease: { ttlMs: 1e12, renewEveryMs: 1e12 } }));
    executor = await TestExecutor.start();
  });
  afterAll(async () => {
    await executor.close();
    await server.stop();
  });

  const auditWhen = (id: string, until: (entries: AuditEntry[]) => boolean, what: string) =>
    waitFor(async () => {
      const entries = await auditOf(admin, id);
      return until(entries) && entries;
    }, { what });

  it('waits for the backoff on the injected clock before the next attempt', async () => {
    const project = await pushProject(admin, executor.url);
    const taskId = await pushTask(admin, project.id);
    executor.handler = (_received, response, count) => void response.writeHead(count === 1 ? 429 : 200).end();
    const id = await triggerTask(admin, project.id, taskId);
    const entries = await auditWhen(id, (e) => typesOf(e).includes('ExecutionDispatchFailed'), 'the 429');
    const failed = entries.find((e) => e.type === 'ExecutionDispatchFailed')!.data;
    expect(Date.parse(failed.nextAttemptAt) - clock.now().getTime()).toBe(10_000);
    await clock.advance(9_000);
    await server.processManagers.waitForPosition(await server.services.events.headPosition());
    expect(executor.of(id)).toHaveLength(1);
    await clock.advance(1_000);
    await executor.waitFor(id, 2);
    await auditWhen(id, (e) => typesOf(e).includes('ExecutionDispatched'), 'the second delivery');
  });

  it('does not re-send once a report has arrived before the retry: the retry is abandoned, recorded', async () => {
    const project = await pushProject(admin, executor.url);
    const taskId = await pushTask(admin, project.id);
    // A 503, yet the executor started the job anyway and says so.
    executor.handler = (_received, response) => void response.writeHead(503).end();
    const id = await triggerTask(admin, project.id, taskId);
    await auditWhen(id, (e) => typesOf(e).includes('ExecutionDispatchFailed'), 'the 503');
    expect((await project.executor.post(`/executions/${id}/logs`, { message: 'started anyway', level: 'info' })).status).toBe(200);
    const entries = await auditWhen(id, (e) => typesOf(e).includes('ExecutionDispatchAbandoned'), 'the abandonment');
    expect(entries.find((e) => e.type === 'ExecutionDispatchAbandoned')!.data).toMatchObject({ attempts: 1, reason: expect.stringMatching(/report .* arrived/) });
    await clock.advance(60_000);
    await server.processManagers.waitForPosition(await server.services.events.headPosition());
    expect(executor.of(id)).toHaveLength(1);
  });

  it('does not re-send once the executor reported a status before the retry', async () => {
    const project = await pushProject(admin, executor.url);
    const taskId = await pushTask(admin, project.id);
    executor.handler = (_received, response) => void response.writeHead(502).end();
    const id = await triggerTask(admin, project.id, taskId);
    await auditWhen(id, (e) => typesOf(e).includes('ExecutionDispatchFailed'), 'the 502');
    expect((await project.executor.patch(`/executions/${id}/status`, { status: 'FAILED', error: 'crashed' })).status).toBe(200);
    await auditWhen(id, (e) => typesOf(e).includes('ExecutionDispatchAbandoned'), 'the abandonment');
    await clock.advance(60_000);
    await server.processManagers.waitForPosition(await server.services.events.headPosition());
    expect(executor.of(id)).toHaveLength(1);
  });
});
