import { randomUUID } from 'node:crypto';
import type { ApiClient } from '../support/api-client';
import { startServerWithAdmin } from '../support/signed-in';
import { type SmtpTestServer, startSmtpTestServer } from '../support/smtp-test-server';
import { apiKeyClient, createProject, createTask } from '../support/task-fixtures';
import { duplicateTicks, type HistoryRow, statusCounts, taskHistory } from '../support/task-history';
import { TestExecutor } from '../support/test-executor';
import type { TestServer } from '../support/test-server';
import { waitFor } from '../support/wait-for';

/**
 * Issue 4, "What must hold", first point: on REAL time (the system clock), a project whose executor
 * is a test executor on loopback, tasks on `*\/2 * * * * *`, a real SMTP server on loopback. Push,
 * pull and external mode each get their own project; every test disables its tasks before it ends.
 */
const EVERY_2_S = { schedule_type: 'RECURRING', schedule_config: { cron_expression: '*/2 * * * * *', timezone: 'UTC' } };
/** Real time on a possibly loaded machine: conditions are waited for generously, asserted exactly. */
const PATIENCE = { timeoutMs: 20_000, intervalMs: 100 };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AlertEntry = { type: string; data: any };

describe('end to end on real time: push, pull and external executors', () => {
  let smtp: SmtpTestServer;
  let executor: TestExecutor;
  let server: TestServer;
  let admin: ApiClient;
  const startedAt = Date.now();

  beforeAll(async () => {
    smtp = await startSmtpTestServer();
    executor = await TestExecutor.start();
    // A dispatch timeout shorter than the hanging task's 3 s timeout: the request is given up (and never re-sent).
    ({ server, admin } = await startServerWithAdmin({ dispatch: { timeoutMs: 2_000, backoffBaseMs: 100 } }, { SMTP_URL: smtp.url }));
  });
  afterAll(async () => {
    await server?.stop();
    await executor?.close();
    await smtp?.close();
  });

  /** Every process manager (the alerts manager included) and every projection has handled everything stored, and nothing new came of it. */
  const settled = async () => {
    for (;;) {
      const head = await server.services.events.headPosition();
      await server.processManagers.waitForPosition(head);
      await server.services.projections.waitForPosition(head);
      if ((await server.services.events.headPosition()) === head) return;
    }
  };
  const history = (projectId: string, taskId: string) => taskHistory(admin, projectId, taskId, startedAt);
  const historyWhen = (projectId: string, taskId: string, until: (rows: HistoryRow[]) => boolean, what: string) =>
    waitFor(
      async () => {
        const rows = await history(projectId, taskId);
        return until(rows) && rows;
      },
      { ...PATIENCE, what },
    );
  const count = (rows: HistoryRow[], status: string) => rows.filter((r) => r.status === status).length;
  const alertsOf = async (taskId: string): Promise<AlertEntry[]> => (await admin.get(`/tasks/${taskId}/alerts?limit=1000`)).body.data;
  const mailsAbout = (taskId: string) => smtp.mailsWhere((m) => m.text.includes(`(${taskId})`));

  /** The executions of a task still open, each with its audit trail and the webhooks the executor received (to tell why). */
  async function openExecutions(projectId: string, taskId: string): Promise<string> {
    const open = (await history(projectId, taskId)).filter((r) => r.status === 'PENDING' || r.status === 'RUNNING');
    const described = await Promise.all(
      open.map(async (r) => ({ ...r, webhooks: executor.of(r.id).length, audit: (await admin.get(`/executions/${r.id}/audit`)).body })),
    );
    return JSON.stringify(described, null, 1);
  }

  /** Disables the tasks, then waits until none of their executions is still open (nothing fires or ends after the test). */
  async function disableAndDrain(projectId: string, taskIds: string[]): Promise<Map<string, HistoryRow[]>> {
    for (const taskId of taskIds) {
      const response = await admin.patch(`/projects/${projectId}/tasks/${taskId}/status`, { status: 'DISABLED' });
      expect(response.status).toBe(200);
    }
    const final = new Map<string, HistoryRow[]>();
    for (const taskId of taskIds) {
      const ended = historyWhen(projectId, taskId, (rows) => rows.every((r) => r.status !== 'PENDING' && r.status !== 'RUNNING'), `every execution of ${taskId} to end`);
      final.set(taskId, await ended.catch(async (err: Error) => Promise.reject(new Error(`${err.message}; still open:\n${await openExecutions(projectId, taskId)}`))));
    }
    await settled();
    return final;
  }

  /**
   * Exactly one mail for the task's incident: the alert stream holds one incident and one email intent,
   * sent, and the SMTP server received exactly that message (Message-ID) and no other mail about the task.
   */
  async function expectOneIncidentMail(taskId: string, status: string) {
    const mail = await smtp.waitForMail((m) => m.text.includes(`(${taskId})`), { timeoutMs: 15_000, what: `the ${status} mail of ${taskId}` });
    const alerts = await waitFor(
      async () => {
        const entries = await alertsOf(taskId);
        return entries.some((e) => e.type === 'AlertSent') && entries;
      },
      { ...PATIENCE, what: 'the alert to be recorded as sent' },
    );
    expect(alerts.map((e) => e.type)).toEqual(['AlertIncidentOpened', 'AlertSendIntended', 'AlertSent']);
    expect(alerts[1].data).toMatchObject({ channel: 'email', kind: 'failure', recipients: ['root@example.com'] });
    expect(mail.messageId).toBe(alerts[1].data.messageId);
    expect(mail.subject).toMatch(new RegExp(`^\\[Cron Observer\\] ${status}: `));
    expect(mailsAbout(taskId)).toHaveLength(1);
    return alerts[1].data.executionId as string;
  }

  it('push: the executor reports SUCCESS, reports FAILED (one mail), or never answers (TIMED_OUT, one mail)', async () => {
    const project = await createProject(admin, { name: `Push ${randomUUID()}`, execution_endpoint: executor.url });
    // The executor's behaviour is in place before the first task exists: a task's first tick may come
    // before the next task is created, and a run answered by a default handler would never end.
    executor.handler = async (received, response) => {
      const { execution_id: id, project_id: projectId, task_name: taskName } = received.json as Record<string, string>;
      if (projectId === project.id && taskName === 'push-succeeds') {
        await project.executor.post(`/executions/${id}/finish`, { status: 'SUCCESS', exit_code: 0 });
        response.end('{"ok":true}');
      } else if (projectId === project.id && taskName === 'push-fails') {
        await project.executor.post(`/executions/${id}/logs`, { message: 'disk full', level: 'error' });
        await project.executor.post(`/executions/${id}/finish`, { status: 'FAILED', error: 'exit code 3', exit_code: 3 });
        response.end('{"ok":false}');
      }
      // The hanging task's executor never answers (the dispatcher gives the request up after 2 s).
    };
    const succeeding = await createTask(admin, project.id, { ...EVERY_2_S, name: 'push-succeeds' });
    const failing = await createTask(admin, project.id, { ...EVERY_2_S, name: 'push-fails' });
    const hanging = await createTask(admin, project.id, { ...EVERY_2_S, name: 'push-hangs', timeout_seconds: 3 });
    expect([succeeding, failing, hanging].map((t) => t.execution_mode)).toEqual(['push', 'push', 'push']);

    await historyWhen(project.id, succeeding.id, (rows) => count(rows, 'SUCCESS') >= 2, 'two SUCCESS runs');
    // Two failures and two timeouts: the second of each must not mail again.
    await historyWhen(project.id, failing.id, (rows) => count(rows, 'FAILED') >= 2, 'two FAILED runs');
    await historyWhen(project.id, hanging.id, (rows) => count(rows, 'TIMED_OUT') >= 2, 'two TIMED_OUT runs');
    const final = await disableAndDrain(project.id, [succeeding.id, failing.id, hanging.id]);

    for (const [taskId, rows] of final) {
      expect(duplicateTicks(rows)).toEqual([]);
      expect(rows.every((r) => r.trigger_type === 'SCHEDULED' && Date.parse(r.scheduled_at) % 2000 === 0)).toBe(true);
      // Every execution was dispatched, once.
      for (const row of rows) expect([row.id, executor.of(row.id).length]).toEqual([row.id, 1]);
    }
    expect(Object.keys(statusCounts(final.get(succeeding.id)!))).toEqual(['SUCCESS']);
    expect(Object.keys(statusCounts(final.get(failing.id)!))).toEqual(['FAILED']);
    expect(Object.keys(statusCounts(final.get(hanging.id)!))).toEqual(['TIMED_OUT']);
    const failed = final.get(failing.id)![0];
    expect(failed).toMatchObject({ error: 'exit code 3', exit_code: 3 });
    const timedOut = final.get(hanging.id)![0];
    const logs = (await admin.get(`/executions/${timedOut.id}/logs`)).body;
    expect(JSON.stringify(logs)).toContain('Timed out after 3 s without a final status');

    const failedAlerted = await expectOneIncidentMail(failing.id, 'FAILED');
    expect(failedAlerted).toBe(failed.id);
    expect(mailsAbout(failing.id)[0].text).toContain('[error] disk full');
    expect(await expectOneIncidentMail(hanging.id, 'TIMED_OUT')).toBe(timedOut.id);
    expect(mailsAbout(succeeding.id)).toEqual([]);
    expect(await alertsOf(succeeding.id)).toEqual([]);
  }, 45_000);

  it('pull: a worker claims through the long-poll and reports SUCCESS, FAILED (one mail), or nothing (TIMED_OUT, one mail)', async () => {
    const project = await createProject(admin, { name: `Pull ${randomUUID()}` });
    const succeeding = await createTask(admin, project.id, { ...EVERY_2_S, name: 'pull-succeeds' });
    const failing = await createTask(admin, project.id, { ...EVERY_2_S, name: 'pull-fails' });
    const silent = await createTask(admin, project.id, { ...EVERY_2_S, name: 'pull-silent', timeout_seconds: 3 });
    expect([succeeding, failing, silent].map((t) => t.execution_mode)).toEqual(['pull', 'pull', 'pull']);

    const worker = await apiKeyClient(admin, project.id, 'ingest');
    const claimed = new Map<string, number>();
    let working = true;
    const workerLoop = (async () => {
      while (working) {
        const claim = await worker.post(`/projects/${project.id}/executions/claim`, { wait_seconds: 1, limit: 10, worker_id: 'e2e-worker' });
        expect(claim.status).toBe(200);
        for (const execution of claim.body.executions as Array<{ execution_id: string; task_id: string }>) {
          claimed.set(execution.execution_id, (claimed.get(execution.execution_id) ?? 0) + 1);
          if (execution.task_id === succeeding.id) {
            expect((await worker.post(`/executions/${execution.execution_id}/finish`, { status: 'SUCCESS' })).status).toBe(200);
          } else if (execution.task_id === failing.id) {
            expect((await worker.post(`/executions/${execution.execution_id}/finish`, { status: 'FAILED', error: 'worker crashed' })).status).toBe(200);
          }
          // The silent task's runs are claimed (RUNNING) and never reported.
        }
      }
    })();
    try {
      await historyWhen(project.id, succeeding.id, (rows) => count(rows, 'SUCCESS') >= 2, 'two SUCCESS runs');
      await historyWhen(project.id, failing.id, (rows) => count(rows, 'FAILED') >= 2, 'two FAILED runs');
      await historyWhen(project.id, silent.id, (rows) => count(rows, 'TIMED_OUT') >= 2, 'two TIMED_OUT runs');
      for (const taskId of [succeeding.id, failing.id, silent.id]) {
        expect((await admin.patch(`/projects/${project.id}/tasks/${taskId}/status`, { status: 'DISABLED' })).status).toBe(200);
      }
      // The last ticks are claimed too before the worker stops (nothing stays PENDING: a MISSED would open another incident).
      await settled();
      const ticks = new Set<string>();
      for (const taskId of [succeeding.id, failing.id, silent.id]) for (const row of await history(project.id, taskId)) ticks.add(row.id);
      await waitFor(() => [...ticks].every((id) => claimed.has(id)), { ...PATIENCE, what: 'the worker to claim every tick' });
    } finally {
      working = false;
      await workerLoop;
    }
    const final = await disableAndDrain(project.id, [succeeding.id, failing.id, silent.id]);

    for (const [, rows] of final) {
      expect(duplicateTicks(rows)).toEqual([]);
      // Each execution handed to the worker exactly once.
      for (const row of rows) expect([row.id, claimed.get(row.id)]).toEqual([row.id, 1]);
    }
    expect(Object.keys(statusCounts(final.get(succeeding.id)!))).toEqual(['SUCCESS']);
    expect(Object.keys(statusCounts(final.get(failing.id)!))).toEqual(['FAILED']);
    expect(Object.keys(statusCounts(final.get(silent.id)!))).toEqual(['TIMED_OUT']);
    expect(final.get(silent.id)!.every((r) => r.run_started_at !== null)).toBe(true);

    expect(await expectOneIncidentMail(failing.id, 'FAILED')).toBe(final.get(failing.id)![0].id);
    expect(await expectOneIncidentMail(silent.id, 'TIMED_OUT')).toBe(final.get(silent.id)![0].id);
    expect(mailsAbout(succeeding.id)).toEqual([]);
  }, 45_000);

  it('external: a run reported through the runs route is matched to its tick; a tick nobody runs becomes MISSED at its start deadline', async () => {
    const project = await createProject(admin, { name: `External ${randomUUID()}` });
    const task = await createTask(admin, project.id, { ...EVERY_2_S, name: 'external-crontab', execution_mode: 'external', start_deadline_seconds: 3 });
    const ingest = await apiKeyClient(admin, project.id, 'ingest');

    // The scheduler expects a run at each tick; the executor (its own crontab) starts one when it sees one due.
    await historyWhen(project.id, task.id, (rows) => rows.some((r) => r.status === 'PENDING'), 'a PENDING tick');
    const run = await ingest.post(`/projects/${project.id}/tasks/${task.id}/runs`);
    expect(run.status).toBe(200);
    expect(run.body.matched).toBe(true);
    const matched = run.body.execution_id as string;
    expect((await ingest.post(`/executions/${matched}/logs`, { message: 'backup done', level: 'info' })).status).toBeLessThan(300);
    expect((await ingest.post(`/executions/${matched}/finish`, { status: 'SUCCESS', exit_code: 0 })).body.status).toBe('SUCCESS');

    // No further run: the next ticks pass their start deadline.
    await historyWhen(project.id, task.id, (rows) => rows.some((r) => r.status === 'MISSED' && Date.parse(r.scheduled_at) > Date.parse(run.body.scheduled_at)), 'a MISSED tick');
    const final = (await disableAndDrain(project.id, [task.id])).get(task.id)!;

    expect(duplicateTicks(final)).toEqual([]);
    expect(final.every((r) => r.trigger_type === 'SCHEDULED')).toBe(true);
    const success = final.filter((r) => r.status === 'SUCCESS');
    expect(success.map((r) => r.id)).toEqual([matched]);
    expect(success[0]).toMatchObject({ scheduled_at: run.body.scheduled_at, run_started_at: expect.any(String), exit_code: 0 });
    const missed = final.filter((r) => r.status === 'MISSED');
    expect(missed.length + success.length).toBe(final.length);
    for (const row of missed) expect(row.error).toMatch(/start deadline/);
    expect(executor.received.filter((r) => r.json?.task_id === task.id)).toEqual([]);

    // MISSED alerts too: every email intent of the task's alert stream arrived once, by its Message-ID.
    const intents = (await alertsOf(task.id)).filter((e) => e.type === 'AlertSendIntended');
    expect(intents.length).toBeGreaterThanOrEqual(1);
    await waitFor(() => intents.every((i) => smtp.mails.some((m) => m.messageId === i.data.messageId)), { ...PATIENCE, what: 'every alert mail' });
    expect(mailsAbout(task.id).map((m) => m.messageId).sort()).toEqual(intents.map((i) => i.data.messageId).sort());
    expect(mailsAbout(task.id).some((m) => /^\[Cron Observer\] MISSED: external-crontab/.test(m.subject ?? ''))).toBe(true);
  }, 45_000);
});
