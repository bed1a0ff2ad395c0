/**
 * Days of a zone other than the project's (`tz` on the stats and calendar routes), summed from the UTC
 * hours: a zone west of the project's on its DST day, one east of it, and a half-hour zone, whose days
 * are attributed by the hour they start in (README "Times and zones").
 */
import type { ApiClient } from '../support/api-client';
import { ManualClock } from '../support/manual-clock';
import { startServerWithAdmin } from '../support/signed-in';
import { createProject, createTask, type TestProject, triggerTask } from '../support/task-fixtures';
import type { TestServer } from '../support/test-server';

// Runs by hand at these instants (the project is in Berlin, UTC+1 in early March).
const RUNS = [
  '2026-03-07T18:45:00.000Z', // Berlin 7th 19:45 · New York 7th 13:45 · Tokyo 8th 03:45 · Kolkata 8th 00:15
  '2026-03-08T04:30:00.000Z', // Berlin 8th 05:30 · New York 7th 23:30 EST · Tokyo 8th 13:30 · Kolkata 8th 10:00
  '2026-03-08T06:30:00.000Z', // Berlin 8th 07:30 · New York 8th 01:30 EST (summer time begins at 07:00 UTC)
  '2026-03-08T16:00:00.000Z', // Berlin 8th 17:00 · New York 8th 12:00 EDT · Tokyo 9th 01:00 · Kolkata 8th 21:30
  '2026-03-08T23:30:00.000Z', // Berlin 9th 00:30 · New York 8th 19:30 EDT · Tokyo 9th 08:30 · Kolkata 9th 05:00
];

describe('stats and calendar in another zone than the project’s', () => {
  let server: TestServer;
  let admin: ApiClient;
  let project: TestProject;
  const clock = new ManualClock(RUNS[0]);

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin({ clock }));
    project = await createProject(admin, { timezone: 'Europe/Berlin' });
    const task = await createTask(admin, project.id, { schedule_config: { cron_expression: '0 0 1 1 *', timezone: 'UTC' } });
    for (const at of RUNS) {
      clock.set(at);
      await triggerTask(admin, project.id, task.id);
    }
    await server.services.projections.whenCaughtUp();
  });
  afterAll(() => server?.stop());

  const days = async (tz?: string) => {
    const response = await admin.get(`/projects/${project.id}/stats?granularity=day&from=2026-03-07&to=2026-03-09${tz ? `&tz=${encodeURIComponent(tz)}` : ''}`);
    expect(response.status).toBe(200);
    return response.body as { timezone: string; source: string; buckets: Array<{ key: string; start: string; end: string; total: number }>; totals: { total: number } };
  };
  const totals = (stats: Awaited<ReturnType<typeof days>>) => Object.fromEntries(stats.buckets.map((b) => [b.key, b.total]));

  it("answers the project's own zone from its daily buckets", async () => {
    const stats = await days();
    expect(stats).toMatchObject({ timezone: 'Europe/Berlin', source: 'daily_buckets', totals: { total: 5 } });
    expect(totals(stats)).toEqual({ '2026-03-07': 1, '2026-03-08': 3, '2026-03-09': 1 });
  });

  it('sums the UTC hours into the days of a zone to the west, its 23-hour DST day included', async () => {
    const stats = await days('America/New_York');
    expect(stats).toMatchObject({ timezone: 'America/New_York', source: 'hourly_buckets', totals: { total: 5 } });
    expect(totals(stats)).toEqual({ '2026-03-07': 2, '2026-03-08': 3, '2026-03-09': 0 });
    expect(stats.buckets[1]).toMatchObject({ start: '2026-03-08T05:00:00.000Z', end: '2026-03-09T04:00:00.000Z' });
  });

  it('and of a zone to the east', async () => {
    const stats = await days('Asia/Tokyo');
    expect(totals(stats)).toEqual({ '2026-03-07': 0, '2026-03-08': 3, '2026-03-09': 2 });
    expect(stats.buckets[0]).toMatchObject({ start: '2026-03-06T15:00:00.000Z', end: '2026-03-07T15:00:00.000Z' });
  });

  it('attributes each UTC hour to the half-hour zone’s day it starts in', async () => {
    const stats = await days('Asia/Kolkata');
    // The run at 00:15 on the 8th in Kolkata lies in the UTC hour that starts at 23:30 on the 7th: counted on the 7th.
    expect(totals(stats)).toEqual({ '2026-03-07': 1, '2026-03-08': 3, '2026-03-09': 1 });
    expect(stats.buckets[1]).toMatchObject({ start: '2026-03-07T18:30:00.000Z', end: '2026-03-08T18:30:00.000Z' });
  });

  it('gives the calendar in the same days, and 400 naming tz for an unknown zone', async () => {
    const calendar = async (tz: string) => (await admin.get(`/projects/${project.id}/calendar?month=2026-03&tz=${encodeURIComponent(tz)}`)).body;
    expect((await calendar('Asia/Tokyo')).days.map((d: { date: string; total: number }) => [d.date, d.total])).toEqual([
      ['2026-03-08', 3],
      ['2026-03-09', 2],
    ]);
    expect((await calendar('America/New_York')).days.map((d: { date: string; total: number }) => [d.date, d.total])).toEqual([
      ['2026-03-07', 2],
      ['2026-03-08', 3],
    ]);
    for (const path of ['/stats?tz=Mars/Olympus', '/calendar?tz=Nowhere', '/stats?granularity=hour&tz=Asia/Tokyo']) {
      const response = await admin.get(`/projects/${project.id}${path}`);
      expect(response.status).toBe(400);
      expect(response.body.details).toEqual([expect.stringMatching(/^tz:/)]);
    }
  });
});
