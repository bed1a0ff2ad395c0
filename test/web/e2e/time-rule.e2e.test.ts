/**
 * The one time rule and the quick search in a real Chromium (chromium-session.ts): the browser in New York,
 * a project in Berlin with a task in Tokyo and one in Berlin. Every time on the task page (next runs, the
 * day's runs, a run's details, the history), the days of the runs-per-day chart and the calendar show New
 * York by default, saying so; switched to "the task's zone" they show Tokyo's (or Berlin's). The quick
 * search jumps to a task by name and to a run by its id from the keyboard.
 */
import type { Page } from 'playwright-core';
import type { ApiClient } from '../../support/api-client';
import { ManualClock } from '../../support/manual-clock';
import { TEST_ADMIN } from '../../support/signed-in';
import { createProject, createTask, triggerTask } from '../../support/task-fixtures';
import type { TestServer } from '../../support/test-server';
import { expectAccessible } from './accessibility';
import { type ChromiumSession, describeInChromium, openChromiumSession } from './chromium-session';

// 02:30 UTC on June 1: still May 31 (22:30 EDT) in New York, June 1 in Tokyo (11:30) and Berlin (04:30).
const NOW = '2026-06-01T02:30:00.000Z';

describeInChromium('one time rule and quick search in Chromium', () => {
  let session: ChromiumSession;
  let server: TestServer;
  let admin: ApiClient;
  let page: Page;

  beforeAll(async () => {
    session = await openChromiumSession({ clock: new ManualClock(NOW) }, {}, { timezoneId: 'America/New_York' });
    ({ server, admin, page } = session);
    await session.context.clock.setFixedTime(new Date(NOW));
  }, 60_000);

  afterAll(async () => {
    await session?.close();
  });

  test('times, days and the calendar follow the setting and say their zone; the quick search jumps to tasks and runs', async () => {
    const project = await createProject(admin, { name: 'Zones', timezone: 'Europe/Berlin' });
    const tokyo = await createTask(admin, project.id, { name: 'tokyo-report', schedule_config: { cron_expression: '0 9 * * *', timezone: 'Asia/Tokyo' } });
    const berlin = await createTask(admin, project.id, { name: 'berlin-backup', schedule_config: { cron_expression: '0 6 * * *', timezone: 'Europe/Berlin' } });
    const run = await triggerTask(admin, project.id, tokyo.id);
    await triggerTask(admin, project.id, berlin.id);

    await session.signIn(TEST_ADMIN.email, TEST_ADMIN.password);

    // The quick search: `/`, a name, Enter → the task.
    await page.keyboard.press('/');
    const dialog = page.getByRole('dialog', { name: 'Go to a project, task or run' });
    await dialog.getByRole('combobox').fill('TOKYO-rep');
    await dialog.getByRole('option', { name: /tokyo-report/ }).waitFor();
    await expectAccessible(page, 'quick search open');
    await session.shot('time-rule-01-quick-search');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${server.url}/projects/${project.id}/tasks/${tokyo.id}`);
    await page.getByRole('heading', { name: 'tokyo-report' }).waitFor();

    // By default: my zone, New York, said on each time.
    const nextRuns = page.getByTestId('next-runs');
    await nextRuns.getByText('In America/New_York (your zone)').waitFor();
    await nextRuns.getByText('Jun 1, 2026, 8:00:00 PM EDT').waitFor();
    await page.getByTestId('executions-zone').getByText('America/New_York (your zone)').waitFor();
    const executions = page.getByRole('list', { name: 'Executions of 2026-05-31' });
    await executions.getByRole('button', { name: /May 31, 2026, 10:30:00 PM EDT/ }).waitFor();
    await page.getByRole('img', { name: /^2026-05-31: 1 runs/ }).waitFor();
    await page.getByRole('figure', { name: 'Runs per day (America/New_York)' }).waitFor();
    await page.getByText(/\(days in America\/New_York\)/).waitFor();
    await page.getByRole('button', { name: /Day: Sunday, May 31, 2026 \(America\/New_York\)/ }).click();
    await page.getByRole('button', { name: 'Sunday, May 31, 2026: 1 run' }).waitFor();
    await page.getByText('Days in America/New_York.').waitFor();
    await expectAccessible(page, 'task page, my zone, calendar open');
    await session.shot('time-rule-02-task-my-zone');
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Sunday, May 31, 2026: 1 run' }).waitFor({ state: 'detached' });

    // The setting, on the account page.
    await page.getByRole('link', { name: TEST_ADMIN.email }).click();
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    await page.getByRole('radio', { name: /My zone: America\/New_York/ }).waitFor();
    await page.getByRole('radio', { name: /The task's zone/ }).check();
    expect(await page.getByLabel('Times in').inputValue()).toBe('task');
    await expectAccessible(page, 'account page with the time setting');
    await session.shot('time-rule-03-account-setting');

    // The run by its id, from the quick search (Ctrl+K this time): its details in Tokyo's zone.
    await page.keyboard.press('Control+k');
    await dialog.getByRole('combobox').fill(run);
    await dialog.getByRole('option', { name: /tokyo-report/ }).waitFor();
    await page.keyboard.press('Enter');
    await page.waitForURL(`${server.url}/projects/${project.id}/tasks/${tokyo.id}?run=${run}`);
    const details = page.getByTestId('run-details');
    await details.getByRole('button', { name: /Jun 1, 2026, 11:30:00 AM GMT\+9/ }).waitFor();
    await details.getByRole('list', { name: 'Run history' }).getByText(/Jun 1, 2026, 11:30:\d\d AM GMT\+9/).first().waitFor();

    // Everything on the page moved to Tokyo: next runs, the day, its runs, the chart's days, the calendar.
    await nextRuns.getByText("In Asia/Tokyo (the task's zone)").waitFor();
    await nextRuns.getByText('Jun 2, 2026, 9:00:00 AM GMT+9').waitFor();
    await page.getByRole('list', { name: 'Executions of 2026-06-01' }).getByRole('button', { name: /Jun 1, 2026, 11:30:00 AM GMT\+9/ }).waitFor();
    await page.getByRole('img', { name: /^2026-06-01: 1 runs/ }).waitFor();
    expect(await page.getByRole('img', { name: /^2026-05-31: 1 runs/ }).count()).toBe(0);
    await page.getByText(/\(days in Asia\/Tokyo\)/).waitFor();
    const timeline = page.getByRole('region', { name: 'Audit timeline' });
    await timeline.getByText(/^Jun 1, 2026, \d+:\d\d:\d\d AM GMT\+9$/).first().waitFor();
    expect(await timeline.getByText(/EDT$/).count()).toBe(0);
    await expectAccessible(page, 'task page with a run open, the task zone');
    await session.shot('time-rule-04-run-task-zone');
    await page.getByRole('button', { name: /Day: Monday, June 1, 2026 \(Asia\/Tokyo\)/ }).click();
    await page.getByRole('button', { name: 'Monday, June 1, 2026: 1 run' }).waitFor();
    await page.getByText('Days in Asia/Tokyo.').waitFor();
    await expectAccessible(page, 'calendar in the task zone');
    await session.shot('time-rule-05-calendar-task-zone');
    await page.keyboard.press('Escape');

    // The other task is in Berlin: its own zone there; the top bar switch brings back mine.
    await page.goto(`${server.url}/projects/${project.id}/tasks/${berlin.id}`);
    await nextRuns.getByText("In Europe/Berlin (the task's zone)").waitFor();
    await nextRuns.getByText('Jun 2, 2026, 6:00:00 AM GMT+2').waitFor();
    await page.getByRole('list', { name: 'Executions of 2026-06-01' }).getByRole('button', { name: /Jun 1, 2026, 4:30:00 AM GMT\+2/ }).waitFor();
    await page.getByLabel('Times in').selectOption('mine');
    await nextRuns.getByText('Jun 2, 2026, 12:00:00 AM EDT').waitFor();
    await page.getByRole('list', { name: 'Executions of 2026-05-31' }).getByRole('button', { name: /May 31, 2026, 10:30:00 PM EDT/ }).waitFor();
    await expectAccessible(page, 'task page in Berlin, my zone');
    await session.shot('time-rule-06-berlin-my-zone');
    expect(session.cspViolations).toEqual([]);
  }, 60_000);
});
