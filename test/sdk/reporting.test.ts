import { CronObserver } from '@cron-observer/sdk';
import type { ApiClient } from '../support/api-client';
import type { TestServer } from '../support/test-server';
import { waitFor } from '../support/wait-for';
import { allLogs, auditTypes, captureLogger, closedPort, createSdkProject, createTask, executionWhen, type SdkProject, startSdkServer, trigger } from './sdk-fixtures';

describe('SDK reporting', () => {
  let server: TestServer;
  let admin: ApiClient;
  let project: SdkProject;
  let taskId: string;

  beforeAll(async () => {
    ({ server, admin } = await startSdkServer());
    project = await createSdkProject(admin);
    taskId = (await createTask(admin, project.id, { name: 'reported-task' })).id;
  });
  afterAll(() => server.stop());

  const newExecution = () => trigger(admin, project.id, taskId);

  it('withExecution reports RUNNING, the logs, then SUCCESS once, and returns what the job returned', async () => {
    const id = await newExecution();
    const co = new CronObserver({ url: server.url, apiKey: project.apiKey, logger: captureLogger() });
    const result = await co.withExecution(id, async (job) => {
      job.info('one');
      job.error('two');
      job.metric('items', 3);
      job.setExitCode(0);
      return 'done';
    });
    expect(result).toBe('done');
    const execution = await executionWhen(admin, id, (e) => e.status === 'SUCCESS' && e.logs_count === 2);
    expect(execution).toMatchObject({ exit_code: 0, metrics: { items: 3 }, run_started_at: expect.any(String) });
    expect((await allLogs(admin, id)).map((l) => `${l.level}:${l.message}`)).toEqual(['info:one', 'error:two']);
    expect(await auditTypes(admin, id)).toEqual(['ExecutionCreated', 'ExecutionStarted', 'ExecutionSucceeded']);
  });

  it("withExecution reports FAILED with the stack and rejects with the job's own error", async () => {
    const id = await newExecution();
    const co = new CronObserver({ url: server.url, apiKey: project.apiKey, logger: captureLogger() });
    const failure = new RangeError('out of range');
    await expect(co.withExecution(id, () => Promise.reject(failure))).rejects.toBe(failure);
    const execution = await executionWhen(admin, id, (e) => e.status === 'FAILED');
    expect(execution.error).toContain('RangeError: out of range');
    expect(execution.error).toContain('reporting.test');
  });

  it('a reporter sends logs in batches: at once when a batch is full, after the interval otherwise', async () => {
    const id = await newExecution();
    const logRequests: number[] = [];
    const countingFetch = async (request: Request) => {
      if (request.method === 'POST' && request.url.endsWith('/logs')) logRequests.push(((await request.clone().json()) as { lines: unknown[] }).lines.length);
      return fetch(request);
    };
    const co = new CronObserver({ url: server.url, apiKey: project.apiKey, fetch: countingFetch, logs: { maxBatchLines: 3, flushIntervalMs: 300 } });
    const reporter = co.reporter(id);
    for (let i = 1; i <= 7; i++) reporter.info(`line ${i}`);
    await waitFor(() => logRequests.length === 2, { what: 'two full batches' });
    expect(logRequests).toEqual([3, 3]);
    await waitFor(() => logRequests.length === 3, { what: 'the last line, sent on time' });
    expect(logRequests).toEqual([3, 3, 1]);
    await reporter.succeed();
    await executionWhen(admin, id, (e) => e.status === 'SUCCESS' && e.logs_count === 7);
    expect((await allLogs(admin, id)).map((l) => l.message)).toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 5', 'line 6', 'line 7']);
  });

  it('retries a report whose answer was lost with the same Idempotency-Key, so it counts once', async () => {
    const id = await newExecution();
    const keys: string[] = [];
    let lose = 1;
    const lossyFetch = async (request: Request) => {
      const isFinish = request.url.endsWith('/finish');
      if (isFinish) keys.push(request.headers.get('idempotency-key') ?? '');
      const response = await fetch(request);
      if (isFinish && lose-- > 0) throw new TypeError('fetch failed (answer lost)');
      return response;
    };
    const co = new CronObserver({ url: server.url, apiKey: project.apiKey, fetch: lossyFetch, logger: captureLogger(), retry: { initialDelayMs: 10 } });
    const reporter = co.reporter(id);
    reporter.start();
    await reporter.succeed({ metrics: { n: 1 } });
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^co-sdk-/);
    expect(keys[1]).toBe(keys[0]);
    await executionWhen(admin, id, (e) => e.status === 'SUCCESS');
    expect((await auditTypes(admin, id)).filter((t) => t === 'ExecutionSucceeded')).toHaveLength(1);
    // A second final report is ignored by the reporter itself.
    await reporter.fail(new Error('late'));
    expect((await admin.get(`/executions/${id}`)).body.status).toBe('SUCCESS');
  });

  it('retries 5xx answers with backoff, then the report lands', async () => {
    const id = await newExecution();
    let failures = 2;
    const flakyFetch = async (request: Request) => {
      if (request.url.endsWith('/finish') && failures-- > 0) return new Response(JSON.stringify({ error: 'store unavailable' }), { status: 503 });
      return fetch(request);
    };
    const co = new CronObserver({ url: server.url, apiKey: project.apiKey, fetch: flakyFetch, logger: captureLogger(), retry: { initialDelayMs: 10 } });
    await co.withExecution(id, () => undefined);
    await executionWhen(admin, id, (e) => e.status === 'SUCCESS');
    expect(failures).toBe(-1);
  });

  describe('fail-open: Cron Observer unreachable', () => {
    let deadUrl: string;
    beforeAll(async () => {
      deadUrl = `http://127.0.0.1:${await closedPort()}`;
    });

    it('the job still runs and finishes; failures are logged and retried for a while, never thrown', async () => {
      const logger = captureLogger();
      const co = new CronObserver({ url: deadUrl, apiKey: project.apiKey, logger, retry: { maxElapsedMs: 400, initialDelayMs: 20 } });
      let ran = false;
      const started = Date.now();
      const result = await co.withExecution('00000000-0000-4000-8000-00000000abcd', async (job) => {
        job.info('working without Cron Observer');
        ran = true;
        return 7;
      });
      expect(result).toBe(7);
      expect(ran).toBe(true);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(logger.messages.join('\n')).toMatch(/RUNNING not reported: .*ECONNREFUSED/);
      expect(logger.messages.join('\n')).toMatch(/SUCCESS not recorded/);
      expect(logger.messages.join('\n')).toMatch(/gave up after \d+ attempts/);
    });

    it("a failing job still rejects with its own error only", async () => {
      const co = new CronObserver({ url: deadUrl, apiKey: project.apiKey, logger: captureLogger(), retry: { maxElapsedMs: 100, initialDelayMs: 10 } });
      await expect(co.withExecution('00000000-0000-4000-8000-00000000abce', () => Promise.reject(new Error('own error')))).rejects.toThrow('own error');
    });

    it('a server stopped during the job does not break it', async () => {
      const { server: doomed, admin: doomedAdmin } = await startSdkServer();
      const p = await createSdkProject(doomedAdmin);
      const t = await createTask(doomedAdmin, p.id, { name: 'doomed' });
      const id = await trigger(doomedAdmin, p.id, t.id);
      const logger = captureLogger();
      const co = new CronObserver({ url: doomed.url, apiKey: p.apiKey, logger, retry: { maxElapsedMs: 300, initialDelayMs: 20 } });
      const result = await co.withExecution(id, async (job) => {
        job.info('before the outage');
        await doomed.stop();
        job.info('after the outage');
        return 'finished anyway';
      });
      expect(result).toBe('finished anyway');
      expect(logger.messages.some((m) => /not recorded|not sent/.test(m))).toBe(true);
    });

    it('external mode runs the job even when the run cannot be recorded', async () => {
      const logger = captureLogger();
      const co = new CronObserver({ url: deadUrl, apiKey: project.apiKey, projectId: project.id, logger, retry: { maxElapsedMs: 200, initialDelayMs: 10 } });
      const result = await co.runExternal('reported-task', (job) => {
        job.info('still runs');
        return 'ok';
      });
      expect(result).toBe('ok');
      expect(logger.messages.join('\n')).toMatch(/run of "reported-task" not recorded/);
    });
  });

  it('external mode: runExternal starts an EXTERNAL run by task name and reports it', async () => {
    const co = new CronObserver({ url: server.url, apiKey: project.apiKey, projectId: project.id, logger: captureLogger() });
    const run = await co.startRunDetailed('reported-task');
    expect(run).toMatchObject({ execution_id: expect.any(String), matched: false });
    // The job starts at once, while the run is being recorded.
    const result = await co.runExternal('reported-task', (job) => {
      job.info('external');
      return 'external done';
    });
    expect(result).toBe('external done');
    const reported = await waitFor(async () => {
      const history = await admin.get(`/projects/${project.id}/tasks/${taskId}/history?limit=10&trigger_type=EXTERNAL`);
      return history.body.data.find((e: { status: string; logs_count: number }) => e.status === 'SUCCESS' && e.logs_count === 1);
    }, { what: 'the EXTERNAL run reported' });
    expect(reported).toMatchObject({ trigger_type: 'EXTERNAL', run_started_at: expect.any(String) });
    expect(reported.id).not.toBe(run!.execution_id);
  });
});
