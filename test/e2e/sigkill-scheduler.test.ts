import type { TicksSkipped } from '../../src/events/scheduler-events';
import type { ApiClient } from '../support/api-client';
import { crashTestData } from '../support/server-process';
import { logInAs } from '../support/signed-in';
import { createProject, createTask } from '../support/task-fixtures';
import { duplicateTicks, type HistoryRow, taskHistory, tickCoverage, ticksSkipped } from '../support/task-history';
import { waitFor } from '../support/wait-for';

const ADMIN = { ADMIN_EMAIL: 'admin@example.com', ADMIN_PASSWORD: 'a-long-password' };
const EVERY_SECOND = { schedule_type: 'RECURRING', schedule_config: { cron_expression: '*/1 * * * * *', timezone: 'UTC' } };
/** Real time and real processes on a possibly loaded machine: conditions are waited for generously, asserted exactly. */
const PATIENCE = { timeoutMs: 20_000, intervalMs: 100 };
const OFFLINE_REASON = 'scheduler offline';
/** The scheduler's default bound of MISSED executions per task and downtime (DEFAULT_MISSED_BOUND). */
const MISSED_BOUND = 5;
const DOWNTIME_MS = 6_000;
/**
 * Long enough that the newest execution from before the kill is still open when the new process comes up (its
 * deadline falls at about the restart), while older ones fall due during the downtime and fire at once.
 */
const TIMEOUT_S = 10;

/**
 * Issue 4, "What must hold", second point: the server process is killed with SIGKILL while ticks fire
 * every second, stays down a few seconds, and restarts on the same DATA_DIR.
 */
describe('SIGKILL during ticks, then a restart on the same data', () => {
  const data = crashTestData('cron-observer-sigkill-');

  it('no tick gets two executions, the offline ticks are recorded, and deadlines of executions from before the kill still fire', async () => {
    const startedAt = Date.now();
    const first = await data.start(ADMIN);
    let admin: ApiClient = await logInAs(first.url, ADMIN.ADMIN_EMAIL, ADMIN.ADMIN_PASSWORD);
    // Pull mode and nobody claims: the executions stay PENDING, so only the system ends them.
    const project = await createProject(admin);
    const ticking = await createTask(admin, project.id, { ...EVERY_SECOND, name: 'every-second' });
    const timed = await createTask(admin, project.id, { ...EVERY_SECOND, name: 'every-second-with-timeout', timeout_seconds: TIMEOUT_S });
    expect([ticking.execution_mode, timed.execution_mode]).toEqual(['pull', 'pull']);
    const history = (taskId: string) => taskHistory(admin, project.id, taskId, startedAt);

    await waitFor(async () => (await history(ticking.id)).length >= 3, { ...PATIENCE, what: 'three ticks before the kill' });
    // An execution of the timed task created a moment ago, still PENDING: its timeout falls after the kill.
    const victim = await waitFor(
      async () => {
        const rows = await history(timed.id);
        const newest = rows.filter((r) => r.status === 'PENDING').at(-1);
        return newest !== undefined && Date.now() - Date.parse(newest.started_at) < 3_000 && newest;
      },
      { ...PATIENCE, what: 'a fresh PENDING execution of the timed task' },
    );

    // Kill at a tick: just past a whole second, while the scheduler writes that second's executions.
    await waitFor(() => Date.now() % 1000 < 20, { timeoutMs: 5_000, intervalMs: 1, what: 'a whole second' });
    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull();
    const killedAt = Date.now();
    expect(killedAt - Date.parse(victim.started_at)).toBeLessThan(TIMEOUT_S * 1000);
    // Down for a few seconds of wall time: at least six ticks fall while no process runs, more than the five
    // that become MISSED executions, so the rest must be one TicksSkipped.
    await waitFor(() => Date.now() - killedAt >= DOWNTIME_MS, { timeoutMs: 15_000, intervalMs: 50, what: 'the downtime to pass' });
    const restartAt = Date.now();

    const second = await data.start(ADMIN);
    admin = await logInAs(second.url, ADMIN.ADMIN_EMAIL, ADMIN.ADMIN_PASSWORD);

    // Live again: a tick after the restart is a normal PENDING execution.
    await waitFor(
      async () => (await history(ticking.id)).some((r) => r.status === 'PENDING' && Date.parse(r.scheduled_at) > restartAt),
      { ...PATIENCE, what: 'a live tick after the restart' },
    );
    // Deadlines are rebuilt from the events: the victim times out, recorded by the new process.
    await waitFor(async () => (await admin.get(`/executions/${victim.id}`)).body.status === 'TIMED_OUT', { ...PATIENCE, what: 'the victim to time out' });
    const audit = (await admin.get(`/executions/${victim.id}/audit`)).body.data as Array<{ type: string; occurred_at: string; actor: string }>;
    expect(audit.map((e) => e.type)).toEqual(['ExecutionCreated', 'ExecutionTimedOut']);
    expect(audit[1].actor).toBe('system:deadlines');
    expect(Date.parse(audit[1].occurred_at)).toBeGreaterThan(killedAt);
    // So does every other execution of the timed task that was still open at the kill (overdue ones at once).
    const beforeKill = await waitFor(
      async () => {
        const rows = (await history(timed.id)).filter((r) => Date.parse(r.started_at) < killedAt);
        return rows.every((r) => r.status === 'TIMED_OUT') && rows;
      },
      { ...PATIENCE, what: 'every execution from before the kill to time out' },
    );
    expect(beforeKill.length).toBeGreaterThanOrEqual(2);

    // Stop the ticks before looking at the whole history.
    for (const task of [ticking, timed]) {
      expect((await admin.patch(`/projects/${project.id}/tasks/${task.id}/status`, { status: 'DISABLED' })).status).toBe(200);
    }

    // Every tick from the first to the last is accounted for exactly once: an execution or a TicksSkipped
    // (the scheduler's own stream, which the API does not show: read from the events file, as another instance would).
    const store = data.events();
    for (const task of [ticking, timed]) {
      let last: { rows: HistoryRow[]; skipped: Array<TicksSkipped['data']>; result: ReturnType<typeof tickCoverage> } | null = null;
      await waitFor(
        async () => {
          const rows = await history(task.id);
          const skipped = await ticksSkipped(store, task.id);
          last = { rows, skipped, result: tickCoverage(rows, skipped, 1000) };
          return last.result.gaps.length === 0 && rows.some((r) => Date.parse(r.scheduled_at) > restartAt);
        },
        { ...PATIENCE, what: `every tick of ${task.name} to be accounted for` },
      ).catch((err: Error) => {
        // What the servers said went wrong (a tick write given up, an event quarantined, a lost lease), to find the cause.
        const problems = [first, second].flatMap((p) => p.output().split('\n').filter((line) => /"level":(40|50|60)/.test(line))).slice(-40);
        throw new Error(`${err.message}: ${JSON.stringify(last?.result)}\nwarnings and errors of the servers:\n${problems.join('\n')}`);
      });
      const { rows, skipped, result } = last!;
      expect(result).toEqual({ gaps: [], overlaps: [], badRanges: [] });
      expect(duplicateTicks(rows)).toEqual([]);
      expect(rows.every((r) => r.trigger_type === 'SCHEDULED' && Date.parse(r.scheduled_at) % 1000 === 0)).toBe(true);
      // The ticks that fell while no process ran: the first five owed are MISSED "scheduler offline", the rest one TicksSkipped.
      const offline = rows.filter((r) => r.error === OFFLINE_REASON);
      expect(offline).toHaveLength(MISSED_BOUND);
      for (const row of offline) expect([row.scheduled_at, row.status]).toEqual([row.scheduled_at, 'MISSED']);
      expect(Date.parse(offline[0].scheduled_at)).toBeLessThanOrEqual(killedAt + 1000);
      expect(skipped).toHaveLength(1);
      const [range] = skipped;
      expect(range).toMatchObject({ reason: OFFLINE_REASON, taskId: task.id, projectId: project.id });
      // The skipped ticks follow the MISSED ones at once and reach past the moment the new process was started.
      expect(Date.parse(range.from)).toBe(Date.parse(offline.at(-1)!.scheduled_at) + 1000);
      expect(Date.parse(range.to)).toBeGreaterThanOrEqual(restartAt - 1000);
      // Every tick strictly inside the downtime is one of those (none was fired live).
      for (const row of rows.filter((r) => Date.parse(r.scheduled_at) > killedAt && Date.parse(r.scheduled_at) <= restartAt)) {
        expect([row.scheduled_at, row.status, row.error]).toEqual([row.scheduled_at, 'MISSED', OFFLINE_REASON]);
      }
    }

    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 45_000);
});
