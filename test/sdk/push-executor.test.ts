import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Executor, signatureHeaders } from '@cron-observer/sdk';
import type { ApiClient } from '../support/api-client';
import type { TestServer } from '../support/test-server';
import { waitFor } from '../support/wait-for';
import { allLogs, auditTypes, captureLogger, createSdkProject, createTask, executionWhen, type SdkProject, startSdkServer, trigger } from './sdk-fixtures';

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

describe('SDK push executor', () => {
  let server: TestServer;
  let admin: ApiClient;

  beforeAll(async () => {
    ({ server, admin } = await startSdkServer());
  });
  afterAll(() => server.stop());

  describe('fed by the dispatcher', () => {
    let project: SdkProject;
    let executor: Executor;
    let http: Server;
    const logger = captureLogger();

    beforeAll(async () => {
      // The project is created first (for its secret), then pointed at the executor.
      project = await createSdkProject(admin);
      executor = new Executor({ url: server.url, apiKey: project.apiKey, signingSecret: project.signingSecret, logger, logs: { flushIntervalMs: 50 } });
      executor.task('report-things', async (job) => {
        job.info(`running ${job.taskName} for ${job.scheduledAt}`);
        job.warn('half way');
        job.metric('rows', 42);
        job.info(`metadata ${JSON.stringify(job.metadata)}`);
      });
      executor.task('always-throws', async (job) => {
        job.info('about to fail');
        throw new TypeError('the job broke');
      });
      http = createServer(executor.httpHandler());
      const url = await listen(http);
      const updated = await admin.put(`/projects/${project.id}`, { execution_endpoint: `${url}/cron` });
      expect(updated.status).toBe(200);
    });
    afterAll(async () => {
      await executor.close();
      await new Promise((resolve) => http.close(resolve));
    });

    it('receives the dispatch, reports RUNNING, logs, metrics and SUCCESS, and the history shows them', async () => {
      const task = await createTask(admin, project.id, { name: 'report-things', metadata: { region: 'eu' } });
      expect(task.execution_mode).toBe('push');
      const id = await trigger(admin, project.id, task.id);
      const execution = await executionWhen(admin, id, (e) => e.status === 'SUCCESS' && e.logs_count === 3);
      expect(execution).toMatchObject({ trigger_type: 'MANUAL', metrics: { rows: 42 }, run_started_at: expect.any(String), duration_ms: expect.any(Number) });
      expect((await allLogs(admin, id)).map((l) => [l.level, l.message])).toEqual([
        ['info', `running report-things for ${execution.scheduled_at}`],
        ['warn', 'half way'],
        ['info', 'metadata {"region":"eu"}'],
      ]);
      const day = execution.created_at.slice(0, 10);
      const history = await admin.get(`/projects/${project.id}/tasks/${task.id}/executions?date=${day}`);
      expect(history.body.data).toEqual([expect.objectContaining({ id, status: 'SUCCESS', logs: expect.arrayContaining([expect.objectContaining({ message: 'half way' })]) })]);
      expect(await auditTypes(admin, id)).toEqual(expect.arrayContaining(['ExecutionStarted', 'ExecutionSucceeded']));
      expect(logger.messages).toEqual([]);
    });

    it('a handler that throws gives exactly one FAILED, with the message and the stack', async () => {
      const task = await createTask(admin, project.id, { name: 'always-throws' });
      const id = await trigger(admin, project.id, task.id);
      const execution = await executionWhen(admin, id, (e) => e.status === 'FAILED');
      expect(execution.error).toMatch(/^TypeError: the job broke\n\s+at /);
      await waitFor(async () => (await allLogs(admin, id)).length === 1, { what: 'the log line' });
      await executor.drain();
      const types = await auditTypes(admin, id);
      expect(types.filter((t) => t === 'ExecutionFailed')).toHaveLength(1);
      expect(types).not.toContain('ExecutionSucceeded');
    });
  });

  describe('signed requests posted by the test', () => {
    let project: SdkProject;
    let executor: Executor;
    let url: string;
    let http: Server;
    const logger = captureLogger();
    let ran: string[];

    beforeAll(async () => {
      // No execution endpoint: tasks are in pull mode and the dispatcher leaves them alone.
      project = await createSdkProject(admin);
      executor = new Executor({ url: server.url, apiKey: project.apiKey, signingSecret: ['old-secret', project.signingSecret], logger });
      executor.task('signed-task', async (job) => {
        ran.push(job.executionId);
        job.info('ran');
      });
      http = createServer(executor.httpHandler());
      url = await listen(http);
    });
    beforeEach(() => (ran = []));
    afterAll(async () => {
      await executor.close();
      await new Promise((resolve) => http.close(resolve));
    });

    const post = (body: string, headers: Record<string, string>, path = '/') =>
      fetch(`${url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

    it('answers 202 at once, runs the job in the background, and ignores a repeated delivery', async () => {
      const task = await createTask(admin, project.id, { name: 'signed-task' });
      const id = await trigger(admin, project.id, task.id);
      const body = JSON.stringify({ task_name: 'signed-task', execution_id: id, task_id: task.id, project_id: project.id, attempt: 1, metadata: null });
      const answer = await post(body, signatureHeaders(project.signingSecret, body));
      expect(answer.status).toBe(202);
      expect(await answer.json()).toEqual({ accepted: true, execution_id: id });
      await executionWhen(admin, id, (e) => e.status === 'SUCCESS');
      const again = await post(body, signatureHeaders(project.signingSecret, body));
      expect(await again.json()).toEqual({ accepted: true, execution_id: id, duplicate: true });
      await executor.drain();
      expect(ran).toEqual([id]);
    });

    it("a signed cancel notice aborts the running job's signal; an unsigned one is refused", async () => {
      const task = await createTask(admin, project.id, { name: 'long-task' });
      let aborted: unknown = null;
      executor.task('long-task', (job) => new Promise<void>((resolve) => job.signal.addEventListener('abort', () => {
        aborted = job.signal.reason;
        resolve();
      })));
      const id = await trigger(admin, project.id, task.id);
      const body = JSON.stringify({ task_name: 'long-task', execution_id: id });
      expect((await post(body, signatureHeaders(project.signingSecret, body))).status).toBe(202);
      await waitFor(() => executor.running === 1, { what: 'the job running' });

      const notice = JSON.stringify({ type: 'execution.cancelled', execution_id: id, task_id: task.id, project_id: project.id, reason: 'replaced by x', replaced_by: 'x' });
      expect((await post(notice, { 'X-Cron-Observer-Event': 'execution.cancelled' })).status).toBe(401);
      const answer = await post(notice, { 'X-Cron-Observer-Event': 'execution.cancelled', ...signatureHeaders(project.signingSecret, notice) });
      expect(answer.status).toBe(200);
      expect(await answer.json()).toEqual({ cancelled: true, execution_id: id });
      await executor.drain();
      expect(String(aborted)).toMatch(/cancelled by the server: replaced by x/);
      // A notice for a run not running here changes nothing and says so; it never starts a job.
      const other = JSON.stringify({ type: 'execution.cancelled', execution_id: '00000000-0000-4000-8000-000000000002', reason: 'replaced by y' });
      const unknown = await post(other, { 'X-Cron-Observer-Event': 'execution.cancelled', ...signatureHeaders(project.signingSecret, other) });
      expect(await unknown.json()).toEqual({ cancelled: false, execution_id: '00000000-0000-4000-8000-000000000002' });
      expect(executor.running).toBe(0);
    });

    it('accepts a rotation header with several v1 signatures when one matches', async () => {
      const task = await createTask(admin, project.id, { name: 'rotation-task' });
      executor.task('rotation-task', () => undefined);
      const id = await trigger(admin, project.id, task.id);
      const body = JSON.stringify({ task_name: 'rotation-task', execution_id: id });
      const answer = await post(body, signatureHeaders(['not-the-secret', project.signingSecret], body));
      expect(answer.status).toBe(202);
      await executionWhen(admin, id, (e) => e.status === 'SUCCESS');
    });

    it('refuses a wrong signature, a tampered body and a stale timestamp (401), and runs nothing', async () => {
      const body = JSON.stringify({ task_name: 'signed-task', execution_id: '00000000-0000-4000-8000-000000000001' });
      expect((await post(body, signatureHeaders('wrong', body))).status).toBe(401);
      const headers = signatureHeaders(project.signingSecret, body);
      expect((await post(body.replace('signed-task', 'other-task'), headers)).status).toBe(401);
      const stale = signatureHeaders(project.signingSecret, body, Date.now() - 6 * 60 * 1000);
      const refused = await post(body, stale);
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { error: string }).error).toMatch(/timestamp/);
      expect((await post(body, {})).status).toBe(401);
      expect((await fetch(url)).status).toBe(405);
      expect(ran).toEqual([]);
    });

    it('reports FAILED for a task with no handler, and answers 404', async () => {
      const task = await createTask(admin, project.id, { name: 'nobody-handles-me' });
      const id = await trigger(admin, project.id, task.id);
      const body = JSON.stringify({ task_name: 'nobody-handles-me', execution_id: id });
      const answer = await post(body, signatureHeaders(project.signingSecret, body));
      expect(answer.status).toBe(404);
      const execution = await executionWhen(admin, id, (e) => e.status === 'FAILED');
      expect(execution.error).toMatch(/No handler for task "nobody-handles-me"/);
    });

    it('works as express middleware, mounted before a JSON parser or with the raw body kept', async () => {
      const app = express();
      app.post('/cron', executor.middleware());
      app.post('/cron-after-json', express.json({ verify: (req, _res, buf) => ((req as unknown as { rawBody: Buffer }).rawBody = buf) }), executor.middleware());
      app.post('/cron-parsed', express.json(), executor.middleware());
      app.use((error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
        res.status(500).json({ error: error.message });
      });
      const appServer = createServer(app);
      const appUrl = await listen(appServer);
      try {
        const task = await createTask(admin, project.id, { name: 'express-task' });
        executor.task('express-task', (job) => job.info('via express'));
        for (const path of ['/cron', '/cron-after-json']) {
          const id = await trigger(admin, project.id, task.id);
          const body = JSON.stringify({ task_name: 'express-task', execution_id: id });
          const answer = await fetch(`${appUrl}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...signatureHeaders(project.signingSecret, body) } });
          expect(answer.status).toBe(202);
          await executionWhen(admin, id, (e) => e.status === 'SUCCESS' && e.logs_count === 1);
        }
        const body = JSON.stringify({ task_name: 'express-task', execution_id: 'x' });
        const parsed = await fetch(`${appUrl}/cron-parsed`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...signatureHeaders(project.signingSecret, body) } });
        expect(parsed.status).toBe(500);
        expect(((await parsed.json()) as { error: string }).error).toMatch(/Mount executor.middleware\(\) before express.json\(\)/);
      } finally {
        await new Promise((resolve) => appServer.close(resolve));
      }
    });
  });
});
