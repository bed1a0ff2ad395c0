import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { newCommandContext, eventMetadata } from '../../src/commands/command-context';
import { loadConfig } from '../../src/config/config';
import { executionStream } from '../../src/events/streams';
import { type RunningServer, type ServerOptions, startServer } from '../../src/server';
import { systemClock } from '../../src/time/clock';
import { ApiClient } from '../support/api-client';
import { distPath } from '../support/dist';
import { logInAs, TEST_ADMIN } from '../support/signed-in';
import { createTask, triggerTask } from '../support/task-fixtures';
import { makeTempDir } from '../support/temp-dir';
import { openTestEventStore, testEngineEnv } from '../support/test-stores';
import { refusedUrl, TestExecutor } from '../support/test-executor';
import { waitFor } from '../support/wait-for';

/**
 * Crash safety of push dispatch: an intent found without its outcome after a restart is recorded as
 * ExecutionDispatchOutcomeUnknown and never sent again (the executor may have it); an execution created
 * but never attempted is sent once.
 */
const ADMIN_ENV = { ADMIN_EMAIL: TEST_ADMIN.email, ADMIN_PASSWORD: TEST_ADMIN.password, LOG_LEVEL: 'silent' };
// After a kill the dead leader's lease must lapse first (5 s); look for it often.
const FAST_LEASE: ServerOptions['lease'] = { ttlMs: 5_000, renewEveryMs: 200 };

async function serverOn(dataDir: string): Promise<{ server: RunningServer; admin: ApiClient }> {
  const server = await startServer(loadConfig({ PORT: '0', DATA_DIR: dataDir, ...testEngineEnv(dataDir), ...ADMIN_ENV }), { lease: FAST_LEASE });
  return { server, admin: await logInAs(server.url, TEST_ADMIN.email, TEST_ADMIN.password) };
}

async function pushProjectAndTask(admin: ApiClient, endpoint: string): Promise<{ projectId: string; taskId: string; taskName: string }> {
  const project = await admin.post('/projects', { name: `Crash ${randomUUID()}`, execution_endpoint: endpoint });
  expect(project.status).toBe(201);
  const task = await createTask(admin, project.body.id, { schedule_config: { cron_expression: '0 0 1 1 *', timezone: 'UTC' } });
  return { projectId: project.body.id, taskId: task.id, taskName: task.name };
}

const auditTypes = async (admin: ApiClient, id: string): Promise<string[]> =>
  ((await admin.get(`/executions/${id}/audit`)).body.data ?? []).map((e: { type: string }) => e.type);

describe('dispatch after a crash', () => {
  let executor: TestExecutor;
  const temps: Array<{ cleanup(): void }> = [];

  beforeAll(async () => {
    executor = await TestExecutor.start();
  });
  afterAll(async () => {
    await executor.close();
    for (const temp of temps) temp.cleanup();
  });

  it('records an intent without outcome as unknown and does not re-send it; sends an execution never attempted', async () => {
    const temp = makeTempDir('cron-observer-dispatch-crash-');
    temps.push(temp);
    let { server, admin } = await serverOn(temp.dir);
    const { projectId, taskId, taskName } = await pushProjectAndTask(admin, executor.url);
    await server.close();

    // What a process killed mid-dispatch leaves behind: X has its intent and no outcome; Y was created and
    // the process died before recording any attempt.
    const [x, y] = [randomUUID(), randomUUID()];
    const store = openTestEventStore(temp.dir);
    const meta = () => eventMetadata(newCommandContext('system:scheduler'), systemClock, 1);
    const at = new Date().toISOString();
    const created = (executionId: string) => ({
      type: 'ExecutionCreated',
      data: { executionId, taskId, projectId, taskName, scheduledAt: at, triggerType: 'MANUAL', attempt: 1, executionMode: 'push', timeoutSeconds: null, startDeadlineSeconds: null, createdAt: at },
      metadata: meta(),
    });
    await store.append(
      executionStream(x),
      [created(x), { type: 'ExecutionDispatchAttempted', data: { executionId: x, taskId, projectId, attempt: 1, url: executor.url, at }, metadata: meta() }],
      'no_stream',
    );
    await store.append(executionStream(y), [created(y)], 'no_stream');
    await store.close();

    ({ server, admin } = await serverOn(temp.dir));
    try {
      await waitFor(async () => (await auditTypes(admin, x)).includes('ExecutionDispatchOutcomeUnknown'), { what: 'the unknown outcome' });
      await executor.waitFor(y);
      await waitFor(async () => (await auditTypes(admin, y)).includes('ExecutionDispatched'), { what: "Y's delivery" });
      const unknown = ((await admin.get(`/executions/${x}/audit`)).body.data as Array<{ type: string; data: { attempt: number; reason: string } }>).find(
        (e) => e.type === 'ExecutionDispatchOutcomeUnknown',
      )!;
      expect(unknown.data).toMatchObject({ attempt: 1, reason: expect.stringMatching(/unknown, so it is not sent again/) });
      expect(executor.of(x)).toHaveLength(0);
      expect(executor.of(y)).toHaveLength(1);
      expect(await auditTypes(admin, x)).toEqual(['ExecutionCreated', 'ExecutionDispatchAttempted', 'ExecutionDispatchOutcomeUnknown']);
    } finally {
      await server.close();
    }
  });

  it('SIGKILL while the executor holds the request: after the restart it is recorded unknown and never sent again', async () => {
    const temp = makeTempDir('cron-observer-dispatch-kill-');
    temps.push(temp);
    const port = Number(new URL(await refusedUrl()).port);
    const child: ChildProcess = spawn(process.execPath, [distPath('src/main.ts')], {
      env: { ...process.env, PORT: String(port), DATA_DIR: temp.dir, ...testEngineEnv(temp.dir), ...ADMIN_ENV },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitFor(async () => (await fetch(`${base}/api/v1/health`).catch(() => null))?.ok, { what: 'the child server', timeoutMs: 20_000, intervalMs: 100 });
      const admin = await logInAs(base, TEST_ADMIN.email, TEST_ADMIN.password);
      const { projectId, taskId } = await pushProjectAndTask(admin, executor.url);
      executor.handler = () => undefined; // holds the request: the job "runs" until the kill
      const id = await triggerTask(admin, projectId, taskId);
      await executor.waitFor(id);
      child.kill('SIGKILL');
      await exited;

      executor.handler = (_received, response) => void response.end();
      const { server, admin: again } = await serverOn(temp.dir);
      try {
        await waitFor(async () => (await auditTypes(again, id)).includes('ExecutionDispatchOutcomeUnknown'), {
          what: 'the unknown outcome after the restart',
          timeoutMs: 20_000,
        });
        // A later dispatch goes through, so the dispatcher is live and had every chance to re-send.
        const marker = await triggerTask(again, projectId, taskId);
        await executor.waitFor(marker);
        expect(executor.of(id)).toHaveLength(1);
        expect(await auditTypes(again, id)).toEqual(['ExecutionCreated', 'ExecutionDispatchAttempted', 'ExecutionDispatchOutcomeUnknown']);
      } finally {
        await server.close();
      }
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    }
  }, 60_000);
});
