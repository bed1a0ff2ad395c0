import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { ApiClient } from '../support/api-client';
import { crashTestData, type ServerProcess } from '../support/server-process';
import { logInAs } from '../support/signed-in';
import { type SmtpTestServer, startSmtpTestServer } from '../support/smtp-test-server';
import { createProject, createTask } from '../support/task-fixtures';
import { disableAndSettle, duplicateTicks, failedRunsAfter, type HistoryRow, taskHistory } from '../support/task-history';
import { TestExecutor } from '../support/test-executor';
import { waitFor } from '../support/wait-for';

const ADMIN = { ADMIN_EMAIL: 'admin@example.com', ADMIN_PASSWORD: 'a-long-password' };
const EVERY_SECOND = { schedule_type: 'RECURRING', schedule_config: { cron_expression: '*/1 * * * * *', timezone: 'UTC' } };
const ALERT_ONCE = { after_failures: 1, notify_recovery: false, realert_minutes: null };
/** Real time and real processes on a possibly loaded machine: conditions are waited for generously, asserted exactly. */
const PATIENCE = { timeoutMs: 20_000, intervalMs: 100 };

async function isLeader(server: ServerProcess): Promise<boolean> {
  const response = await fetch(`${server.url}/api/v1/health`);
  return ((await response.json()) as { leader: boolean }).leader;
}

/**
 * Whether a write transaction could begin on the file at once. A process frozen inside one keeps
 * SQLite's write lock, so no other instance can write that file (the lease in read.db, the fence in
 * events.db) until it runs again: a pause there holds everyone up rather than lets another take over.
 * (Another instance's own short write also answers false; the caller then simply tries again.)
 */
function writableNow(file: string): boolean {
  const db = new Database(file, { timeout: 0 });
  try {
    db.exec('BEGIN IMMEDIATE');
    db.exec('ROLLBACK');
    return true;
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_BUSY') return false;
    throw err;
  } finally {
    db.close();
  }
}

/**
 * Freezes the server between its writes, as a GC pause between two transactions would (see
 * writableNow): frozen inside one, it is let run until both files are free again and frozen anew.
 * Answers how many pauses landed inside a write first.
 */
async function freezeBetweenWrites(server: ServerProcess, dir: string): Promise<number> {
  const files = [join(dir, 'events.db'), join(dir, 'read.db')];
  for (let insideWrites = 0; insideWrites < 50; insideWrites++) {
    server.child.kill('SIGSTOP');
    if (files.every(writableNow)) return insideWrites;
    server.child.kill('SIGCONT');
    await waitFor(() => files.every(writableNow), { ...PATIENCE, intervalMs: 10, what: 'the leader to end its write' });
  }
  throw new Error('every pause of the leader landed inside a write of events.db or read.db');
}

/** The JSON log lines (of a server's output) that say it stopped leading. */
function stepDowns(output: string): Array<{ reason: string; token: number }> {
  return output
    .split('\n')
    .filter((line) => line.includes('"no longer leader: stopped acting"'))
    .map((line) => JSON.parse(line) as { reason: string; token: number });
}

/**
 * Issue 13, "Fencing enforced where the effect happens": a leader frozen (SIGSTOP: a GC pause, a
 * stalled disk) past its lease while another instance takes over must, once it runs again, act no
 * more: the event store refuses its term's writes, and the side effects (webhooks, mails) follow
 * only written intents. Two server processes on one DATA_DIR, SMTP and the executor on loopback.
 */
describe('a leader paused past its lease, then resumed', () => {
  // SQLite internals: reads the fence from events.db itself.
  const data = crashTestData('cron-observer-paused-leader-', { embeddedOnly: true });
  let smtp: SmtpTestServer;
  let executor: TestExecutor;

  beforeAll(async () => {
    smtp = await startSmtpTestServer();
    executor = await TestExecutor.start();
  });
  afterAll(async () => {
    await executor?.close();
    await smtp?.close();
  });

  it('the other instance takes over; the resumed one logs that it lost the lease and stops: no tick, dispatch or mail twice', async () => {
    const startedAt = Date.now();
    const env = { SMTP_URL: smtp.url, ...ADMIN };
    const first = await data.start(env);
    const second = await data.start(env);
    expect(await isLeader(first)).toBe(true);
    expect(await isLeader(second)).toBe(false);

    // Every request goes to the second instance: the first is frozen for part of the test.
    const admin: ApiClient = await logInAs(second.url, ADMIN.ADMIN_EMAIL, ADMIN.ADMIN_PASSWORD);
    const project = await createProject(admin, { execution_endpoint: executor.url });
    executor.handler = async (received, response) => {
      await project.executor.post(`/executions/${received.json.execution_id as string}/finish`, { status: 'FAILED', error: 'always fails' });
      response.end('{"ok":false}');
    };
    // A timeout ends a run whose dispatch the pause swallowed (intent recorded, answer never recorded).
    const task = await createTask(admin, project.id, { ...EVERY_SECOND, name: 'fails-every-second', timeout_seconds: 5, alert_policy: ALERT_ONCE });
    const history = () => taskHistory(admin, project.id, task.id, startedAt);
    const mailsAbout = () => smtp.mailsWhere((m) => m.text.includes(`(${task.id})`));

    await failedRunsAfter(history, 0, 3, 'three FAILED runs under the first leader');
    await smtp.waitForMail((m) => m.text.includes(`(${task.id})`), { timeoutMs: 15_000, what: 'the incident mail' });

    const pausesInsideWrites = await freezeBetweenWrites(first, data.dir);
    const pausedAt = Date.now();
    console.log(`paused leader: frozen between writes after ${pausesInsideWrites} pause(s) inside a write`);
    await waitFor(() => isLeader(second), { ...PATIENCE, intervalMs: 200, what: 'the second instance to take over' });
    const tookOverAt = Date.now();
    await failedRunsAfter(history, tookOverAt, 3, 'three FAILED runs under the new leader');
    // The new term's fence is in events.db before its first write.
    const fence = () => {
      const db = new Database(join(data.dir, 'events.db'), { readonly: true });
      try {
        return db.prepare("SELECT token FROM fences WHERE name = 'leader'").pluck().get() as number;
      } finally {
        db.close();
      }
    };
    expect(fence()).toBe(2);

    // Only what it logs once resumed counts (on a loaded machine it may have stepped down and been
    // re-elected in the same term before the pause, when a renewal came late).
    const loggedBefore = first.output().length;
    const sinceResume = () => first.output().slice(loggedBefore);
    first.child.kill('SIGCONT');
    const resumedAt = Date.now();
    const [stepDown] = await waitFor(() => stepDowns(sinceResume()).length > 0 && stepDowns(sinceResume()), { ...PATIENCE, what: 'the resumed instance to step down' });
    expect(stepDown.token).toBe(1);
    expect(stepDown.reason).toMatch(/^lost the lease/);
    expect(await isLeader(first)).toBe(false);
    expect(await isLeader(second)).toBe(true);
    expect(resumedAt - pausedAt).toBeGreaterThan(5_000); // longer than the lease

    // Ticks go on under the second leader only, then the task is disabled and every run ends.
    await failedRunsAfter(history, resumedAt, 3, 'three FAILED runs after the resume');
    const final = await disableAndSettle(admin, project.id, task.id, history);

    // One execution per tick; at most one delivery per execution, and none for an unknown one.
    expect(duplicateTicks(final)).toEqual([]);
    const ids = new Set(final.map((r) => r.id));
    expect(executor.received.map((r) => r.json.execution_id).filter((id) => !ids.has(id as string))).toEqual([]);
    const deliveries = (row: HistoryRow) => executor.of(row.id).length;
    for (const row of final) expect([row.id, deliveries(row) <= 1]).toEqual([row.id, true]);
    // Runs clear of the pause were each delivered exactly once (the failed ones, which the executor failed).
    const clear = final.filter((r) => Date.parse(r.scheduled_at) < pausedAt - 2_000 || Date.parse(r.scheduled_at) > resumedAt + 1_000);
    for (const row of clear.filter((r) => r.error !== 'scheduler offline')) expect([row.id, deliveries(row)]).toEqual([row.id, 1]);

    // One incident, one mail, whoever led and whoever was frozen.
    const alerts = (await admin.get(`/tasks/${task.id}/alerts?limit=1000`)).body.data as Array<{ type: string }>;
    expect(alerts.map((e) => e.type)).toEqual(['AlertIncidentOpened', 'AlertSendIntended', 'AlertSent']);
    expect(mailsAbout()).toHaveLength(1);
    // The resumed instance stayed out: it stepped down once and never led again.
    expect(stepDowns(sinceResume())).toHaveLength(1);
    expect(sinceResume()).not.toContain('"elected leader"');
    expect(fence()).toBe(2);

    for (const server of [first, second]) server.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(await second.exited).toBe(0);
  }, 90_000);
});
