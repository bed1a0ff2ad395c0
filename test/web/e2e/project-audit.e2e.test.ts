/**
 * The project audit page in a real Chromium against a real server (chromium-session.ts): reached from
 * the project page, filtered through the address, and a task's definition compared before and
 * after a change, with no CSP violation.
 */
import type { Page } from 'playwright-core';
import type { ApiClient } from '../../support/api-client';
import { TEST_ADMIN } from '../../support/signed-in';
import { createProject, createTask } from '../../support/task-fixtures';
import type { TestServer } from '../../support/test-server';
import { type ChromiumSession, describeInChromium, openChromiumSession } from './chromium-session';

describeInChromium('project audit page in Chromium', () => {
  let session: ChromiumSession;
  let server: TestServer;
  let admin: ApiClient;
  let page: Page;

  beforeAll(async () => {
    session = await openChromiumSession();
    ({ server, admin, page } = session);
  }, 60_000);

  afterAll(async () => {
    await session?.close();
  });

  test('filters the history through the address, and shows a task before and after an edit side by side', async () => {
    const project = await createProject(admin, { name: 'Audited' });
    const task = await createTask(admin, project.id, { name: 'backup', description: 'first' });
    const edited = await admin.put(`/projects/${project.id}/tasks/${task.id}`, { ...task, description: 'second', timeout_seconds: 600 });
    expect(edited.status).toBe(200);
    for (const name of ['deploy', 'report']) await admin.post(`/projects/${project.id}/api-keys`, { name, scope: 'read' });

    await session.signIn(TEST_ADMIN.email, TEST_ADMIN.password);
    await page.getByRole('link', { name: 'Audited' }).click();
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    const rows = page.getByRole('table', { name: 'Audit log' }).locator('tbody tr');
    // Newest first: the last key created heads the page.
    await rows.first().filter({ hasText: 'API key “report” (read) created' }).waitFor();

    // A filter goes into the address, and an address with filters shows exactly them.
    await page.getByLabel('Event types (comma-separated)').fill('TaskCreated,TaskUpdated');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/\/audit\?type=TaskCreated%2CTaskUpdated$/);
    await rows.first().filter({ hasText: 'Task “backup” updated' }).waitFor();
    expect(await rows.count()).toBe(2);
    await page.goto(`${server.url}/projects/${project.id}/audit?type=ApiKeyCreated&order=asc`);
    await rows.first().filter({ hasText: 'API key' }).waitFor();
    expect(await rows.allTextContents()).toEqual([
      expect.stringContaining('(write) created'),
      expect.stringContaining('API key “deploy” (read) created'),
      expect.stringContaining('API key “report” (read) created'),
    ]);

    // Compare the task just before and at its edit.
    await page.goto(`${server.url}/projects/${project.id}/audit?type=TaskUpdated`);
    await rows.first().getByRole('link', { name: 'compare before/after' }).click();
    const diff = page.getByRole('table', { name: 'Task definition compared' });
    await diff.getByText('second', { exact: true }).waitFor();
    const changed = diff.locator('tr[data-changed="true"] th');
    expect(await changed.allTextContents()).toEqual(['description (changed)', 'timeout_seconds (changed)', 'updated_at (changed)']);
    expect(await diff.locator('tr[data-changed="true"]').first().locator('td').allTextContents()).toEqual(['first', 'second']);
    expect(new URL(page.url()).searchParams.get('task')).toBe(task.id);
    await session.shot('13-project-audit-diff');
    expect(session.cspViolations).toEqual([]);
  }, 60_000);
});
