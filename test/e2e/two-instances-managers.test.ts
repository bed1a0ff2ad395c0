import type { EventStore } from '../../src/stores/events/event-store';
import type { ApiClient } from '../support/api-client';
import { type ServerProcess, startServerProcess } from '../support/server-process';
import { logInAs } from '../support/signed-in';
import { type SmtpTestServer, startSmtpTestServer } from '../support/smtp-test-server';
import { createProject, createTask, triggerTask } from '../support/task-fixtures';
import { disableAndSettle, duplicateTicks, failedRunsAfter, type HistoryRow, taskHistory, tickCoverage, ticksSkipped } from '../support/task-history';
import { TestExecutor } from '../support/test-executor';
import { makeTempDir } from '../support/temp-dir';
import { openTestEventStore } from '../support/test-stores';
import { waitFor } from '../support/wait-for';

const ADMIN = { ADMIN_EMAIL: 'admin@example.com', ADMIN_PASSWORD: 'a-long-password' };
const EVERY_SECOND = { schedule_type: 'RECURRING', schedule_config: { cron_expression: '*/1 * * * * *', timezone: 'UTC' } };
const YEARLY = { schedule_type: 'RECURRING', schedule_config: { cron_expression: '0 0 1 1 *', timezone: 'UTC' } };
/** Alert on the first failure, then never again while the incident lasts. */
const ALERT_ONCE = { after_failures: 1, notify_recovery: false, realert_minutes: null };
/** Real time and real processes on a possibly loaded machine: conditions are waited for generously, asserted exactly. */
const PATIENCE = { timeoutMs: 20_000, intervalMs: 100 };
const OFFLINE_REASON = 'scheduler offline';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AlertEntry = { type: string; data: any };

async function isLeader(server: ServerProcess): Promise<boolean> {
  const response = await fetch(`${server.url}/api/v1/health`);
  return ((await response.json()) as { leader: boolean }).leader;
}

/**
 * Issue 4, "Several instances": two server processes on the same data (a DATA_DIR, or its namespace on
 * the servers), SMTP and the executor on loopback. Only the leader runs the scheduler, the dispatcher and
 * the alerts manager: no tick gets two executions, no execution two deliveries, no incident two mails,
 * before and after a failover.
 */
describe('two server processes on one data directory: process managers run once', () => {
  const temp = makeTempDir('cron-observer-two-managers-');
  const processes: ServerProcess[] = [];
  let smtp: SmtpTestServer;
  let executor: TestExecutor;
  let store: EventStore | null = null;

  beforeAll(async () => {
    smtp = await startSmtpTestServer();
    executor = await TestExecutor.start();
  });
  afterAll(async () => {
    await store?.close();
    for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await Promise.all(processes.map((p) => p.exited));
    await executor?.close();
    await smtp?.close();
    temp.cleanup();
  });

  it('a failing every-second push task: one execution per tick, one delivery per execution, one mail; the same after the leader is SIGKILLed', async () => {
    const startedAt = Date.now();
    const env = { DATA_DIR: temp.dir, SMTP_URL: smtp.url, ...ADMIN };
    const leader = await startServerProcess(env);
    processes.push(leader);
    const follower = await startServerProcess(env);
    processes.push(follower);
    expect(await isLeader(leader)).toBe(true);
    expect(await isLeader(follower)).toBe(false);

    // Everything after the start goes through the follower: it stays up when the leader is killed.
    const admin: ApiClient = await logInAs(follower.url, ADMIN.ADMIN_EMAIL, ADMIN.ADMIN_PASSWORD);
    const project = await createProject(admin, { execution_endpoint: executor.url });
    // The executor answers each run by reporting FAILED (through the follower), then 200.
    const failedReports = new Map<string, number>();
    executor.handler = async (received, response) => {
      const id = received.json.execution_id as string;
      const report = await project.executor.post(`/executions/${id}/finish`, { status: 'FAILED', error: 'always fails' });
      failedReports.set(id, report.status);
      response.end('{"ok":false}');
    };
    // A timeout ends a run whose delivery a failover swallowed (intent recorded, then killed before sending).
    const task = await createTask(admin, project.id, { ...EVERY_SECOND, name: 'fails-every-second', timeout_seconds: 5, alert_policy: ALERT_ONCE });
    expect(task.execution_mode).toBe('push');
    const history = () => taskHistory(admin, project.id, task.id, startedAt);
    const alertsOf = async (taskId: string): Promise<AlertEntry[]> => (await admin.get(`/tasks/${taskId}/alerts?limit=1000`)).body.data;
    const mailsAbout = (taskId: string) => smtp.mailsWhere((m) => m.text.includes(`(${taskId})`));

    // About six seconds of ticks under the first leader.
    const beforeKill = await waitFor(
      async () => {
        const rows = await history();
        return rows.filter((r) => r.status === 'FAILED').length >= 6 && rows;
      },
      { ...PATIENCE, what: 'six FAILED runs' },
    );
    const firstMail = await smtp.waitForMail((m) => m.text.includes(`(${task.id})`), { timeoutMs: 15_000, what: 'the incident mail' });
    await waitFor(async () => (await alertsOf(task.id)).some((e) => e.type === 'AlertSent'), { ...PATIENCE, what: 'the mail to be recorded as sent' });
    expect(duplicateTicks(beforeKill)).toEqual([]);
    for (const row of beforeKill.filter((r) => r.status === 'FAILED')) expect([row.id, executor.of(row.id).length]).toEqual([row.id, 1]);
    expect(mailsAbout(task.id)).toHaveLength(1);
    expect(await isLeader(follower)).toBe(false);

    leader.child.kill('SIGKILL');
    expect(await leader.exited).toBeNull();
    const killedAt = Date.now();
    await waitFor(() => isLeader(follower), { ...PATIENCE, intervalMs: 200, what: 'the follower to take over' });
    const tookOverAt = Date.now();
    expect(tookOverAt - killedAt).toBeLessThan(10_000);

    // Ticks go on under the new leader.
    await failedRunsAfter(history, tookOverAt, 3, 'three FAILED runs under the new leader');
    const final = await disableAndSettle(admin, project.id, task.id, history);

    // A barrier through the alerts manager, which handles $all in order: a failure of another task, made
    // after every run above ended, has its own mail only once the manager has judged all of them.
    const canary = await createTask(admin, project.id, { ...YEARLY, name: 'canary', execution_mode: 'pull', alert_policy: ALERT_ONCE });
    const canaryRun = await triggerTask(admin, project.id, canary.id);
    expect((await project.executor.post(`/executions/${canaryRun}/finish`, { status: 'FAILED', error: 'barrier' })).status).toBe(200);
    await smtp.waitForMail((m) => m.text.includes(`(${canary.id})`), { timeoutMs: 15_000, what: 'the canary mail' });

    // One execution per tick, every tick accounted for (live, MISSED while nobody led, or skipped).
    expect(duplicateTicks(final)).toEqual([]);
    expect(final.every((r) => r.trigger_type === 'SCHEDULED' && Date.parse(r.scheduled_at) % 1000 === 0)).toBe(true);
    store = openTestEventStore(temp.dir);
    expect(tickCoverage(final, await ticksSkipped(store, task.id), 1000)).toEqual({ gaps: [], overlaps: [], badRanges: [] });
    const offline = final.filter((r) => r.error === OFFLINE_REASON);
    expect(offline.length).toBeGreaterThanOrEqual(1);
    for (const row of offline) {
      expect(row.status).toBe('MISSED');
      expect(Date.parse(row.scheduled_at)).toBeGreaterThan(killedAt - 2_000);
    }

    // One delivery per execution, never two; exactly one for every run that was not caught by the failover.
    const ids = new Set(final.map((r) => r.id));
    expect(executor.received.map((r) => r.json.execution_id).filter((id) => !ids.has(id))).toEqual([]);
    const deliveries = (row: HistoryRow) => executor.of(row.id).length;
    for (const row of final) expect([row.id, deliveries(row) <= 1]).toEqual([row.id, true]);
    for (const row of final.filter((r) => r.status === 'FAILED')) expect([row.id, deliveries(row)]).toEqual([row.id, 1]);
    for (const row of offline) expect([row.id, deliveries(row)]).toEqual([row.id, 0]);
    const clearOfFailover = final.filter((r) => Date.parse(r.started_at) < killedAt - 2_000 || (Date.parse(r.scheduled_at) > tookOverAt + 1_000 && r.error !== OFFLINE_REASON));
    for (const row of clearOfFailover) expect([row.id, row.status, deliveries(row)]).toEqual([row.id, 'FAILED', 1]);
    const aroundKill = final.filter((r) => !clearOfFailover.includes(r) && !offline.includes(r));
    for (const row of aroundKill) expect(['FAILED', 'TIMED_OUT']).toContain(row.status);
    // Each report was accepted, unless the execution had timed out before its (late) delivery: then 409.
    for (const [id, status] of failedReports) {
      const row = final.find((r) => r.id === id)!;
      expect([id, status, row.status]).toEqual([id, status, status === 200 ? 'FAILED' : 'TIMED_OUT']);
      expect([200, 409]).toContain(status);
    }

    // One incident, one mail, whoever led; the alerts after the failover (MISSED, FAILED, TIMED_OUT) added nothing.
    const alerts = await alertsOf(task.id);
    expect(alerts.map((e) => e.type)).toEqual(['AlertIncidentOpened', 'AlertSendIntended', 'AlertSent']);
    expect(mailsAbout(task.id)).toHaveLength(1);
    expect(mailsAbout(task.id)[0].messageId).toBe(alerts[1].data.messageId);
    expect(firstMail.messageId).toBe(alerts[1].data.messageId);
    expect(smtp.mails).toHaveLength(2);

    follower.child.kill('SIGTERM');
    expect(await follower.exited).toBe(0);
  }, 60_000);
});
