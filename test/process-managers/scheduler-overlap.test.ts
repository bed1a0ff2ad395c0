import { newCommandContext } from '../../src/commands/command-context';
import { executionDecider } from '../../src/commands/execution/execution-decider';
import type { ExecutionState } from '../../src/commands/execution/execution-state';
import { handleCommand, toNewEvent } from '../../src/commands/handle-command';
import type { TaskDefinitionInput } from '../../src/commands/task/task-commands';
import type { OverlapPolicy } from '../../src/events/overlap-policy';
import { executionStream, projectStream } from '../../src/events/streams';
import type { RecordedEvent } from '../../src/stores/events/event-store';
import { SchedulerHarness } from './scheduler-support';

const START = '2026-01-05T00:01:00.000Z'; // between ticks: a task created now first fires at 00:10
const at = (hhmm: string) => `2026-01-05T${hhmm}:00.000Z`;

describe('scheduler: overlap policies and max_concurrent (injected clock)', () => {
  let h: SchedulerHarness;

  beforeEach(async () => {
    h = new SchedulerHarness(START);
  });
  afterEach(async () => {
    await h.close();
  });

  const history = async (executionId: string): Promise<RecordedEvent[]> => h.events.readStream(executionStream(executionId));
  const stateOf = async (executionId: string): Promise<ExecutionState> =>
    (await history(executionId)).reduce<ExecutionState>((state, event) => executionDecider.evolve(state, event as never), null);
  /** The task's scheduled executions in tick order, with their status. */
  const runs = async (taskId: string) => {
    const executions = (await h.executions(taskId)).sort((a, b) => a.created.scheduledAt.localeCompare(b.created.scheduledAt));
    return Promise.all(executions.map(async (e) => ({ id: e.id, at: e.created.scheduledAt, status: (await stateOf(e.id))!.status })));
  };
  const report = async (executionId: string, status: 'RUNNING' | 'SUCCESS' | 'FAILED') => {
    await handleCommand(
      h.events,
      h.clock,
      executionStream(executionId),
      executionDecider,
      { type: 'ReportExecutionStatus', projectId: h.projectId, status, route: 'v1', at: h.now() },
      newCommandContext('key:test'),
    );
    await h.sync();
  };
  const task = (overlap: OverlapPolicy | undefined, more: Partial<TaskDefinitionInput> = {}) =>
    h.createTask({ ...(overlap ? { overlap } : {}), ...more });
  const eventOf = async (executionId: string, type: string) => (await history(executionId)).find((e) => e.type === type);

  it('allow (the default) starts every tick, whatever is still open', async () => {
    await h.startScheduler();
    const taskId = await task(undefined);
    await h.advanceTo(at('00:20'));
    expect((await runs(taskId)).map((r) => r.status)).toEqual(['PENDING', 'PENDING']);
  });

  it('forbid: a tick while a run is open is SKIPPED, naming the run; once it ended, the next tick runs', async () => {
    await h.startScheduler();
    const taskId = await task({ mode: 'forbid' });
    await h.advanceTo(at('00:10'));
    const [first] = await runs(taskId);
    await report(first.id, 'RUNNING');
    await h.advanceTo(at('00:20'));
    const [, second] = await runs(taskId);
    expect(second.status).toBe('SKIPPED');
    const skipped = await eventOf(second.id, 'ExecutionSkipped');
    expect(skipped?.data).toMatchObject({ cause: 'previous_run_open', blockingExecutionId: first.id, limit: null });
    expect(skipped?.metadata.actor).toBe('system:scheduler');
    // Created and skipped in one append: nothing could dispatch or claim it in between.
    const [created, skip] = await history(second.id);
    expect(created.metadata.correlationId).toBe(skip.metadata.correlationId);
    expect(skip.position).toBe(created.position + 1);

    await report(first.id, 'SUCCESS');
    await h.advanceTo(at('00:30'));
    expect((await runs(taskId)).map((r) => r.status)).toEqual(['SUCCESS', 'SKIPPED', 'PENDING']);
  });

  it('replace: the open run is CANCELLED by system:scheduler, "replaced by" the new run, which starts', async () => {
    await h.startScheduler();
    const taskId = await task({ mode: 'replace' });
    await h.advanceTo(at('00:10'));
    const [first] = await runs(taskId);
    await report(first.id, 'RUNNING');
    await h.advanceTo(at('00:20'));
    const [old, fresh] = await runs(taskId);
    expect([old.status, fresh.status]).toEqual(['CANCELLED', 'PENDING']);
    const cancelled = await eventOf(first.id, 'ExecutionCancelled');
    expect(cancelled?.data).toMatchObject({ by: 'system:scheduler', reason: `replaced by ${fresh.id}`, replacedBy: fresh.id });
    expect(cancelled?.metadata.actor).toBe('system:scheduler');
  });

  it('queue: ticks wait QUEUED (at most max_queued, the rest SKIPPED "queue full") and start one by one as the open run ends', async () => {
    await h.startScheduler();
    const taskId = await task({ mode: 'queue', maxQueued: 2 });
    await h.advanceTo(at('00:40'));
    const [a, b, c, d] = await runs(taskId);
    expect([a.status, b.status, c.status, d.status]).toEqual(['PENDING', 'QUEUED', 'QUEUED', 'SKIPPED']);
    expect((await eventOf(b.id, 'ExecutionQueued'))?.data).toMatchObject({ cause: 'previous_run_open', blockingExecutionId: a.id });
    expect((await eventOf(d.id, 'ExecutionSkipped'))?.data).toMatchObject({ cause: 'queue_full', limit: 2 });

    await report(a.id, 'SUCCESS');
    expect((await runs(taskId)).map((r) => r.status)).toEqual(['SUCCESS', 'PENDING', 'QUEUED', 'SKIPPED']);
    expect((await eventOf(b.id, 'ExecutionReleased'))?.data).toMatchObject({ after: a.id });

    await report(b.id, 'FAILED');
    expect((await runs(taskId)).map((r) => r.status)).toEqual(['SUCCESS', 'FAILED', 'PENDING', 'SKIPPED']);
    // With nothing waiting and nothing open, the next tick runs at once.
    await report(c.id, 'SUCCESS');
    await h.advanceTo(at('00:50'));
    expect((await runs(taskId)).at(-1)?.status).toBe('PENDING');
  });

  it('max_concurrent of a task: ticks beyond it are SKIPPED with the limit', async () => {
    await h.startScheduler();
    const taskId = await task(undefined, { maxConcurrent: 2 });
    await h.advanceTo(at('00:30'));
    const [a, , c] = await runs(taskId);
    expect((await runs(taskId)).map((r) => r.status)).toEqual(['PENDING', 'PENDING', 'SKIPPED']);
    expect((await eventOf(c.id, 'ExecutionSkipped'))?.data).toMatchObject({ cause: 'task_max_concurrent', limit: 2, blockingExecutionId: a.id });
  });

  it("max_concurrent of a group counts all its tasks' open runs; under queue the tick waits for any of them to end", async () => {
    await h.startScheduler();
    const groupId = await h.createGroup({ name: 'serial', maxConcurrent: 1 });
    const first = await task(undefined, { taskGroupId: groupId });
    const skipper = await task(undefined, { taskGroupId: groupId, scheduleConfig: { cron_expression: '15 * * * *', timezone: 'UTC' } });
    const waiter = await task({ mode: 'queue' }, { taskGroupId: groupId, scheduleConfig: { cron_expression: '17 * * * *', timezone: 'UTC' } });
    await h.advanceTo(at('00:10'));
    const [open] = await runs(first);
    await h.advanceTo(at('00:17'));
    const [skipped] = await runs(skipper);
    const [queued] = await runs(waiter);
    expect([skipped.status, queued.status]).toEqual(['SKIPPED', 'QUEUED']);
    expect((await eventOf(skipped.id, 'ExecutionSkipped'))?.data).toMatchObject({ cause: 'group_max_concurrent', limit: 1 });
    expect((await eventOf(queued.id, 'ExecutionQueued'))?.data).toMatchObject({ cause: 'group_max_concurrent', limit: 1 });

    await report(open.id, 'SUCCESS');
    expect((await runs(waiter))[0].status).toBe('PENDING');
    expect((await eventOf(queued.id, 'ExecutionReleased'))?.data).toMatchObject({ after: open.id });
  });

  it("a task without a policy inherits its group's, then its project's", async () => {
    const projectContext = newCommandContext('user:test');
    await h.events.append(
      projectStream(h.projectId),
      [
        { type: 'ProjectCreated', data: { projectId: h.projectId, name: 'p', description: null, executionEndpoint: null, timezone: 'UTC', createdBy: 'u', createdAt: h.now() } },
        { type: 'ProjectUpdated', data: { projectId: h.projectId, changes: { overlapPolicy: { mode: 'forbid' } }, updatedAt: h.now() } },
      ].map((event) => toNewEvent(event as never, projectContext, h.clock)),
      'no_stream',
    );
    await h.startScheduler();
    const byProject = await task(undefined);
    const groupId = await h.createGroup({ name: 'queued', overlap: { mode: 'queue', maxQueued: 1 } });
    const byGroup = await task(undefined, { taskGroupId: groupId });
    const own = await task({ mode: 'allow' }, { taskGroupId: groupId });
    await h.advanceTo(at('00:20'));
    expect((await runs(byProject)).map((r) => r.status)).toEqual(['PENDING', 'SKIPPED']);
    expect((await runs(byGroup)).map((r) => r.status)).toEqual(['PENDING', 'QUEUED']);
    expect((await runs(own)).map((r) => r.status)).toEqual(['PENDING', 'PENDING']);
  });

  it('relaxing the policy starts the waiting runs at once', async () => {
    await h.startScheduler();
    const definition: TaskDefinitionInput = {
      name: 'relaxed',
      scheduleType: 'RECURRING',
      scheduleConfig: { cron_expression: '*/10 * * * *', timezone: 'UTC' },
      executionMode: 'pull',
      overlap: { mode: 'queue', maxQueued: 1 },
    };
    const taskId = await h.createTask(definition);
    await h.advanceTo(at('00:20'));
    expect((await runs(taskId)).map((r) => r.status)).toEqual(['PENDING', 'QUEUED']);
    await h.updateTask(taskId, { ...definition, overlap: { mode: 'allow' } });
    expect((await runs(taskId)).map((r) => r.status)).toEqual(['PENDING', 'PENDING']);
  });

  it('a restart finds the waiting runs by replay and releases one whose blocker ended while it was down, exactly once', async () => {
    const a = await h.startScheduler();
    const taskId = await task({ mode: 'queue', maxQueued: 2 });
    await h.advanceTo(at('00:20'));
    const [first, second] = await runs(taskId);
    expect(second.status).toBe('QUEUED');
    await a.stop();

    await report(first.id, 'SUCCESS'); // while no scheduler runs
    expect((await stateOf(second.id))!.status).toBe('QUEUED');

    const b = await h.startScheduler();
    await h.sync();
    expect((await stateOf(second.id))!.status).toBe('PENDING');
    // A second restart (and a second instance following the same history) release nothing more.
    await b.stop();
    await h.startScheduler();
    await h.startScheduler('other');
    await h.sync();
    const released = (await history(second.id)).filter((e) => e.type === 'ExecutionReleased');
    expect(released).toHaveLength(1);
    expect(released[0].data).toMatchObject({ after: null });
    // The released run is open again: the next tick waits behind it.
    await h.advanceTo(at('00:30'));
    expect((await runs(taskId)).map((r) => r.status)).toEqual(['SUCCESS', 'PENDING', 'QUEUED']);
  });
});
