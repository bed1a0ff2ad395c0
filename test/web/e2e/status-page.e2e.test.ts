/**
 * Badges and the public status page in a real Chromium against a real server (chromium-session.ts): an
 * admin makes the links and turns the page on in the project settings, and the page, opened without
 * signing in, shows each chosen task's state and 90 daily bars built from twelve days of runs, paints
 * within a second and breaks no Content-Security-Policy rule. Screenshots: test-output/screenshots.
 */
import type { Page } from 'playwright-core';
import { ManualClock } from '../../support/manual-clock';
import { TEST_ADMIN } from '../../support/signed-in';
import { createProject, createTask, triggerTask, type TestProject } from '../../support/task-fixtures';
import type { TestServer } from '../../support/test-server';
import { type ChromiumSession, describeInChromium, openChromiumSession } from './chromium-session';

const DAY_MS = 86_400_000;
const DAYS_OF_RUNS = 12;

describeInChromium('badges and the public status page in Chromium', () => {
  // Runs on each of the last twelve days, then the page on the last one.
  const clock = new ManualClock(new Date(Date.now() - DAYS_OF_RUNS * DAY_MS));
  let session: ChromiumSession;
  let server: TestServer;
  let page: Page;
  let project: TestProject;

  beforeAll(async () => {
    session = await openChromiumSession({ clock });
    ({ server, page } = session);
  }, 60_000);

  afterAll(async () => {
    await session?.close();
  });

  /** One run of a task, triggered and finished by the project's key (keys do not expire as the clock moves). */
  async function run(taskId: string, status: 'SUCCESS' | 'FAILED'): Promise<void> {
    const executionId = await triggerTask(project.executor, project.id, taskId);
    const finished = await project.executor.post(`/executions/${executionId}/finish`, { status, duration_ms: 1200, ...(status === 'FAILED' ? { error: 'exit 1' } : {}) });
    expect(finished.status).toBe(200);
  }

  test('an admin makes the links and turns the page on; the page shows states and daily bars without signing in', async () => {
    project = await createProject(session.admin, { name: 'Shop <backend>' });
    // One-off runs in 2030: nothing scheduled gets in the way of the runs below.
    const oneOff = { schedule_type: 'ONEOFF', schedule_config: { run_at: '2030-01-01T00:00:00Z', timezone: 'UTC' }, execution_mode: 'pull' };
    const backup = await createTask(session.admin, project.id, { name: 'nightly-backup', tags: ['backup'], ...oneOff });
    const sync = await createTask(session.admin, project.id, { name: 'sync-orders', tags: ['orders'], ...oneOff });
    await createTask(session.admin, project.id, { name: 'not on the page', ...oneOff });
    for (let day = 0; day < DAYS_OF_RUNS; day++) {
      await run(backup.id, 'SUCCESS');
      await run(sync.id, day % 5 === 3 ? 'FAILED' : 'SUCCESS'); // days 3 and 8 fail
      if (day === 7) await run(sync.id, 'FAILED'); // a day with both
      await clock.advance(DAY_MS);
    }
    await run(sync.id, 'FAILED'); // today: sync-orders is down

    await session.signIn(TEST_ADMIN.email, TEST_ADMIN.password);
    await page.goto(`${server.url}/projects/${project.id}/settings`);
    const card = page.getByRole('region', { name: 'Badges and status page' });
    await card.getByRole('button', { name: 'Create public links' }).click();
    const statusUrl = card.getByLabel('Status page', { exact: true });
    await statusUrl.waitFor();
    await card.getByRole('img', { name: "The project's badge" }).waitFor();
    await card.getByLabel('Show the status page').check();
    await card.getByLabel('nightly-backup').check();
    await card.getByLabel('sync-orders').check();
    await card.getByRole('button', { name: 'Save status page' }).click();
    await card.getByText('Saved.').waitFor();
    expect(await card.getByRole('button', { name: /^Copy / }).count()).toBeGreaterThanOrEqual(5);
    await session.shot('14-public-links-settings');

    // Opened as anyone would: without the session cookie.
    const statusPath = new URL((await statusUrl.textContent())!).pathname;
    await session.context.clearCookies();
    const publicPage = page;
    const answer = await publicPage.goto(`${server.url}${statusPath}`);
    expect(answer?.status()).toBe(200);
    await publicPage.getByRole('heading', { name: 'Shop <backend>' }).waitFor();
    // Evaluated in the page (the tests' TypeScript has no DOM types).
    const timing = (await publicPage.evaluate(`(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      return { response: nav.responseEnd - nav.requestStart, loaded: nav.loadEventEnd - nav.startTime };
    })()`)) as { response: number; loaded: number };
    console.log(`status page: answered in ${timing.response.toFixed(1)} ms, loaded in ${timing.loaded.toFixed(1)} ms`);
    expect(timing.loaded).toBeLessThan(1000);

    expect(await publicPage.locator('.overall').getAttribute('data-state')).toBe('down');
    const tasks = publicPage.locator('li.task');
    expect(await tasks.locator('.task-name').allTextContents()).toEqual(['nightly-backup', 'sync-orders']);
    expect(await tasks.locator('.pill').allTextContents()).toEqual(['up', 'down']);
    expect(await tasks.nth(0).locator('li.day').count()).toBe(90);
    expect(await tasks.nth(0).locator('li.day.ok').count()).toBe(DAYS_OF_RUNS);
    expect(await tasks.nth(1).locator('li.day.failing').count()).toBe(3);
    expect(await tasks.nth(1).locator('li.day.partial').count()).toBe(1);
    expect(await tasks.nth(1).locator('li.day.ok').count()).toBe(DAYS_OF_RUNS - 3);
    expect(await tasks.nth(1).locator('li.day.none').count()).toBe(90 - DAYS_OF_RUNS - 1);
    // The bars have their colours from the page's own stylesheet (no inline styles under the CSP).
    const colour = await tasks.nth(0).locator('li.day.ok').first().evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(el).backgroundColor);
    expect(colour).toBe('rgb(45, 164, 78)');
    await session.shot('15-public-status-page');
    expect(session.cspViolations).toEqual([]);
  }, 120_000);
});
