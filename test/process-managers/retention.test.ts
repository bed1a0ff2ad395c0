import { StreamDeletedError } from '../../src/errors/store-errors';
import { retentionStream } from '../../src/events/retention-events';
import { executionLogStream, executionStream } from '../../src/events/streams';
import { HISTORY_PROJECTION, LOG_CHUNKS } from '../../src/projections/history-projection';
import type { RecordedEvent } from '../../src/stores/events/event-store';
import { createProject, createTask, type TestProject, triggerTask } from '../support/task-fixtures';
import { waitFor } from '../support/wait-for';
import { FakeTimeServer } from './deletion-support';

const DAY = 86_400_000;

describe('retention manager (fake time)', () => {
  const harness = new FakeTimeServer('2026-01-01T12:00:00.000Z');
  let kept: TestProject; // retention set
  let forever: TestProject; // no retention (the default)

  beforeAll(async () => {
    await harness.start();
    kept = await createProject(harness.admin);
    forever = await createProject(harness.admin);
  });
  afterAll(() => harness.stop());

  const executor = (project: TestProject) => harness.admin.as({ apiKey: project.apiKey });
  const runAt = async (project: TestProject, taskId: string) => {
    const id = await triggerTask(harness.admin, project.id, taskId);
    await executor(project).post(`/executions/${id}/logs`, { message: 'hello', level: 'info' });
    await executor(project).patch(`/executions/${id}/status`, { status: 'SUCCESS' });
    return id;
  };
  const retentionEvents = async (projectId: string): Promise<RecordedEvent[]> => harness.services.events.readStream(retentionStream(projectId)).catch(() => []);
  const applied = async (projectId: string, count: number) =>
    waitFor(async () => {
      const runs = (await retentionEvents(projectId)).filter((e) => e.type === 'RetentionApplied');
      return runs.length >= count && runs;
    }, { what: `${count} retention run(s)` });
  const exists = async (id: string) => (await harness.admin.get(`/executions/${id}`)).status === 200;
  const tombstoned = (stream: string) => harness.services.events.readStream(stream).then(() => false, (err) => err instanceof StreamDeletedError);
  const logLines = (id: string) =>
    harness.services.reads.count(harness.services.registry.collection(HISTORY_PROJECTION, LOG_CHUNKS), { executionId: id });

  it('purges executions (and their logs) older than retention_days from the read models and tombstones their streams, recording what it removed', async () => {
    const task = await createTask(harness.admin, kept.id, { status: 'DISABLED' });
    const otherTask = await createTask(harness.admin, forever.id, { status: 'DISABLED' });
    const old = [await runAt(kept, task.id), await runAt(kept, task.id)];
    const oldElsewhere = await runAt(forever, otherTask.id);
    await harness.jump(10 * DAY);
    const recent = await runAt(kept, task.id);
    await harness.caughtUp();

    const updated = await harness.admin.put(`/projects/${kept.id}`, { retention_days: 7 });
    expect(updated.status).toBe(200);
    const [run] = await applied(kept.id, 1);
    expect(run!.data).toMatchObject({
      projectId: kept.id,
      retentionDays: 7,
      cutoff: '2026-01-04T12:00:00.000Z',
      executionsRemoved: 2,
      streamsTombstoned: 4,
    });
    expect(run!.metadata.actor).toBe('system:retention');
    const chunks = (await retentionEvents(kept.id)).filter((e) => e.type === 'ExecutionsPurged');
    expect(chunks.flatMap((e) => (e.data as { executionIds: string[] }).executionIds).sort()).toEqual([...old].sort());

    await harness.caughtUp();
    for (const id of old) {
      expect(await exists(id)).toBe(false);
      expect(await logLines(id)).toBe(0);
      expect(await tombstoned(executionStream(id))).toBe(true);
      expect(await tombstoned(executionLogStream(id))).toBe(true);
    }
    expect(await exists(recent)).toBe(true);
    expect(await logLines(recent)).toBe(1);
    expect(await exists(oldElsewhere)).toBe(true); // no retention: kept forever
    expect((await harness.admin.get(`/projects/${kept.id}/tasks/${task.id}`)).body.last_execution.execution_uuid).toBe(recent);
  });

  it('sweeps again on its hourly clock timer, and at start', async () => {
    const task = await createTask(harness.admin, kept.id, { status: 'DISABLED' });
    const first = await runAt(kept, task.id);
    await harness.caughtUp();
    // Eight days later, the hourly sweep finds it.
    await harness.jump(8 * DAY);
    await harness.clock.advance(3_600_000);
    await applied(kept.id, 2);
    await harness.caughtUp();
    expect(await exists(first)).toBe(false);
    expect((await harness.admin.get(`/projects/${kept.id}/tasks/${task.id}`)).body.last_execution).toBeNull();

    // Down for eight days: the sweep at start removes what aged meanwhile.
    const second = await runAt(kept, task.id);
    await harness.caughtUp();
    await harness.restart(() => harness.clock.set(new Date(harness.clock.now().getTime() + 8 * DAY)));
    await applied(kept.id, 3);
    await harness.caughtUp();
    expect(await exists(second)).toBe(false);
  });

  it('retention_days: null keeps everything again', async () => {
    const task = await createTask(harness.admin, kept.id, { status: 'DISABLED' });
    const id = await runAt(kept, task.id);
    expect((await harness.admin.put(`/projects/${kept.id}`, { retention_days: null })).status).toBe(200);
    await harness.jump(30 * DAY);
    await harness.clock.advance(3_600_000);
    await harness.caughtUp();
    expect(await exists(id)).toBe(true);
  });
});
