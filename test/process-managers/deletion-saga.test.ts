import { newCommandContext } from '../../src/commands/command-context';
import { requireTaskAcceptsExecutions } from '../../src/commands/deletion/task-accepts-executions';
import { executionDecider } from '../../src/commands/execution/execution-decider';
import { toNewEvent } from '../../src/commands/handle-command';
import { GoneError } from '../../src/errors/app-error';
import { StreamDeletedError } from '../../src/errors/store-errors';
import { deletionStream, type DeletionStep } from '../../src/events/deletion-events';
import { executionLogStream, executionStream, taskStream } from '../../src/events/streams';
import { DeletionManager, type DeletionOptions } from '../../src/process-managers/deletion/deletion-manager';
import { ProcessManagerRunner } from '../../src/process-managers/process-manager-runner';
import { EXECUTIONS, HISTORY_PROJECTION, LOG_CHUNKS } from '../../src/projections/history-projection';
import { TASKS, TASKS_PROJECTION } from '../../src/projections/tasks-projection';
import type { RecordedEvent } from '../../src/stores/events/event-store';
import { silentLogger } from '../support/silent-logger';
import { createProject, createTask, type TestProject, triggerTask } from '../support/task-fixtures';
import { waitFor } from '../support/wait-for';
import { FakeTimeServer } from './deletion-support';

describe('durable deletion saga (fake time, real embedded stores, real server)', () => {
  const harness = new FakeTimeServer('2026-05-04T10:00:00.000Z');
  let project: TestProject;
  let adminId: string;

  beforeAll(async () => {
    await harness.start();
    project = await createProject(harness.admin);
    adminId = (await harness.admin.get('/auth/me')).body.user.id;
  });
  afterAll(() => harness.stop());

  const events = () => harness.services.events;
  /** The project's raw key, against the current server (restarts change the port). */
  const executor = () => harness.admin.as({ apiKey: project.apiKey });
  const sagaEvents = async (taskId: string): Promise<RecordedEvent[]> => events().readStream(deletionStream(taskId)).catch(() => []);
  const completedSteps = async (taskId: string) =>
    (await sagaEvents(taskId)).filter((e) => e.type === 'DeletionStepCompleted').map((e) => (e.data as { step: DeletionStep }).step);
  const whenDeleted = (taskId: string) =>
    waitFor(async () => (await sagaEvents(taskId)).some((e) => e.type === 'TaskDeletionCompleted'), { what: `the deletion of ${taskId}`, timeoutMs: 20_000 });
  const tombstoned = async (stream: string) => {
    try {
      await events().readStream(stream);
      return false;
    } catch (err) {
      return err instanceof StreamDeletedError;
    }
  };
  /** What the read models still hold about a task and its executions. */
  const leftInReadModels = async (taskId: string, executionIds: string[]) => {
    const { reads, registry, projections } = harness.services;
    await projections.waitForPosition(await events().headPosition());
    return {
      task: await reads.get(registry.collection(TASKS_PROJECTION, TASKS), taskId),
      executions: await reads.count(registry.collection(HISTORY_PROJECTION, EXECUTIONS), { taskId }),
      logs: await reads.count(registry.collection(HISTORY_PROJECTION, LOG_CHUNKS), { executionId: { $in: executionIds } }),
    };
  };
  /** A task with a few executions, each with log lines, some ended. */
  const taskWithHistory = async (fields: Record<string, unknown> = {}) => {
    const task = await createTask(harness.admin, project.id, fields);
    const executionIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const id = await triggerTask(harness.admin, project.id, task.id);
      await executor().post(`/executions/${id}/logs`, { lines: [{ message: `line ${i}`, level: 'info' }, { message: 'more', level: 'warn' }] });
      if (i < 2) await executor().patch(`/executions/${id}/status`, { status: i === 0 ? 'SUCCESS' : 'FAILED', error: 'boom' });
      executionIds.push(id);
    }
    await harness.caughtUp();
    // logs: one chunk per batch posted.
    expect(await leftInReadModels(task.id, executionIds)).toMatchObject({ executions: 3, logs: 3 });
    return { task, executionIds };
  };
  /** Replaces the server's process managers by one deletion manager with test options (until the next restart). */
  const customDeletionManager = async (options: DeletionOptions) => {
    await harness.server.processManagers.stop();
    const manager = new DeletionManager({ ...harness.services, logger: silentLogger }, options);
    const runner = new ProcessManagerRunner([manager], events(), harness.services.reads, silentLogger);
    await runner.start();
    return { manager, runner };
  };
  const expectGone = async (taskId: string, executionIds: string[]) => {
    expect(await leftInReadModels(taskId, executionIds)).toEqual({ task: null, executions: 0, logs: 0 });
    expect((await harness.admin.get(`/projects/${project.id}/tasks/${taskId}`)).status).toBe(404);
    expect(((await harness.admin.get(`/projects/${project.id}/tasks`)).body as Array<{ id: string }>).map((t) => t.id)).not.toContain(taskId);
    // A purged stream no longer says which project it was in: unknown to all, as an id never used.
    expect((await harness.admin.get(`/tasks/${taskId}/audit`)).status).toBe(404);
    expect(await tombstoned(taskStream(taskId))).toBe(true);
    for (const id of executionIds) {
      expect((await harness.admin.get(`/executions/${id}`)).status).toBe(404);
      expect((await harness.admin.get(`/executions/${id}/audit`)).status).toBe(404);
      expect(await tombstoned(executionStream(id))).toBe(true);
      expect(await tombstoned(executionLogStream(id))).toBe(true);
    }
  };

  it('DELETE answers 202; the saga runs every step; nothing of the task remains; its name is free again', async () => {
    const { task, executionIds } = await taskWithHistory();
    const response = await harness.admin.delete(`/projects/${project.id}/tasks/${task.id}`);
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ status: 'PENDING_DELETE', task_uuid: task.id });
    await whenDeleted(task.id);

    expect(await completedSteps(task.id)).toEqual(['unschedule', 'purge', 'tombstone', 'mark-deleted']);
    const saga = await sagaEvents(task.id);
    expect(saga.map((e) => e.type)).toEqual([
      'TaskDeletionStarted',
      'DeletionStepCompleted',
      'ExecutionsPurged',
      'TaskPurgeRequested',
      'DeletionStepCompleted',
      'DeletionStepCompleted',
      'DeletionStepCompleted',
      'TaskDeletionCompleted',
    ]);
    expect(saga[0]!.metadata.actor).toBe('system:deletion');
    expect((saga[2]!.data as { executionIds: string[] }).executionIds.sort()).toEqual([...executionIds].sort());
    expect(saga.at(-1)!.data).toMatchObject({ taskName: task.name, deletedBy: adminId, executionsPurged: 3 });
    await expectGone(task.id, executionIds);

    // The project's own history keeps who deleted what and when.
    const projectAudit = (await harness.admin.get(`/projects/${project.id}/audit?limit=1000`)).body.data as Array<{ type: string; data: unknown }>;
    expect(projectAudit.filter((e) => e.type === 'ProjectTaskDeleted').map((e) => e.data)).toContainEqual(
      expect.objectContaining({ taskId: task.id, name: task.name, deletedBy: adminId, deletedAt: expect.any(String) }),
    );

    // Deleting again is the original's ALREADY_DELETED; the name can be used again.
    expect((await harness.admin.delete(`/projects/${project.id}/tasks/${task.id}`)).body.status).toBe('ALREADY_DELETED');
    expect((await harness.admin.post(`/projects/${project.id}/tasks`, { ...taskBodyNamed(task.name) })).status).toBe(201);
  });

  it('a late tick cannot bring an execution back, and a brand-new one is refused because the task is deleted', async () => {
    const { task, executionIds } = await taskWithHistory({ schedule_config: { cron_expression: '* * * * *', timezone: 'UTC' } });
    expect((await harness.admin.delete(`/projects/${project.id}/tasks/${task.id}`)).status).toBe(202);
    await whenDeleted(task.id);
    const created = executionDecider.decide(
      {
        type: 'CreateExecution',
        executionId: executionIds[0]!,
        taskId: task.id,
        projectId: project.id,
        taskName: task.name,
        scheduledAt: harness.clock.now().toISOString(),
        triggerType: 'SCHEDULED',
        attempt: 1,
        executionMode: 'pull',
        timeoutSeconds: null,
        startDeadlineSeconds: null,
        at: harness.clock.now().toISOString(),
      },
      null,
    );
    const context = newCommandContext('system:scheduler');
    // The same tick id (what a scheduler racing the deletion would write): the stream is a tombstone.
    await expect(events().append(executionStream(executionIds[0]!), created.map((e) => toNewEvent(e, context, harness.clock)), 'no_stream')).rejects.toBeInstanceOf(
      StreamDeletedError,
    );
    // A brand-new id: the task's own stream says it is gone.
    await expect(requireTaskAcceptsExecutions(events(), task.id)).rejects.toBeInstanceOf(GoneError);
    expect((await harness.admin.post(`/projects/${project.id}/tasks/${task.id}/trigger`)).status).toBe(410);
    // Executors of the old executions are refused: the purged execution is unknown (404), or, when this
    // server still remembers its project from earlier log lines (so knows the key is of that project), gone (410).
    expect((await executor().patch(`/executions/${executionIds[2]}/status`, { status: 'SUCCESS' })).status).toBe(404);
    expect([404, 410]).toContain((await executor().post(`/executions/${executionIds[2]}/logs`, { message: 'late', level: 'info' })).status);
    // The scheduler fires no more ticks for it.
    const head = await events().headPosition();
    await harness.clock.advance(5 * 60_000);
    await harness.caughtUp();
    const later = await events().readAll({ after: head, filter: { streamPrefixes: ['execution-'] } });
    expect(later.filter((e) => (e.data as { taskId?: string }).taskId === task.id)).toEqual([]);
  });

  it('shows PENDING_DELETE at once; a crash after the purge step resumes at the tombstone step on restart and completes', async () => {
    const { task, executionIds } = await taskWithHistory();
    const { runner } = await customDeletionManager({ beforeStep: (step) => (step === 'tombstone' ? 'halt' : undefined) });
    expect((await harness.admin.delete(`/projects/${project.id}/tasks/${task.id}`)).status).toBe(202);
    const shown = await harness.admin.get(`/projects/${project.id}/tasks/${task.id}`);
    expect(shown.body.status).toBe('PENDING_DELETE');
    // Frozen while being deleted.
    expect((await harness.admin.patch(`/projects/${project.id}/tasks/${task.id}/status`, { status: 'DISABLED' })).status).toBe(409);
    expect((await harness.admin.post(`/projects/${project.id}/tasks/${task.id}/trigger`)).status).toBe(409);

    await waitFor(async () => (await completedSteps(task.id)).includes('purge'), { what: 'the purge step' });
    await runner.stop(); // "crash": the saga got as far as step b
    expect(await completedSteps(task.id)).toEqual(['unschedule', 'purge']);
    expect(await leftInReadModels(task.id, executionIds)).toMatchObject({ executions: 0, logs: 0 });
    expect(await tombstoned(executionStream(executionIds[0]!))).toBe(false);

    await harness.restart();
    await whenDeleted(task.id);
    const saga = await sagaEvents(task.id);
    // Resumed from its last acknowledged step: started once, nothing redone.
    expect(saga.filter((e) => e.type === 'TaskDeletionStarted')).toHaveLength(1);
    expect(await completedSteps(task.id)).toEqual(['unschedule', 'purge', 'tombstone', 'mark-deleted']);
    await expectGone(task.id, executionIds);
  });

  it('a DELETE accepted while no process manager ran completes after the restart (the scheduler acknowledges from its catch-up)', async () => {
    const { task, executionIds } = await taskWithHistory();
    await harness.server.processManagers.stop();
    expect((await harness.admin.delete(`/projects/${project.id}/tasks/${task.id}`)).status).toBe(202);
    await harness.restart();
    await whenDeleted(task.id);
    await expectGone(task.id, executionIds);
  });

  it('after repeated failures the task shows DELETE_FAILED with the reason; a new DELETE retries from the failed step', async () => {
    const { task, executionIds } = await taskWithHistory();
    let failing = true;
    const { runner } = await customDeletionManager({
      policy: { maxFailures: 3, baseDelayMs: 1_000, maxDelayMs: 4_000 },
      beforeStep: (step) => {
        if (failing && step === 'tombstone') throw new Error('event store unavailable');
      },
    });
    expect((await harness.admin.delete(`/projects/${project.id}/tasks/${task.id}`)).status).toBe(202);
    const failed = await harness.advanceUntil(
      async () => {
        const response = await harness.admin.get(`/projects/${project.id}/tasks/${task.id}`);
        return response.body.status === 'DELETE_FAILED' && response.body;
      },
      1_000,
      'DELETE_FAILED',
    );
    expect(failed.deletion_error).toMatch(/tombstone.*event store unavailable/);
    const saga = await sagaEvents(task.id);
    const failures = saga.filter((e) => e.type === 'DeletionStepFailed').map((e) => e.data as { failures: number; retryAt: string | null });
    expect(failures.map((f) => f.failures)).toEqual([1, 2, 3]);
    expect(failures.at(-1)!.retryAt).toBeNull();
    expect(saga.at(-1)!.type).toBe('TaskDeletionAbandoned');
    const taskAudit = (await harness.admin.get(`/tasks/${task.id}/audit`)).body.data as Array<{ type: string; data: { reason?: string } }>;
    expect(taskAudit.at(-1)).toMatchObject({ type: 'TaskDeletionFailed', data: { reason: expect.stringMatching(/event store unavailable/) } });
    // Still frozen; only a new DELETE is accepted, and it retries.
    expect((await harness.admin.patch(`/projects/${project.id}/tasks/${task.id}/status`, { status: 'ACTIVE' })).status).toBe(409);

    failing = false;
    const retry = await harness.admin.delete(`/projects/${project.id}/tasks/${task.id}`);
    expect(retry.status).toBe(202);
    expect(retry.body.status).toBe('PENDING_DELETE');
    await whenDeleted(task.id);
    const after = await sagaEvents(task.id);
    expect(after.filter((e) => e.type === 'TaskDeletionStarted').map((e) => (e.data as { attempt: number }).attempt)).toEqual([1, 2]);
    expect(await completedSteps(task.id)).toEqual(['unschedule', 'purge', 'tombstone', 'mark-deleted']);
    await runner.stop();
    await harness.restart(); // back to the server's own managers
    await expectGone(task.id, executionIds);
  });
});

function taskBodyNamed(name: string): Record<string, unknown> {
  return { name, schedule_type: 'RECURRING', schedule_config: { cron_expression: '*/5 * * * *', timezone: 'UTC' } };
}
