/**
 * The project page as an overview, in a real Chromium against a real server (chromium-session.ts):
 * failing tasks first, the last runs as marks with details on hover and a link to the run, filters
 * and sort held in the address (a reload keeps them), a group folded, and a run reported by an
 * executor changing its row live without the list being fetched again.
 */
import type { Page } from 'playwright-core';
import type { ApiClient } from '../../support/api-client';
import { TEST_ADMIN } from '../../support/signed-in';
import { createProject, createTask, type TestProject, triggerTask } from '../../support/task-fixtures';
import type { TestServer } from '../../support/test-server';
import { waitFor } from '../../support/wait-for';
import { expectAccessible } from './accessibility';
import { type ChromiumSession, describeInChromium, openChromiumSession } from './chromium-session';

const YEARLY = { schedule_config: { cron_expression: '0 6 1 1 *', timezone: 'Europe/Berlin' } };

describeInChromium('project overview in Chromium', () => {
  let session: ChromiumSession;
  let server: TestServer;
  let admin: ApiClient;
  let page: Page;
  let project: TestProject;

  beforeAll(async () => {
    session = await openChromiumSession();
    ({ server, admin, page } = session);
  }, 60_000);

  afterAll(async () => {
    await session?.close();
  });

  const run = async (taskId: string, status: 'SUCCESS' | 'FAILED', durationMs: number) => {
    const executionId = await triggerTask(admin, project.id, taskId);
    const finished = await project.executor.post(`/executions/${executionId}/finish`, { status, duration_ms: durationMs, ...(status === 'FAILED' ? { error: 'boom' } : {}) });
    expect(finished.status).toBe(200);
    return executionId;
  };
  const taskNames = () => page.locator('tr.overview-row th[scope="row"] a').allTextContents();
  /** Waits until the rows are these tasks in this order (set-equal when `loose` names the one order not checked). */
  const namesBecome = async (expected: string[], loose?: 'sort') => {
    let seen: string[] = [];
    const same = (names: string[]) => (loose ? [...names].sort().join() === [...expected].sort().join() : names.join() === expected.join());
    await waitFor(async () => same((seen = await taskNames())), { what: `rows ${expected.join(', ')} (last seen: ${seen.join(', ')})` }).catch(() => {
      expect(seen).toEqual(expected);
    });
  };

  test('shows every task at a glance, finds, sorts and folds them through the address, and follows a run live', async () => {
    project = await createProject(admin, { name: 'Overview', timezone: 'UTC' });
    const group = await admin.post(`/projects/${project.id}/task-groups`, { name: 'Nightly' });
    const backup = await createTask(admin, project.id, { ...YEARLY, name: 'backup', task_group_id: group.body.id });
    const vacuum = await createTask(admin, project.id, { ...YEARLY, name: 'vacuum', task_group_id: group.body.id });
    const sync = await createTask(admin, project.id, { ...YEARLY, name: 'sync', tags: ['billing'] });
    const report = await createTask(admin, project.id, { ...YEARLY, name: 'report', tags: ['billing', 'eu'] });
    const idle = await createTask(admin, project.id, { ...YEARLY, name: 'idle' });
    for (let i = 1; i <= 4; i++) await run(sync.id, 'SUCCESS', i * 1000);
    const lastSync = await run(sync.id, 'SUCCESS', 9000);
    await run(report.id, 'SUCCESS', 500);
    await run(report.id, 'FAILED', 700);
    await run(backup.id, 'FAILED', 1200);
    await run(vacuum.id, 'SUCCESS', 300);
    await server.services.projections.whenCaughtUp();

    const overviewRequests: string[] = [];
    page.on('request', (request) => {
      if (/\/api\/v1\/projects\/[^/]+\/overview\?/.test(request.url())) overviewRequests.push(request.url());
    });
    await session.signIn(TEST_ADMIN.email, TEST_ADMIN.password);
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByRole('link', { name: 'sync' }).waitFor();
    // Groups with failing tasks first (both here, by name: Nightly, then the tasks without a group); failing first within.
    expect(await taskNames()).toEqual(['backup', 'vacuum', 'report', 'sync', 'idle']);
    const syncRow = page.locator(`tr[data-task-id="${sync.id}"]`);
    expect(await syncRow.locator('.state').textContent()).toContain('OK');
    expect(await page.locator(`tr[data-task-id="${report.id}"] .state`).textContent()).toContain('Failing');
    expect(await page.locator(`tr[data-task-id="${idle.id}"] .state`).textContent()).toContain('Never run');
    await syncRow.getByText('Europe/Berlin').first().waitFor();
    expect(await syncRow.textContent()).toMatch(/100 %.*\(5 runs\)/);
    const marks = syncRow.getByRole('link', { name: /^Run / });
    expect(await marks.count()).toBe(5);
    // The newest run is the last mark: hover shows when (with the zone), the outcome and the duration.
    const newest = marks.last();
    expect(await newest.getAttribute('aria-label')).toMatch(/^Run succeeded, .*(UTC|GMT).*, took 9\.0 s$/);
    await newest.hover();
    const tip = page.getByRole('tooltip');
    await tip.filter({ hasText: 'SUCCESS' }).waitFor();
    expect(await tip.textContent()).toMatch(/took 9\.0 s/);
    await session.shot('overview-01-glance');
    await expectAccessible(page, 'project overview');

    // A mark opens its run on the task page.
    await newest.click();
    await page.waitForURL(new RegExp(`/tasks/${sync.id}\\?run=${lastSync}$`));
    await page.getByTestId('run-details').locator(`li.execution[data-execution-id="${lastSync}"] button[aria-expanded="true"]`).waitFor();
    await page.goBack();
    await page.getByRole('link', { name: 'sync' }).waitFor();

    // Filters go into the address, and a reload keeps them.
    await page.getByLabel('Status').selectOption('failing');
    await page.waitForURL(/\?status=failing$/);
    await namesBecome(['backup', 'report']);
    await page.getByLabel('Tag').selectOption('eu');
    await page.waitForURL(/\?status=failing&tag=eu$/);
    await namesBecome(['report']);
    await page.reload();
    await namesBecome(['report']);
    expect(await page.getByLabel('Status').inputValue()).toBe('failing');
    await session.shot('overview-02-filtered');
    await expectAccessible(page, 'project overview, filtered');
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByLabel('Search tasks').fill('YNC');
    await page.waitForURL(/\?q=YNC$/);
    await namesBecome(['sync']);
    await page.getByLabel('Search tasks').fill('');
    await namesBecome(['backup', 'vacuum', 'report', 'sync', 'idle'], 'sort');

    // Sorting by a column header: within each group, by name, then the other way.
    const taskHeader = page.getByRole('columnheader', { name: /^Task/ });
    await taskHeader.getByRole('button').click();
    await page.waitForURL(/sort=name/);
    await namesBecome(['backup', 'vacuum', 'idle', 'report', 'sync']);
    expect(await taskHeader.getAttribute('aria-sort')).toBe('ascending');
    await taskHeader.getByRole('button').click();
    await namesBecome(['vacuum', 'backup', 'sync', 'report', 'idle']);
    expect(await taskHeader.getAttribute('aria-sort')).toBe('descending');
    expect(new URL(page.url()).search).toBe('?sort=name&order=desc');

    // A group folds its tasks, by keyboard too.
    const fold = page.getByRole('button', { name: 'Nightly' });
    await fold.focus();
    await page.keyboard.press('Enter');
    expect(await fold.getAttribute('aria-expanded')).toBe('false');
    await namesBecome(['sync', 'report', 'idle']);
    await session.shot('overview-03-sorted-folded');
    await expectAccessible(page, 'project overview, sorted, a group folded');
    await fold.click();
    await namesBecome(['backup', 'vacuum', 'report', 'sync', 'idle'], 'sort');

    // Live: a run of "idle" changes its row; the list is not fetched again.
    await page.getByTestId('live-state').filter({ hasText: 'live' }).waitFor();
    const listRequests = overviewRequests.length;
    await run(idle.id, 'FAILED', 4200);
    const idleRow = page.locator(`tr[data-task-id="${idle.id}"]`);
    await idleRow.locator('.state').filter({ hasText: 'Failing' }).waitFor();
    await idleRow.getByRole('link', { name: /^Run failed, .*took 4\.2 s$/ }).waitFor();
    expect(overviewRequests.length).toBe(listRequests);
    await session.shot('overview-04-live');
    expect(session.cspViolations).toEqual([]);
  }, 60_000);
});
