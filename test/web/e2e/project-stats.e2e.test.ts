/**
 * The project statistics page in a real Chromium against a real server (chromium-session.ts): runs seeded
 * through the API on two days (the server's clock moved between them), the chart's axes, legend and
 * values on hover and keyboard focus, the top failing and slowest tasks, range switching, axe-core.
 */
import type { Page } from 'playwright-core';
import type { ApiClient } from '../../support/api-client';
import { ManualClock } from '../../support/manual-clock';
import { logInAs, TEST_ADMIN } from '../../support/signed-in';
import { createProject, createTask, type TestProject, triggerTask } from '../../support/task-fixtures';
import type { TestServer } from '../../support/test-server';
import { expectAccessible } from './accessibility';
import { type ChromiumSession, describeInChromium, openChromiumSession } from './chromium-session';

const DAY = 86_400_000;

describeInChromium('project statistics page in Chromium', () => {
  // Two days ago, then now: the browser's today is the server's today.
  const clock = new ManualClock(new Date(Date.now() - 2 * DAY));
  let session: ChromiumSession;
  let server: TestServer;
  let admin: ApiClient;
  let page: Page;

  beforeAll(async () => {
    session = await openChromiumSession({ clock });
    ({ server, admin, page } = session);
  }, 60_000);

  afterAll(async () => {
    await session?.close();
  });

  const run = async (project: TestProject, taskId: string, status: 'SUCCESS' | 'FAILED', durationMs: number) => {
    const id = await triggerTask(admin, project.id, taskId);
    expect((await admin.as({ apiKey: project.apiKey }).post(`/executions/${id}/finish`, { status, duration_ms: durationMs })).status).toBe(200);
  };

  test('charts runs per day and hour with labelled axes and readable bars, and ranks the failing and slowest tasks', async () => {
    const project = await createProject(admin, { name: 'Stats', timezone: 'UTC' });
    const ids: Record<string, string> = {};
    for (const name of ['nightly-backup', 'report', 'sync']) ids[name] = (await createTask(admin, project.id, { name, status: 'DISABLED' })).id;
    // Two days ago: the backup fails twice and is slow; the report is quick.
    await run(project, ids['nightly-backup']!, 'FAILED', 95_000);
    await run(project, ids['nightly-backup']!, 'FAILED', 120_000);
    await run(project, ids['report']!, 'SUCCESS', 800);
    clock.set(new Date());
    admin = await logInAs(server.url, TEST_ADMIN.email, TEST_ADMIN.password);
    // Today: the backup recovers, sync fails once.
    await run(project, ids['nightly-backup']!, 'SUCCESS', 100_000);
    await run(project, ids['sync']!, 'FAILED', 3_000);
    await run(project, ids['sync']!, 'SUCCESS', 2_000);
    await server.services.projections.whenCaughtUp();

    await session.signIn(TEST_ADMIN.email, TEST_ADMIN.password);
    // Reached from the project page.
    await page.goto(`${server.url}/projects/${project.id}`);
    await page.getByRole('link', { name: 'Statistics' }).click();
    await page.waitForURL(`${server.url}/projects/${project.id}/stats`);
    await page.getByRole('heading', { name: 'Statistics' }).waitFor();
    const plot = page.getByRole('group', { name: /Runs per day: one bar per day/ });
    await plot.waitFor();
    expect(await page.getByTestId('stats-totals').textContent()).toBe('6 runs · 3 succeeded · 3 failed or timed out · 0 missed');
    // Axes and legend.
    await page.getByText('Day (days in UTC)').waitFor();
    expect(await page.locator('.stats-y-title').textContent()).toBe('Runs');
    expect(await page.getByRole('list', { name: 'Legend' }).getByRole('listitem').allTextContents()).toEqual([
      ' Succeeded',
      ' Failed or timed out',
      ' Missed',
      ' Cancelled or in progress',
    ]);
    const bars = plot.getByRole('button');
    expect(await bars.count()).toBe(7);
    const today = new Date().toISOString().slice(0, 10);
    const twoDaysAgo = new Date(Date.now() - 2 * DAY).toISOString().slice(0, 10);
    // Hover reads a bar out; so does keyboard focus, the arrow keys moving between bars.
    const readout = page.getByTestId('chart-readout');
    await bars.nth(6).hover();
    expect(await readout.textContent()).toBe(`${today} (UTC): 3 runs (2 succeeded, 1 failed or timed out)`);
    await session.shot('project-stats-hover');
    await page.mouse.move(0, 0);
    await page.getByRole('link', { name: 'Last 90 days' }).focus();
    await page.keyboard.press('Tab');
    expect(await bars.nth(6).evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    expect(await readout.textContent()).toBe(`${twoDaysAgo} (UTC): 3 runs (1 succeeded, 2 failed or timed out)`);
    expect(await bars.nth(4).getAttribute('aria-label')).toBe(`${twoDaysAgo} (UTC): 3 runs (1 succeeded, 2 failed or timed out)`);
    await session.shot('project-stats-focus');
    // Ranked tasks over the 7 days.
    const failingRows = page.getByTestId('top-failing').locator('tbody tr');
    expect(await failingRows.locator('th').allTextContents()).toEqual(['nightly-backup', 'sync']);
    expect(await failingRows.first().locator('td').allTextContents()).toEqual(['2', '67 %', '0', '0', '3']);
    const slowRows = page.getByTestId('slowest').locator('tbody tr');
    expect(await slowRows.locator('th').allTextContents()).toEqual(['nightly-backup', 'sync', 'report']);
    await expectAccessible(page, 'project statistics, 7 days');
    // The figures as a table.
    await page.getByText('Show the figures as a table').click();
    await page.getByRole('table', { name: 'Runs per day' }).getByRole('row', { name: new RegExp(twoDaysAgo) }).waitFor();
    await session.shot('project-stats-7d');

    // The last 24 hours: UTC hours, and only today's runs ranked.
    await page.getByRole('link', { name: 'Last 24 hours' }).click();
    await page.waitForURL(/\/stats\?range=24h$/);
    const hours = page.getByRole('group', { name: /Runs per hour: one bar per hour/ });
    await hours.waitFor();
    await page.getByText('Hour (UTC)').waitFor();
    expect(await hours.getByRole('button').count()).toBe(24);
    await failingRows.first().filter({ hasText: 'sync' }).waitFor();
    expect(await failingRows.locator('th').allTextContents()).toEqual(['sync']);
    await hours.getByRole('button').last().hover();
    expect(await readout.textContent()).toMatch(/UTC: 3 runs \(2 succeeded, 1 failed or timed out\)$/);
    await expectAccessible(page, 'project statistics, 24 hours');
    await session.shot('project-stats-24h');

    // 90 days, in the dark theme too.
    await page.getByRole('link', { name: 'Last 90 days' }).click();
    await page.waitForURL(/\/stats\?range=90d$/);
    await plot.getByRole('button').nth(89).waitFor();
    expect(await plot.getByRole('button').count()).toBe(90);
    await page.emulateMedia({ colorScheme: 'dark' });
    await expectAccessible(page, 'project statistics, 90 days, dark');
    await session.shot('project-stats-90d-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    // A phone's width: nothing wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await expectAccessible(page, 'project statistics, 390 px');
    await session.shot('project-stats-390');
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(session.cspViolations).toEqual([]);
  }, 60_000);
});
