import { Executor } from '@cron-observer/sdk';
import type { ApiClient } from '../support/api-client';
import type { TestServer } from '../support/test-server';
import { allLogs, auditTypes, captureLogger, createSdkProject, createTask, executionWhen, type SdkProject, startSdkServer, trigger } from './sdk-fixtures';

describe('SDK pull executor', () => {
  let server: TestServer;
  let admin: ApiClient;
  let project: SdkProject;

  beforeAll(async () => {
    ({ server, admin } = await startSdkServer());
    // No execution endpoint: tasks default to pull mode.
    project = await createSdkProject(admin);
  });
  afterAll(() => server.stop());

  it('claims work by long-poll, runs at most `concurrency` jobs at once, reports each, and stops gracefully', async () => {
    const task = await createTask(admin, project.id, { name: 'pulled-task' });
    const failing = await createTask(admin, project.id, { name: 'pulled-failing' });
    expect(task.execution_mode).toBe('pull');
    const executor = new Executor({ url: server.url, apiKey: project.apiKey, projectId: project.id, logger: captureLogger() });
    let running = 0;
    let mostAtOnce = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    executor.task('pulled-task', async (job) => {
      running++;
      mostAtOnce = Math.max(mostAtOnce, running);
      job.info(`pulled ${job.executionId} (${job.mode})`);
      await gate;
      running--;
    });
    executor.task('pulled-failing', () => {
      throw new Error('pulled and failed');
    });
    const worker = executor.pull({ concurrency: 2, waitSeconds: 5 });

    const ids = [await trigger(admin, project.id, task.id), await trigger(admin, project.id, task.id), await trigger(admin, project.id, task.id)];
    await executionWhen(admin, ids[0]!, (e) => e.status === 'RUNNING');
    await executionWhen(admin, ids[1]!, (e) => e.status === 'RUNNING');
    expect(worker.running).toBe(2);
    expect((await admin.get(`/executions/${ids[2]}`)).body.status).toBe('PENDING');
    release();
    for (const id of ids) await executionWhen(admin, id, (e) => e.status === 'SUCCESS' && e.logs_count === 1);
    expect(mostAtOnce).toBe(2);
    expect((await allLogs(admin, ids[2]!))[0]!.message).toBe(`pulled ${ids[2]} (pull)`);

    const failedId = await trigger(admin, project.id, failing.id);
    const failed = await executionWhen(admin, failedId, (e) => e.status === 'FAILED');
    expect(failed.error).toMatch(/pulled and failed/);
    expect((await auditTypes(admin, failedId)).filter((t) => t === 'ExecutionFailed')).toHaveLength(1);

    // The worker is waiting in a long-poll now; stop() abandons it at once.
    const stopping = Date.now();
    await worker.stop();
    expect(Date.now() - stopping).toBeLessThan(2000);
    expect(worker.claimed).toBe(4);
  });

  it('runs a retried execution again: the second attempt is claimed and reported with its attempt number', async () => {
    const task = await createTask(admin, project.id, { name: 'flaky', retry: { max_attempts: 2, backoff: 'fixed', delay_seconds: 1 } });
    const executor = new Executor({ url: server.url, apiKey: project.apiKey, projectId: project.id, logger: captureLogger() });
    const attempts: Array<number | null> = [];
    executor.task('flaky', (job) => {
      attempts.push(job.attempt);
      if (job.attempt === 1) throw new Error('first try fails');
    });
    const worker = executor.pull({ concurrency: 1, waitSeconds: 1 });
    const id = await trigger(admin, project.id, task.id);
    const done = await executionWhen(admin, id, (e) => e.status === 'SUCCESS');
    await worker.stop();
    expect(attempts).toEqual([1, 2]);
    expect(done).toMatchObject({ attempt: 2, max_attempts: 2 });
    expect((done.attempts as Array<{ outcome: string }>).map((a) => a.outcome)).toEqual(['FAILED', 'SUCCESS']);
    expect(await auditTypes(admin, id)).not.toContain('ExecutionStaleReportReceived');
  });
});
