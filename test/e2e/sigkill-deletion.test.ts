import { deletionStream, type DeletionStep, type ExecutionsPurged } from '../../src/events/deletion-events';
import { PURGE_CHUNK } from '../../src/process-managers/deletion/deletion-steps';
import type { RecordedEvent } from '../../src/stores/events/event-store';
import type { ApiClient } from '../support/api-client';
import { crashTestData } from '../support/server-process';
import { logInAs } from '../support/signed-in';
import { createProject, createTask, type TestProject, triggerTask } from '../support/task-fixtures';
import { waitFor } from '../support/wait-for';

const ADMIN = { ADMIN_EMAIL: 'admin@example.com', ADMIN_PASSWORD: 'a-long-password' };
/** Real processes on a possibly loaded machine: conditions are waited for generously, asserted exactly. */
const PATIENCE = { timeoutMs: 60_000, intervalMs: 100 };
/** Enough executions for several purge chunks (five full ones and a partial one), so the kill can fall between two. */
const HISTORY = 5 * PURGE_CHUNK + 100;
const OTHER_HISTORY = 5;
const CONCURRENCY = 16;
/** Only manual runs: a schedule that fired during the test (every five minutes by default) would add executions. */
const NEVER_DUE = { schedule_type: 'ONEOFF', schedule_config: { run_at: '2099-01-01T00:00:00Z', timezone: 'UTC' } };

/** Runs `work` over `items`, `limit` at a time. */
async function inParallel<T, R>(items: T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!, index);
      }
    }),
  );
  return results;
}

/** `count` manual executions of a task, each with two log lines; every tenth reported SUCCESS. */
async function historyOf(admin: ApiClient, project: TestProject, taskId: string, count: number): Promise<string[]> {
  return inParallel(Array.from({ length: count }), CONCURRENCY, async (_, i) => {
    const id = await triggerTask(admin, project.id, taskId);
    const logs = await project.executor.post(`/executions/${id}/logs`, {
      lines: [
        { message: `line ${i}`, level: 'info' },
        { message: 'more', level: 'warn' },
      ],
    });
    if (logs.status >= 300) throw new Error(`logs of ${id}: ${logs.status} ${JSON.stringify(logs.body)}`);
    if (i % 10 === 0) {
      const report = await project.executor.patch(`/executions/${id}/status`, { status: 'SUCCESS' });
      if (report.status !== 200) throw new Error(`status of ${id}: ${report.status} ${JSON.stringify(report.body)}`);
    }
    return id;
  });
}

/** Every execution of the project through its history API (all pages). */
async function projectHistory(client: ApiClient, projectId: string): Promise<Array<{ id: string; task_id: string; logs_count: number }>> {
  const rows: Array<{ id: string; task_id: string; logs_count: number }> = [];
  let cursor: string | null = null;
  for (;;) {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const response = await client.get(`/projects/${projectId}/executions?limit=500${query}`);
    if (response.status !== 200) throw new Error(`project history: ${response.status} ${JSON.stringify(response.body)}`);
    rows.push(...(response.body.data as typeof rows));
    cursor = response.body.next_cursor as string | null;
    if (!cursor) return rows;
  }
}

/**
 * Durable deletion (DESIGN.md "Process managers": the deletion saga of acknowledged steps with a
 * reconciler) against a real crash: the server process is killed with SIGKILL in the middle of the purge
 * step (after its first ExecutionsPurged chunk, before TaskPurgeRequested) and restarted on the same DATA_DIR.
 */
describe('SIGKILL in the middle of a task deletion, then a restart on the same data', () => {
  const data = crashTestData('cron-observer-sigkill-deletion-');

  it('the saga resumes after the kill, completes once, and removes the task and only its history', async () => {
    const first = await data.start(ADMIN);
    let admin = await logInAs(first.url, ADMIN.ADMIN_EMAIL, ADMIN.ADMIN_PASSWORD);
    const project = await createProject(admin);
    const doomed = await createTask(admin, project.id, { ...NEVER_DUE, name: 'doomed' });
    const kept = await createTask(admin, project.id, { ...NEVER_DUE, name: 'kept' });

    const t0 = Date.now();
    const keptIds = await historyOf(admin, project, kept.id, OTHER_HISTORY);
    const doomedIds = await historyOf(admin, project, doomed.id, HISTORY);
    const createdMs = Date.now() - t0;
    const before = await waitFor(
      async () => {
        const rows = await projectHistory(admin, project.id);
        return rows.length === HISTORY + OTHER_HISTORY && rows.every((r) => r.logs_count === 2) && rows;
      },
      // Log lines are projected after their POST is answered: wait for them too.
      { ...PATIENCE, intervalMs: 250, what: 'the whole history, with its log lines, in the read models' },
    );
    expect(before.filter((r) => r.task_id === doomed.id)).toHaveLength(HISTORY);

    // The saga's stream, read from the events file as another process would.
    const store = data.events();
    const saga = async (): Promise<RecordedEvent[]> => store.readStream(deletionStream(doomed.id)).catch(() => []);

    const deleted = await admin.delete(`/projects/${project.id}/tasks/${doomed.id}`);
    expect(deleted.status).toBe(202);
    const deleteAt = Date.now();
    // Kill after the first purge chunk is recorded and before the last step of the purge (TaskPurgeRequested).
    const atKill = await waitFor(
      async () => {
        const events = await saga();
        return events.some((e) => e.type === 'ExecutionsPurged') && events;
      },
      { ...PATIENCE, intervalMs: 5, what: 'the first purge chunk' },
    );
    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull();
    const killAt = Date.now();
    const types = atKill.map((e) => e.type);
    expect(types).not.toContain('TaskPurgeRequested');
    expect(types).not.toContain('TaskDeletionCompleted');
    // What was durable at the kill (the process may have written more between the read and the signal).
    const durableAtKill = (await saga()).map((e) => e.type);
    expect(durableAtKill).not.toContain('TaskPurgeRequested');

    const second = await data.start(ADMIN);
    admin = await logInAs(second.url, ADMIN.ADMIN_EMAIL, ADMIN.ADMIN_PASSWORD);
    const restartAt = Date.now();
    const after = await waitFor(
      async () => {
        const events = await saga();
        return events.some((e) => e.type === 'TaskDeletionCompleted') && events;
      },
      { ...PATIENCE, what: 'the deletion to complete after the restart' },
    );
    const completedAt = Date.now();

    // Started once (resumed, not restarted), every step acknowledged once, completed.
    expect(after.filter((e) => e.type === 'TaskDeletionStarted')).toHaveLength(1);
    const steps = after.filter((e) => e.type === 'DeletionStepCompleted').map((e) => (e.data as { step: DeletionStep }).step);
    expect(steps).toEqual(['unschedule', 'purge', 'tombstone', 'mark-deleted']);
    expect(after.at(-1)!.type).toBe('TaskDeletionCompleted');
    expect(after.filter((e) => e.type === 'TaskDeletionAbandoned')).toEqual([]);
    // The chunks, before and after the kill, list every execution of the task and nothing else.
    const chunks = after.filter((e) => e.type === 'ExecutionsPurged').map((e) => (e.data as ExecutionsPurged['data']).executionIds);
    expect(chunks.length).toBeGreaterThanOrEqual(Math.ceil(HISTORY / PURGE_CHUNK));
    expect(chunks.every((c) => c.length <= PURGE_CHUNK)).toBe(true);
    expect(new Set(chunks.flat())).toEqual(new Set(doomedIds));

    // The task is gone; none of its executions or log lines remain in the read models.
    expect((await admin.get(`/projects/${project.id}/tasks/${doomed.id}`)).status).toBe(404);
    const rows = await projectHistory(admin, project.id);
    expect(rows.filter((r) => r.task_id === doomed.id)).toEqual([]);
    await inParallel(doomedIds, CONCURRENCY, async (id) => {
      expect([id, (await admin.get(`/executions/${id}`)).status]).toEqual([id, 404]);
    });
    for (const id of [doomedIds[0]!, doomedIds.at(-1)!]) expect((await admin.get(`/executions/${id}/logs`)).status).toBe(404);

    // Nothing else was deleted: the other task and its whole history (with its log lines) are still there.
    expect((await admin.get(`/projects/${project.id}/tasks/${kept.id}`)).status).toBe(200);
    expect(rows.map((r) => r.id).sort()).toEqual([...keptIds].sort());
    expect(rows.every((r) => r.task_id === kept.id && r.logs_count === 2)).toBe(true);
    for (const id of keptIds) {
      expect((await admin.get(`/executions/${id}`)).status).toBe(200);
      const logs = await admin.get(`/executions/${id}/logs`);
      expect([logs.status, (logs.body.data as unknown[]).length]).toEqual([200, 2]);
    }

    // eslint-disable-next-line no-console
    console.log(
      `sigkill-deletion: ${HISTORY + OTHER_HISTORY} executions in ${createdMs} ms; killed ${killAt - deleteAt} ms after DELETE with saga ` +
        `[${durableAtKill.join(', ')}]; restarted in ${restartAt - killAt} ms; completed ${completedAt - restartAt} ms after the restart ` +
        `(${chunks.length} chunks: ${chunks.map((c) => c.length).join('+')})`,
    );
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 240_000);
});
