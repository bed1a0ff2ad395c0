import type { ApiClient } from '../support/api-client';
import { ManualClock } from '../support/manual-clock';
import { startServerWithAdmin } from '../support/signed-in';
import { createProject, createTask } from '../support/task-fixtures';
import type { TestServer } from '../support/test-server';

describe('schedule preview API', () => {
  let server: TestServer;
  let admin: ApiClient;
  const clock = new ManualClock('2026-03-06T12:00:00.000Z');

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin({ clock }));
  });
  afterAll(() => server.stop());

  it('lists the next occurrences in UTC and local time, flagging a spring-forward shift', async () => {
    const preview = await admin.post('/schedules/preview', {
      schedule_type: 'RECURRING',
      schedule_config: { cron_expression: '30 2 * * *', timezone: 'America/New_York' },
      count: 3,
    });
    expect(preview.status).toBe(200);
    expect(preview.body).toEqual({
      timezone: 'America/New_York',
      occurrences: [
        { at: '2026-03-07T07:30:00.000Z', local: '2026-03-07T02:30:00-05:00', dst: null },
        // 02:30 does not exist on 8 March: it runs at 03:00 EDT.
        { at: '2026-03-08T07:00:00.000Z', local: '2026-03-08T03:00:00-04:00', dst: 'gap_shifted' },
        { at: '2026-03-09T06:30:00.000Z', local: '2026-03-09T02:30:00-04:00', dst: null },
      ],
    });
  });

  it("previews a task's schedule, interval schedules counting from the task's creation", async () => {
    const project = await createProject(admin);
    const task = await createTask(admin, project.id, { schedule_config: { interval: { value: 90, unit: 'm' }, timezone: 'Europe/Paris' } });
    await clock.advance(60 * 60_000);
    const preview = await admin.get(`/projects/${project.id}/tasks/${task.id}/preview?count=2`);
    expect(preview.body.occurrences.map((o: { at: string }) => o.at)).toEqual(['2026-03-06T13:30:00.000Z', '2026-03-06T15:00:00.000Z']);
    expect(preview.body.occurrences[0].local).toBe('2026-03-06T14:30:00+01:00');
  });

  it('answers 400 with details for an invalid schedule or count', async () => {
    const invalid = await admin.post('/schedules/preview', { schedule_type: 'RECURRING', schedule_config: { cron_expression: 'often', timezone: 'UTC' } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.details).toEqual([expect.stringMatching(/^schedule_config\.cron_expression:/)]);
    const count = await admin.post('/schedules/preview', { schedule_type: 'RECURRING', schedule_config: { cron_expression: '* * * * *', timezone: 'UTC' }, count: 101 });
    expect(count.status).toBe(400);
    expect((await admin.as(null).post('/schedules/preview', { schedule_type: 'ONEOFF', schedule_config: { timezone: 'UTC' } })).status).toBe(401);
  });
});
