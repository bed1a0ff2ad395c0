import type { MaintenanceWindow } from '../../src/events/schedule-rule-events';
import { RuleWriter } from './schedule-rules-support';
import { everyMinutes, SchedulerHarness } from './scheduler-support';

const START = '2026-06-01T08:00:00.000Z'; // a Monday; 20:00 in Auckland (NZST), 01:00 in Los Angeles (PDT)

describe('scheduler with calendars, maintenance windows and snoozes', () => {
  let h: SchedulerHarness;
  let rules: RuleWriter;

  beforeEach(() => {
    h = new SchedulerHarness(START);
    rules = new RuleWriter(h.events, h.clock, h.projectId);
  });
  afterEach(() => h.close());

  const setRule = async (command: Parameters<RuleWriter['write']>[0]) => {
    await rules.write(command);
    await h.sync();
  };
  const pause = (name: string, start: string, end: string, extra: Partial<MaintenanceWindow> = {}): MaintenanceWindow => ({
    name,
    scope: { kind: 'project' },
    effect: 'pause',
    timing: { kind: 'once', start, end },
    ...extra,
  });

  it('skips the dates of a calendar by the local date in the task zone (Auckland is a day ahead of UTC)', async () => {
    await h.startScheduler();
    // 00:30 in Auckland is 12:30 UTC the day before.
    const taskId = await h.createTask({ scheduleConfig: { cron_expression: '30 0 * * *', timezone: 'Pacific/Auckland' } });
    await setRule({ type: 'SetCalendar', calendarId: 'holidays', calendar: { name: 'Holidays', dates: ['2026-06-02'] } });
    await h.updateTask(taskId, { name: 'nightly', scheduleType: 'RECURRING', scheduleConfig: { cron_expression: '30 0 * * *', timezone: 'Pacific/Auckland' }, executionMode: 'pull', calendar: { calendarId: 'holidays', mode: 'skip' } });
    expect(h.instances[0].scheduler.nextTickOf(taskId)).toEqual(new Date('2026-06-02T12:30:00.000Z'));

    await h.advanceTo('2026-06-03T13:00:00.000Z');
    // 2026-06-01T12:30Z is the 2nd in Auckland: skipped. 2026-06-02T12:30Z (the 2nd in UTC) is the 3rd there: fires.
    expect(await h.ticks(taskId)).toEqual(['2026-06-02T12:30:00.000Z', '2026-06-03T12:30:00.000Z']);
  });

  it('runs only on the dates of a calendar by the local date in Los Angeles, the group calendar applying unless the task has its own', async () => {
    await setRule({ type: 'SetCalendar', calendarId: 'month-end', calendar: { name: 'Month end', dates: ['2026-06-02'] } });
    await setRule({ type: 'SetCalendar', calendarId: 'freeze', calendar: { name: 'Freeze', dates: ['2026-06-03'] } });
    await h.startScheduler();
    const groupId = await h.createGroup({ name: 'finance', calendar: { calendarId: 'month-end', mode: 'only' } });
    // 20:00 in Los Angeles is 03:00 UTC the next day.
    const schedule = { cron_expression: '0 20 * * *', timezone: 'America/Los_Angeles' };
    const byGroup = await h.createTask({ taskGroupId: groupId, scheduleConfig: schedule });
    const own = await h.createTask({ taskGroupId: groupId, scheduleConfig: schedule, calendar: { calendarId: 'freeze', mode: 'skip' } });

    await h.advanceTo('2026-06-06T00:00:00.000Z');
    // Only the 2nd in Los Angeles: 2026-06-03T03:00Z. (2026-06-02T03:00Z is still the 1st there.)
    expect(await h.ticks(byGroup)).toEqual(['2026-06-03T03:00:00.000Z']);
    // Its own calendar wins: every day but the 3rd in Los Angeles (2026-06-04T03:00Z).
    expect(await h.ticks(own)).toEqual(['2026-06-02T03:00:00.000Z', '2026-06-03T03:00:00.000Z', '2026-06-05T03:00:00.000Z']);
    expect(await h.ticksSkipped()).toEqual([]);
  });

  it('fires nothing inside a pause window, for a task, its group or the project, and goes on at its end', async () => {
    await h.startScheduler();
    const groupId = await h.createGroup({ name: 'etl' });
    const inGroup = await h.createTask({ taskGroupId: groupId });
    const alone = await h.createTask();
    await setRule({ type: 'SetMaintenanceWindow', windowId: 'db-upgrade', window: pause('DB upgrade', '2026-06-01T08:15:00.000Z', '2026-06-01T08:45:00.000Z', { scope: { kind: 'group', groupId } }) });
    await setRule({ type: 'SetMaintenanceWindow', windowId: 'weekly', window: { name: 'Weekly', scope: { kind: 'task', taskId: alone }, effect: 'pause', timing: { kind: 'recurring', cronExpression: '0 9 * * 1', timezone: 'UTC', durationMinutes: 20 } } });
    await h.advanceTo('2026-06-01T09:30:00.000Z');
    expect(await h.ticks(inGroup)).toEqual([...everyMinutes(START, '2026-06-01T08:10:00.000Z', 10), ...everyMinutes('2026-06-01T08:50:00.000Z', '2026-06-01T09:30:00.000Z', 10)]);
    expect(await h.ticks(alone)).toEqual([...everyMinutes(START, '2026-06-01T08:50:00.000Z', 10), '2026-06-01T09:20:00.000Z', '2026-06-01T09:30:00.000Z']);
  });

  it('owes no tick a pause window or a calendar held back while it was down', async () => {
    const first = await h.startScheduler('a');
    const taskId = await h.createTask();
    await setRule({ type: 'SetMaintenanceWindow', windowId: 'release', window: pause('Release', '2026-06-01T09:00:00.000Z', '2026-06-01T10:00:00.000Z') });
    await h.advanceTo('2026-06-01T08:25:00.000Z');
    await first.stop();
    h.clock.set('2026-06-01T09:45:00.000Z'); // back inside the window
    await h.startScheduler('a');
    await h.instances[0].scheduler.downtimeRecorded;
    await h.sync();
    const missed = (await h.executions(taskId)).filter((e) => e.missed !== null).map((e) => e.created.scheduledAt);
    expect(missed).toEqual(everyMinutes('2026-06-01T08:30:00.000Z', '2026-06-01T08:50:00.000Z', 10));
    await h.advanceTo('2026-06-01T10:10:00.000Z');
    expect((await h.ticks(taskId)).filter((t) => t >= '2026-06-01T09:00')).toEqual(['2026-06-01T10:00:00.000Z', '2026-06-01T10:10:00.000Z']);
    expect(await h.ticksSkipped()).toEqual([]);
  });

  it('resumes a snoozed task by itself, and at once when the snooze is ended early', async () => {
    await h.startScheduler();
    const snoozed = await h.createTask();
    const endedEarly = await h.createTask();
    const snooze = (taskId: string): MaintenanceWindow => pause('Snooze', START, '2026-06-01T09:00:00.000Z', { scope: { kind: 'task', taskId }, snooze: true });
    await setRule({ type: 'SetMaintenanceWindow', windowId: `snooze-task-${snoozed}`, window: snooze(snoozed) });
    await setRule({ type: 'SetMaintenanceWindow', windowId: `snooze-task-${endedEarly}`, window: snooze(endedEarly) });
    await h.advanceTo('2026-06-01T08:25:00.000Z');
    await setRule({ type: 'RemoveMaintenanceWindow', windowId: `snooze-task-${endedEarly}` });
    await h.advanceTo('2026-06-01T09:10:00.000Z');
    expect(await h.ticks(snoozed)).toEqual(['2026-06-01T09:00:00.000Z', '2026-06-01T09:10:00.000Z']);
    expect(await h.ticks(endedEarly)).toEqual(everyMinutes('2026-06-01T08:30:00.000Z', '2026-06-01T09:10:00.000Z', 10));
  });
});
