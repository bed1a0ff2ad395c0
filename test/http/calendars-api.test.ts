import type { ApiClient } from '../support/api-client';
import { ManualClock } from '../support/manual-clock';
import { startServerWithAdmin } from '../support/signed-in';
import { createProject, createTask, type TestProject } from '../support/task-fixtures';
import type { TestServer } from '../support/test-server';
import { waitFor } from '../support/wait-for';

const ICS = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//Example Corp//Holidays//EN',
  'X-WR-CALNAME:Company holidays',
  'BEGIN:VEVENT',
  'UID:boxing@example.com',
  'DTSTAMP:20260101T000000Z',
  'DTSTART;VALUE=DATE:20261226',
  'SUMMARY:Boxing Day',
  'END:VEVENT',
  'BEGIN:VEVENT',
  'UID:offsite@example.com',
  'DTSTAMP:20260101T000000Z',
  'DTSTART;VALUE=DATE:20260602',
  'DTEND;VALUE=DATE:20260604',
  'SUMMARY:Offsite',
  'END:VEVENT',
  'BEGIN:VEVENT',
  'UID:founders@example.com',
  'DTSTAMP:20260101T000000Z',
  'DTSTART;VALUE=DATE:20250610',
  'RRULE:FREQ=YEARLY',
  'SUMMARY:Founders day',
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n');

/** Calendars, maintenance windows, snoozes and the task preview's reasons, through a real server on a ManualClock. */
describe('calendars, maintenance windows and snooze API', () => {
  const clock = new ManualClock('2026-06-01T08:00:00.000Z');
  let server: TestServer;
  let admin: ApiClient;
  let project: TestProject;
  let base: string;

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin({ clock }));
    project = await createProject(admin);
    base = `/projects/${project.id}`;
  });
  afterAll(() => server.stop());

  it('keeps calendars entered by hand, sorted and distinct, and answers 400 naming each bad field', async () => {
    const saved = await admin.put(`${base}/calendars/holidays`, { name: 'Holidays', dates: ['2026-12-25', '2026-06-02', '2026-12-25'] });
    expect(saved.status).toBe(200);
    expect(saved.body).toEqual({ calendar_id: 'holidays', name: 'Holidays', dates: ['2026-06-02', '2026-12-25'] });
    expect((await admin.get(`${base}/calendars/holidays`)).body.dates).toEqual(['2026-06-02', '2026-12-25']);
    expect((await admin.get(`${base}/calendars`)).body.data.map((c: { calendar_id: string }) => c.calendar_id)).toContain('holidays');

    const bad = await admin.put(`${base}/calendars/holidays`, { name: 'Holidays', dates: ['2026-13-01'] });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual(['dates[0]: "2026-13-01" is not a YYYY-MM-DD date']);
    const badId = await admin.put(`${base}/calendars/Not%20An%20Id`, { name: 'x', dates: [] });
    expect(badId.status).toBe(400);
    expect(badId.body.details[0]).toMatch(/^calendar_id: /);
    expect((await admin.get(`${base}/calendars/nope`)).status).toBe(404);
    expect((await admin.delete(`${base}/calendars/nope`)).status).toBe(404);
  });

  it('imports an .ics file into dates, and answers 400 for what is not one', async () => {
    const imported = await admin.post(`${base}/calendars/company/import`, { ics: ICS, timezone: 'Europe/London' });
    expect(imported.status).toBe(200);
    expect(imported.body).toEqual({
      calendar_id: 'company',
      name: 'Company holidays',
      dates: ['2025-06-10', '2026-06-02', '2026-06-03', '2026-06-10', '2026-12-26', '2027-06-10'],
      // (the yearly event is expanded two years past the import: 2028-06-10 is beyond)
    });
    const notIcs = await admin.post(`${base}/calendars/company/import`, { ics: 'name,date\nxmas,2026-12-25\n' });
    expect(notIcs.status).toBe(400);
    expect(notIcs.body).toMatchObject({ error: 'Invalid iCalendar file' });
    expect(notIcs.body.details[0]).toMatch(/^ics: not an iCalendar file/);
    const tooBig = await admin.post(`${base}/calendars/company/import`, { ics: 'x'.repeat(600 * 1024) });
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.details).toEqual(['ics: at most 524288 characters']);
  });

  it('takes a calendar on a task and on a group, and 400s a bad one', async () => {
    const task = await createTask(admin, project.id, { calendar: { calendar_id: 'holidays', mode: 'skip' } });
    expect(task.calendar).toEqual({ calendar_id: 'holidays', mode: 'skip' });
    const bad = await admin.post(`${base}/tasks`, { name: 'bad', schedule_type: 'RECURRING', schedule_config: { cron_expression: '0 * * * *', timezone: 'UTC' }, calendar: { calendar_id: 'holidays', mode: 'sometimes' } });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual([expect.stringMatching(/^calendar\.mode: /)]);
    const unknown = await admin.post(`${base}/tasks`, { name: 'typo', schedule_type: 'RECURRING', schedule_config: { cron_expression: '0 * * * *', timezone: 'UTC' }, calendar: { calendar_id: 'holydays', mode: 'skip' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.details).toEqual(['calendar.calendar_id: no calendar "holydays" in this project']);
    const unknownForGroup = await admin.post(`${base}/task-groups`, { name: 'typo', calendar: { calendar_id: 'holydays', mode: 'skip' } });
    expect(unknownForGroup.body.details).toEqual(['calendar.calendar_id: no calendar "holydays" in this project']);
    const group = await admin.post(`${base}/task-groups`, { name: 'finance', calendar: { calendar_id: 'company', mode: 'only' } });
    expect(group.status).toBe(201);
    expect(group.body.calendar).toEqual({ calendar_id: 'company', mode: 'only' });
    const cleared = await admin.put(`${base}/task-groups/${group.body.id}`, { name: 'finance' });
    expect(cleared.body.calendar).toBeNull();
  });

  it('marks each upcoming run of the task preview as firing or skipped, with the reason', async () => {
    // Every day at 12:00 in Auckland: 2026-06-02 there is skipped by the calendar.
    const task = await createTask(admin, project.id, {
      schedule_config: { cron_expression: '0 12 * * *', timezone: 'Pacific/Auckland' },
      calendar: { calendar_id: 'holidays', mode: 'skip' },
    });
    const window = await admin.put(`${base}/maintenance-windows/release`, { name: 'Release', scope: 'task', task_id: task.id, effect: 'pause', start: '2026-06-03T00:00:00Z', end: '2026-06-03T01:00:00Z' });
    expect(window.status).toBe(200);
    const preview = await admin.get(`${base}/tasks/${task.id}/preview?count=4`);
    expect(preview.status).toBe(200);
    expect(preview.body.occurrences.map((o: { at: string; fires: boolean; skipped_reason: string | null }) => [o.at, o.fires, o.skipped_reason])).toEqual([
      ['2026-06-02T00:00:00.000Z', false, 'calendar "Holidays" (skip)'],
      ['2026-06-03T00:00:00.000Z', false, 'maintenance window "Release"'],
      ['2026-06-04T00:00:00.000Z', true, null],
      ['2026-06-05T00:00:00.000Z', true, null],
    ]);

    const snooze = await admin.post(`${base}/tasks/${task.id}/snooze`, { until: '2026-06-04T06:00:00Z' });
    expect(snooze.status).toBe(200);
    expect(snooze.body).toMatchObject({ window_id: `snooze-task-${task.id}`, scope: 'task', task_id: task.id, effect: 'pause', snooze: true, end: '2026-06-04T06:00:00.000Z' });
    const snoozed = await admin.get(`${base}/tasks/${task.id}/preview?count=3`);
    // A pause window (the snooze too) is named before the calendar.
    expect(snoozed.body.occurrences.map((o: { skipped_reason: string | null }) => o.skipped_reason)).toEqual([
      'snoozed until 2026-06-04T06:00:00.000Z',
      'maintenance window "Release"',
      'snoozed until 2026-06-04T06:00:00.000Z',
    ]);
    expect((await admin.delete(`${base}/tasks/${task.id}/snooze`)).status).toBe(204);
    expect((await admin.delete(`${base}/tasks/${task.id}/snooze`)).status).toBe(404);
    expect((await admin.get(`${base}/tasks/${task.id}/preview?count=3`)).body.occurrences[2].fires).toBe(true);
  });

  it("names the group in the preview: a closed window, a disabled group", async () => {
    const group = await admin.post(`${base}/task-groups`, { name: 'office-hours', start_time: '09:00', end_time: '10:00', timezone: 'UTC' });
    expect(group.status).toBe(201);
    const task = await createTask(admin, project.id, { task_group_id: group.body.id, schedule_config: { cron_expression: '30 8,9 * * *', timezone: 'UTC' } });
    const reasons = async () =>
      ((await admin.get(`${base}/tasks/${task.id}/preview?count=2`)).body.occurrences as Array<{ at: string; skipped_reason: string | null }>).map((o) => [o.at, o.skipped_reason]);
    expect(await reasons()).toEqual([
      ['2026-06-01T08:30:00.000Z', 'group window closed'],
      ['2026-06-01T09:30:00.000Z', null],
    ]);
    expect((await admin.put(`${base}/task-groups/${group.body.id}`, { name: 'office-hours', status: 'DISABLED', start_time: '09:00', end_time: '10:00', timezone: 'UTC' })).status).toBe(200);
    expect((await reasons()).map(([, reason]) => reason)).toEqual(['group disabled', 'group disabled']);
  });

  it("the server's scheduler follows snoozes and calendars saved through the API", async () => {
    const snoozed = await createTask(admin, project.id, { schedule_config: { cron_expression: '*/10 * * * *', timezone: 'UTC' } });
    const control = await createTask(admin, project.id, { schedule_config: { cron_expression: '*/10 * * * *', timezone: 'UTC' } });
    expect((await admin.put(`${base}/calendars/today`, { name: 'Today', dates: ['2026-06-01'] })).status).toBe(200);
    const skipping = await createTask(admin, project.id, { schedule_config: { cron_expression: '*/10 * * * *', timezone: 'UTC' }, calendar: { calendar_id: 'today', mode: 'skip' } });
    expect((await admin.post(`${base}/tasks/${snoozed.id}/snooze`, { until: '2026-06-01T08:30:00Z' })).status).toBe(200);
    const caughtUp = async () => server.processManagers.waitForPosition((await server.services.events.headPosition())!);
    await caughtUp();
    await clock.advanceTo(new Date('2026-06-01T08:45:00.000Z'));
    await caughtUp();
    const ticks = async (taskId: string) =>
      ((await admin.get(`${base}/tasks/${taskId}/executions?date=2026-06-01&page_size=100`)).body.data as Array<{ scheduled_at: string }>).map((e) => e.scheduled_at).sort();
    // Every tick up to 08:40 is fired and read back once the task without rules shows all five.
    await waitFor(async () => (await ticks(control.id)).length === 5, { what: 'the control task ticks from 08:00 to 08:40' });
    await waitFor(async () => (await ticks(snoozed.id)).length === 2, { what: 'the snoozed task ticks after 08:30' });
    expect(await ticks(snoozed.id)).toEqual(['2026-06-01T08:30:00.000Z', '2026-06-01T08:40:00.000Z']);
    expect(await ticks(skipping.id)).toEqual([]);
  });

  it('answers 400 for a snooze in the past, too far ahead or without an instant, and for bad windows', async () => {
    const task = await createTask(admin, project.id);
    const snooze = (until: unknown) => admin.post(`${base}/tasks/${task.id}/snooze`, { until });
    expect((await snooze('2026-06-01T07:00:00Z')).body.details).toEqual(['until: must be in the future']);
    expect((await snooze('2026-12-01T00:00:00Z')).body.details).toEqual(['until: at most 90 days ahead']);
    const local = await snooze('2026-06-01T10:00:00');
    expect(local.status).toBe(400);
    expect(local.body.details).toEqual(['until: "2026-06-01T10:00:00" is not an ISO 8601 instant with Z or an offset']);
    expect((await admin.post(`${base}/tasks/00000000-0000-4000-8000-000000000000/snooze`, { until: '2026-06-02T00:00:00Z' })).status).toBe(404);

    const window = await admin.put(`${base}/maintenance-windows/nightly`, { name: 'Nightly', scope: 'group', effect: 'pause', cron_expression: '0 2 * * *', duration_minutes: 20000 });
    expect(window.status).toBe(400);
    expect(window.body.details).toEqual(['group_id: required for scope group', 'duration_minutes: a whole number from 1 to 10080']);
    const listed = await admin.get(`${base}/maintenance-windows`);
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((w: { window_id: string }) => w.window_id)).toContain('release');
    expect((await admin.delete(`${base}/maintenance-windows/release`)).status).toBe(204);
  });
});
