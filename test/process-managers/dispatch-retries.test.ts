import { randomUUID } from 'node:crypto';
import type { ApiClient } from '../support/api-client';
import { ManualClock } from '../support/manual-clock';
import { startServerWithAdmin } from '../support/signed-in';
import { createTask, triggerTask } from '../support/task-fixtures';
import { TestExecutor } from '../support/test-executor';
import type { TestServer } from '../support/test-server';
import { waitFor } from '../support/wait-for';

describe('push dispatch of retried executions (injected clock)', () => {
  let server: TestServer;
  let admin: ApiClient;
  let executor: TestExecutor;
  let clock: ManualClock;

  beforeAll(async () => {
    clock = new ManualClock();
    ({ server, admin } = await startServerWithAdmin({ clock, dispatch: { backoffBaseMs: 10_000 }, lease: { ttlMs: 1e12, renewEveryMs: 1e12 } }));
    executor = await TestExecutor.start();
  });
  afterAll(async () => {
    await executor.close();
    await server.stop();
  });

  const caughtUp = async () => {
    const head = await server.services.events.headPosition();
    await server.processManagers.waitForPosition(head);
    await server.services.projections.waitForPosition(head);
  };
  const pushProject = async () => {
    const response = await admin.post('/projects', { name: `Push ${randomUUID()}`, execution_endpoint: executor.url });
    return { id: response.body.id as string, executor: admin.as({ apiKey: response.body.api_key as string }) };
  };
  const execution = async (id: string) => (await admin.get(`/executions/${id}`)).body;
  const retry = (on: string[]) => ({ max_attempts: 2, backoff: 'fixed', delay_seconds: 30, on });

  it('sends the next attempt as a new delivery, with its attempt number, at retryAt', async () => {
    const project = await pushProject();
    const task = await createTask(admin, project.id, { schedule_config: { cron_expression: '0 0 1 1 *', timezone: 'UTC' }, retry: retry(['FAILED']) });
    executor.handler = (_received, response) => void response.writeHead(200).end();
    const id = await triggerTask(admin, project.id, task.id);
    const [first] = await executor.waitFor(id, 1);
    expect(first!.json).toMatchObject({ execution_id: id, attempt: 1, delivery_attempt: 1 });
    await waitFor(async () => (await admin.get(`/executions/${id}/audit`)).body.data.some((e: { type: string }) => e.type === 'ExecutionDispatched'), { what: 'delivery 1' });
    expect((await project.executor.post(`/executions/${id}/finish`, { status: 'FAILED', error: 'boom', attempt: 1 })).body.status).toBe('RETRYING');
    await caughtUp();
    await clock.advance(29_000);
    await caughtUp();
    expect(executor.of(id)).toHaveLength(1);
    await clock.advance(1_000);
    const [, second] = await executor.waitFor(id, 2);
    expect(second!.json).toMatchObject({ execution_id: id, attempt: 2, delivery_attempt: 1 });
    expect(second!.headers['x-cron-observer-delivery-attempt']).toBe('1');
    expect((await project.executor.post(`/executions/${id}/finish`, { status: 'SUCCESS', attempt: 2 })).body.status).toBe('SUCCESS');
    await caughtUp();
    await clock.advance(120_000);
    await caughtUp();
    expect(executor.of(id)).toHaveLength(2);
  });

  it('a dispatch refused for good is a DISPATCH_FAILED attempt when the policy says so, and is sent again', async () => {
    const project = await pushProject();
    const task = await createTask(admin, project.id, { schedule_config: { cron_expression: '0 0 1 1 *', timezone: 'UTC' }, retry: retry(['DISPATCH_FAILED']) });
    // 404: not retried by the dispatcher, so the delivery fails for good.
    executor.handler = (_received, response, count) => void response.writeHead(count === 1 ? 404 : 200).end();
    const id = await triggerTask(admin, project.id, task.id);
    await executor.waitFor(id, 1);
    const retrying = await waitFor(async () => {
      const body = await execution(id);
      return body.status === 'RETRYING' && body;
    }, { what: 'the DISPATCH_FAILED attempt' });
    expect(retrying.attempts[0]).toMatchObject({ attempt: 1, outcome: 'DISPATCH_FAILED' });
    await clock.advance(30_000);
    const [, second] = await executor.waitFor(id, 2);
    expect(second!.json).toMatchObject({ attempt: 2, delivery_attempt: 1 });
  });
});
