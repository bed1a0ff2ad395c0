import { MISSED_SCHEDULER_OFFLINE } from '../../src/events/execution-events';
import { executionStream } from '../../src/events/streams';
import { catchUpExecutionId, Scheduler, SCHEDULER_OFFLINE_REASON, schedulerLateness, tickExecutionId } from '../../src/process-managers/scheduler';
import { StreamDeletedError } from '../../src/errors/store-errors';
import { everyMinutes, SchedulerHarness } from './scheduler-support';

const START = '2026-06-01T08:00:00.000Z'; // a Monday

async function latenessCount(): Promise<number> {
  const metric = await schedulerLateness.get();
  return metric.values.find((v) => v.metricName === 'cron_observer_scheduler_lateness_seconds_count')?.value ?? 0;
}

describe('scheduler', () => {
  let h: SchedulerHarness;

  beforeEach(() => {
    h = new SchedulerHarness(START);
  });
  afterEach(() => h.close());

  it('fires cron ticks as executions with deterministic ids, the task definition, and the task event as causation', async () => {
    await h.startScheduler();
    const countBefore = await latenessCount();
    const taskId = await h.createTask({
      name: 'nightly-report',
      executionMode: 'push',
      timeoutSeconds: 60,
      startDeadlineSeconds: 30,
    });
    const [taskCreated] = await h.events.readStream(`task-${taskId}`);
    expect(h.instances[0].scheduler.nextTickOf(taskId)).toEqual(new Date(START)); // created on a tick: that tick is due

    await h.advanceTo('2026-06-01T08:35:00.000Z');
    const executions = await h.executions(taskId);
    const expected = everyMinutes(START, '2026-06-01T08:30:00.000Z', 10);
    expect(executions.map((e) => e.created.scheduledAt)).toEqual(expected);
    for (const execution of executions) {
      const { scheduledAt } = execution.created;
      expect(execution.id).toBe(tickExecutionId(taskId, scheduledAt));
      expect(execution.created).toEqual({
        executionId: execution.id,
        taskId,
        projectId: h.projectId,
        taskName: 'nightly-report',
        scheduledAt,
        triggerType: 'SCHEDULED',
        attempt: 1,
        executionMode: 'push',
        timeoutSeconds: 60,
        startDeadlineSeconds: 30,
        createdAt: scheduledAt, // fake time: fired exactly on time
      });
      expect(execution.missed).toBeNull();
      expect(execution.metadata).toMatchObject({ actor: 'system:scheduler', causationId: taskCreated.metadata.eventId, correlationId: execution.id });
    }
    expect(await latenessCount()).toBe(countBefore + expected.length);
    expect(h.instances[0].scheduler.nextTickOf(taskId)).toEqual(new Date('2026-06-01T08:40:00.000Z'));
  });

  it('does not create anything twice on restart, from its checkpoint or from zero', async () => {
    const first = await h.startScheduler('a');
    const taskId = await h.createTask();
    await h.advanceTo('2026-06-01T08:25:00.000Z');
    await first.stop();

    const again = await h.startScheduler('a'); // same checkpoint
    await h.advanceTo('2026-06-01T08:45:00.000Z');
    await again.stop();
    const fromZero = await h.startScheduler('b'); // a fresh read store: replays everything
    await h.advanceTo('2026-06-01T08:55:00.000Z');

    expect(await h.ticks(taskId)).toEqual(everyMinutes(START, '2026-06-01T08:50:00.000Z', 10));
    expect(fromZero.scheduler.stats).toMatchObject({ created: 1, duplicates: 0, missedRecorded: 0 });
    for (const execution of await h.executions(taskId)) {
      expect((await h.events.readStream(executionStream(execution.id))).map((e) => e.type)).toEqual(['ExecutionCreated']);
    }
  });

  it('never duplicates a tick when two instances run over the same store', async () => {
    const a = await h.startScheduler('a', {}, true);
    const b = await h.startScheduler('b', {}, true);
    const tasks = [await h.createTask(), await h.createTask({ scheduleConfig: { cron_expression: '*/5 * * * *', timezone: 'Europe/Paris' } })];
    await h.advanceTo('2026-06-01T09:00:00.000Z');

    const executions = await h.executions();
    expect(new Set(executions.map((e) => e.id)).size).toBe(executions.length);
    expect(await h.ticks(tasks[0])).toEqual(everyMinutes(START, '2026-06-01T09:00:00.000Z', 10));
    expect(await h.ticks(tasks[1])).toEqual(everyMinutes(START, '2026-06-01T09:00:00.000Z', 5));
    const created = a.scheduler.stats.created + b.scheduler.stats.created;
    const duplicates = a.scheduler.stats.duplicates + b.scheduler.stats.duplicates;
    expect(created).toBe(executions.length);
    expect(duplicates).toBe(executions.length); // each tick: one instance created it, the other found it there
  });

  it('never fires a disabled task, and owes it nothing for the time it was disabled', async () => {
    const first = await h.startScheduler('a');
    const taskId = await h.createTask({ status: 'DISABLED' });
    expect(first.scheduler.nextTickOf(taskId)).toBeNull();
    await h.advanceTo('2026-06-01T09:00:00.000Z');
    expect(await h.ticks(taskId)).toEqual([]);

    await h.setTaskStatus(taskId, 'ACTIVE');
    await h.advanceTo('2026-06-01T09:20:00.000Z');
    expect(await h.ticks(taskId)).toEqual(everyMinutes('2026-06-01T09:00:00.000Z', '2026-06-01T09:20:00.000Z', 10));

    await h.setTaskStatus(taskId, 'DISABLED');
    await h.advanceTo('2026-06-01T10:00:00.000Z');
    await first.stop();
    h.clock.set('2026-06-01T10:30:00.000Z');
    await h.startScheduler('a'); // was down from 10:00 to 10:30, but the task is disabled: nothing owed
    await h.setTaskStatus(taskId, 'ACTIVE'); // re-enabled at 10:30: owes nothing before that either
    await h.advanceTo('2026-06-01T10:45:00.000Z');
    expect(await h.ticks(taskId)).toEqual([...everyMinutes('2026-06-01T09:00:00.000Z', '2026-06-01T09:20:00.000Z', 10), '2026-06-01T10:30:00.000Z', '2026-06-01T10:40:00.000Z']);
    expect(await h.ticksSkipped()).toEqual([]);
  });

  it('stops firing a task whose deletion was requested, and leaves a tombstoned execution stream dead', async () => {
    const { scheduler } = await h.startScheduler();
    const deleted = await h.createTask();
    const tombstoned = await h.createTask();
    const deadTick = '2026-06-01T08:10:00.000Z';
    await h.events.deleteStream(executionStream(tickExecutionId(tombstoned, deadTick)));
    await h.advanceTo('2026-06-01T08:05:00.000Z');
    await h.requestDeletion(deleted);
    expect(scheduler.nextTickOf(deleted)).toBeNull();
    await h.advanceTo('2026-06-01T08:30:00.000Z');

    expect(await h.ticks(deleted)).toEqual([START]);
    expect(await h.ticks(tombstoned)).toEqual([START, '2026-06-01T08:20:00.000Z', '2026-06-01T08:30:00.000Z']);
    await expect(h.events.readStream(executionStream(tickExecutionId(tombstoned, deadTick)))).rejects.toBeInstanceOf(StreamDeletedError);
    expect(scheduler.stats).toMatchObject({ duplicates: 1, failed: 0 });
  });

  it('fires a ONEOFF task once, at run_at', async () => {
    const { scheduler } = await h.startScheduler();
    const taskId = await h.createTask({ scheduleType: 'ONEOFF', scheduleConfig: { run_at: '2026-06-01T08:20:30Z', timezone: 'UTC' } });
    await h.advanceTo('2026-06-02T08:00:00.000Z');
    expect(await h.ticks(taskId)).toEqual(['2026-06-01T08:20:30.000Z']);
    expect(scheduler.nextTickOf(taskId)).toBeNull();
  });

  it('re-schedules a task at once when it is edited', async () => {
    const { scheduler } = await h.startScheduler();
    const taskId = await h.createTask({ name: 'edited' });
    await h.advanceTo('2026-06-01T08:03:00.000Z');
    expect(scheduler.nextTickOf(taskId)).toEqual(new Date('2026-06-01T08:10:00.000Z'));
    await h.updateTask(taskId, {
      name: 'edited',
      scheduleType: 'RECURRING',
      scheduleConfig: { cron_expression: '*/7 * * * *', timezone: 'UTC' },
      executionMode: 'pull',
      timeoutSeconds: 5,
    });
    expect(scheduler.nextTickOf(taskId)).toEqual(new Date('2026-06-01T08:07:00.000Z'));
    await h.advanceTo('2026-06-01T08:30:00.000Z');
    expect(await h.ticks(taskId)).toEqual([START, '2026-06-01T08:07:00.000Z', '2026-06-01T08:14:00.000Z', '2026-06-01T08:21:00.000Z', '2026-06-01T08:28:00.000Z']);
    expect((await h.executions(taskId)).at(-1)!.created.timeoutSeconds).toBe(5);

    // A move to another zone: 09:00 in Tokyo is 00:00Z.
    await h.updateTask(taskId, { name: 'edited', scheduleType: 'RECURRING', scheduleConfig: { cron_expression: '0 9 * * *', timezone: 'Asia/Tokyo' }, executionMode: 'pull' });
    expect(scheduler.nextTickOf(taskId)).toEqual(new Date('2026-06-02T00:00:00.000Z'));
  });

  it("honours its group's window, manual start and stop until the next boundary, and the group's status", async () => {
    const { scheduler } = await h.startScheduler();
    const groupId = await h.createGroup({ name: 'office', startTime: '09:00', endTime: '10:00', timezone: 'UTC' });
    const taskId = await h.createTask({ taskGroupId: groupId, scheduleConfig: { cron_expression: '*/15 * * * *', timezone: 'UTC' } });
    await h.advanceTo('2026-06-01T11:00:00.000Z');
    const day1 = ['09:00', '09:15', '09:30', '09:45'].map((t) => `2026-06-01T${t}:00.000Z`);
    expect(await h.ticks(taskId)).toEqual(day1);
    // Blocked by a closed window, the task waits for the next boundary rather than for every tick.
    expect(scheduler.nextTickOf(taskId)).toEqual(new Date('2026-06-02T09:00:00.000Z'));

    await h.advanceTo('2026-06-01T11:05:00.000Z');
    await h.startGroup(groupId); // runs until the next boundary: 09:00 tomorrow
    expect(scheduler.nextTickOf(taskId)).toEqual(new Date('2026-06-01T11:15:00.000Z'));
    await h.advanceTo('2026-06-01T12:05:00.000Z');
    await h.stopGroup(groupId); // stopped until the next boundary: 09:00 tomorrow, when the window opens
    await h.advanceTo('2026-06-02T10:30:00.000Z');
    const started = ['11:15', '11:30', '11:45', '12:00'].map((t) => `2026-06-01T${t}:00.000Z`);
    const day2 = ['09:00', '09:15', '09:30', '09:45'].map((t) => `2026-06-02T${t}:00.000Z`);
    expect(await h.ticks(taskId)).toEqual([...day1, ...started, ...day2]);

    await h.advanceTo('2026-06-03T09:20:00.000Z');
    await h.stopGroup(groupId); // inside the window: stopped until it closes at 10:00
    await h.advanceTo('2026-06-03T12:00:00.000Z');
    expect((await h.ticks(taskId)).filter((t) => t.startsWith('2026-06-03'))).toEqual(['2026-06-03T09:00:00.000Z', '2026-06-03T09:15:00.000Z']);

    await h.updateGroup(groupId, { name: 'office', status: 'DISABLED', startTime: '09:00', endTime: '10:00' });
    expect(scheduler.nextTickOf(taskId)).toBeNull();
    await h.advanceTo('2026-06-04T12:00:00.000Z');
    expect((await h.ticks(taskId)).filter((t) => t.startsWith('2026-06-04'))).toEqual([]);

    // Re-enabled: re-keyed at once, at the next window (the stop of the 3rd expired at its 10:00 boundary).
    await h.updateGroup(groupId, { name: 'office', status: 'ACTIVE', startTime: '09:00', endTime: '10:00' });
    expect(scheduler.nextTickOf(taskId)).toEqual(new Date('2026-06-05T09:00:00.000Z'));
    // Its window moved: re-keyed at once.
    await h.updateGroup(groupId, { name: 'office', startTime: '13:00', endTime: '14:00' });
    expect(scheduler.nextTickOf(taskId)).toEqual(new Date('2026-06-04T13:00:00.000Z'));
  });

  it('honours a window that crosses midnight in the group zone', async () => {
    await h.startScheduler();
    // 22:00–02:00 in Tokyo (UTC+9) is 13:00Z–17:00Z.
    const groupId = await h.createGroup({ name: 'night', startTime: '22:00', endTime: '02:00', timezone: 'Asia/Tokyo' });
    const taskId = await h.createTask({ taskGroupId: groupId, scheduleConfig: { cron_expression: '0 * * * *', timezone: 'UTC' } });
    const ungrouped = await h.createTask({ scheduleConfig: { cron_expression: '0 * * * *', timezone: 'UTC' } });
    await h.advanceTo('2026-06-02T08:00:00.000Z');
    expect(await h.ticks(taskId)).toEqual(['13', '14', '15', '16'].map((hour) => `2026-06-01T${hour}:00:00.000Z`));
    expect(await h.ticks(ungrouped)).toHaveLength(25);
  });

  it('a task moved into or out of a group follows its new group at once', async () => {
    const { scheduler } = await h.startScheduler();
    const groupId = await h.createGroup({ name: 'later', startTime: '20:00', endTime: '21:00', timezone: 'UTC' });
    const taskId = await h.createTask({ name: 'mover' });
    await h.advanceTo('2026-06-01T08:05:00.000Z');
    const definition = { name: 'mover', scheduleType: 'RECURRING' as const, scheduleConfig: { cron_expression: '*/10 * * * *', timezone: 'UTC' }, executionMode: 'pull' as const };
    await h.updateTask(taskId, { ...definition, taskGroupId: groupId });
    await h.advanceTo('2026-06-01T08:30:00.000Z');
    expect(await h.ticks(taskId)).toEqual([START]);
    expect(scheduler.nextTickOf(taskId)).toEqual(new Date('2026-06-01T20:00:00.000Z'));
    await h.advanceTo('2026-06-01T08:31:00.000Z');
    await h.updateTask(taskId, definition);
    expect(scheduler.nextTickOf(taskId)).toEqual(new Date('2026-06-01T08:40:00.000Z'));
  });
});

describe('scheduler downtime', () => {
  let h: SchedulerHarness;

  beforeEach(() => {
    h = new SchedulerHarness(START);
  });
  afterEach(() => h.close());

  async function runThenGoDown(fields: Parameters<SchedulerHarness['createTask']>[0] = {}) {
    const first = await h.startScheduler('a');
    const taskId = await h.createTask(fields);
    await h.advanceTo(START); // fires 08:00
    await first.stop();
    await h.clock.advanceTo(new Date('2026-06-01T11:00:00.000Z')); // 3 hours with no scheduler
    return taskId;
  }

  it('records ticks missed while offline: the first 5 as MISSED executions, the rest as one TicksSkipped; a restart adds nothing', async () => {
    const taskId = await runThenGoDown();
    const { scheduler } = await h.startScheduler('a');

    const missedTicks = everyMinutes('2026-06-01T08:10:00.000Z', '2026-06-01T08:50:00.000Z', 10);
    const executions = await h.executions(taskId);
    expect(executions.map((e) => e.created.scheduledAt)).toEqual([START, ...missedTicks]);
    for (const execution of executions.slice(1)) {
      expect(execution.id).toBe(tickExecutionId(taskId, execution.created.scheduledAt));
      expect(execution.created).toMatchObject({ triggerType: 'SCHEDULED', createdAt: '2026-06-01T11:00:00.000Z' });
      expect(execution.missed).toEqual({ executionId: execution.id, taskId, projectId: h.projectId, at: '2026-06-01T11:00:00.000Z', ...MISSED_SCHEDULER_OFFLINE });
    }
    // 18 ticks in (08:00, 11:00]: 5 recorded one by one, 13 skipped.
    expect(await h.ticksSkipped(taskId)).toEqual([
      {
        taskId,
        projectId: h.projectId,
        from: '2026-06-01T09:00:00.000Z',
        to: '2026-06-01T11:00:00.000Z',
        count: 13,
        reason: SCHEDULER_OFFLINE_REASON,
        recordedAt: '2026-06-01T11:00:00.000Z',
      },
    ]);
    expect(scheduler.stats).toMatchObject({ missedRecorded: 5, ticksSkipped: 13, catchUps: 0 });
    expect(await h.ticks(taskId, 'CATCH_UP')).toEqual([]);

    // Restarts (from the checkpoint, or replaying from zero) record nothing again; live ticks go on.
    await h.instances[0].stop();
    await h.startScheduler('a');
    await h.instances[0].stop();
    const fresh = await h.startScheduler('c');
    await h.advanceTo('2026-06-01T11:10:00.000Z');
    expect(await h.ticksSkipped(taskId)).toHaveLength(1);
    expect(await h.ticks(taskId)).toEqual([START, ...missedTicks, '2026-06-01T11:10:00.000Z']);
    expect(fresh.scheduler.stats).toMatchObject({ created: 1, duplicates: 0 });
  });

  it('with catch_up: latest, also runs the latest missed tick under its own catch-up id, once', async () => {
    const taskId = await runThenGoDown({ scheduleConfig: { cron_expression: '*/10 * * * *', timezone: 'UTC', catch_up: 'latest' } });
    await h.startScheduler('a');
    const catchUps = (await h.executions(taskId)).filter((e) => e.created.triggerType === 'CATCH_UP');
    expect(catchUps).toHaveLength(1);
    expect(catchUps[0].id).toBe(catchUpExecutionId(taskId, '2026-06-01T11:00:00.000Z'));
    expect(catchUps[0].created).toMatchObject({ scheduledAt: '2026-06-01T11:00:00.000Z', createdAt: '2026-06-01T11:00:00.000Z' });
    expect(catchUps[0].missed).toBeNull();
    expect(await h.ticksSkipped(taskId)).toMatchObject([{ count: 13 }]);

    await h.instances[0].stop();
    await h.startScheduler('b');
    expect(await h.ticks(taskId, 'CATCH_UP')).toEqual(['2026-06-01T11:00:00.000Z']);
  });

  it('a few missed ticks are all MISSED executions, with no TicksSkipped', async () => {
    const first = await h.startScheduler('a');
    const taskId = await h.createTask();
    await h.advanceTo(START);
    await first.stop();
    await h.clock.advanceTo(new Date('2026-06-01T08:35:00.000Z'));
    await h.startScheduler('a');
    const executions = await h.executions(taskId);
    expect(executions.filter((e) => e.missed).map((e) => e.created.scheduledAt)).toEqual(everyMinutes('2026-06-01T08:10:00.000Z', '2026-06-01T08:30:00.000Z', 10));
    expect(await h.ticksSkipped()).toEqual([]);
  });

  it("counts only the ticks the task's group would have run", async () => {
    const first = await h.startScheduler('a');
    const groupId = await h.createGroup({ name: 'office', startTime: '09:00', endTime: '10:00', timezone: 'UTC' });
    const taskId = await h.createTask({ taskGroupId: groupId });
    await first.stop();
    await h.clock.advanceTo(new Date('2026-06-02T12:00:00.000Z'));
    await h.startScheduler('a');
    // Two windows of 6 ticks each (09:00 … 09:50).
    expect((await h.executions(taskId)).filter((e) => e.missed).map((e) => e.created.scheduledAt)).toEqual(
      everyMinutes('2026-06-01T09:00:00.000Z', '2026-06-01T09:40:00.000Z', 10),
    );
    expect(await h.ticksSkipped(taskId)).toMatchObject([{ from: '2026-06-01T09:50:00.000Z', to: '2026-06-02T09:50:00.000Z', count: 7 }]);
  });

  it('fires a tick the clock passes while it goes live, after counting the downtime up to just before it', async () => {
    const first = await h.startScheduler('a');
    const taskId = await h.createTask();
    await h.advanceTo(START); // fires 08:00
    await first.stop();
    const tickMs = Date.parse('2026-06-01T08:10:00.000Z');
    h.clock.set(new Date(tickMs - 1));
    // Going live reads 08:09:59.999 for the downtime (none), and the clock is past 08:10 at every later reading.
    const goLive = Scheduler.prototype.goLive;
    const passing = jest.spyOn(Scheduler.prototype, 'goLive').mockImplementation(function (this: Scheduler) {
      const reading = jest.spyOn(h.clock, 'now').mockReturnValueOnce(new Date(tickMs - 1)).mockReturnValue(new Date(tickMs + 1));
      try {
        goLive.call(this);
      } finally {
        reading.mockRestore();
      }
    });
    try {
      await h.startScheduler('a');
    } finally {
      passing.mockRestore();
    }
    h.clock.set(new Date(tickMs + 1));
    await h.advanceTo('2026-06-01T08:15:00.000Z');
    expect(await h.ticks(taskId)).toEqual([START, '2026-06-01T08:10:00.000Z']);
    expect(await h.ticksSkipped(taskId)).toEqual([]);
  });

  it('two instances going live over the same downtime record it once', async () => {
    const taskId = await runThenGoDown();
    await Promise.all([h.startScheduler('x', {}, true), h.startScheduler('y', {}, true)]);
    await h.sync();
    expect((await h.executions(taskId)).filter((e) => e.missed)).toHaveLength(5);
    expect(await h.ticksSkipped(taskId)).toMatchObject([{ count: 13 }]);
  });

  it('counts a long downtime of an every-second task without walking its ticks', async () => {
    const first = await h.startScheduler('a');
    const taskId = await h.createTask({ scheduleConfig: { cron_expression: '* * * * * *', timezone: 'Europe/London' } });
    await first.stop();
    await h.clock.advanceTo(new Date('2027-06-01T08:00:00.000Z')); // a year: 31.5 million ticks, across two DST changes
    const started = Date.now();
    await h.startScheduler('a');
    expect(Date.now() - started).toBeLessThan(5_000); // walking the ticks one by one would take far longer
    expect(await h.ticksSkipped(taskId)).toMatchObject([{ count: 365 * 86_400 + 1 - 5, from: '2026-06-01T08:00:05.000Z', to: '2027-06-01T08:00:00.000Z' }]);
  });
});
