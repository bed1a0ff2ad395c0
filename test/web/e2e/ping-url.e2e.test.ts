/**
 * A task's ping URL in the dashboard, in a real Chromium against a real server: the snippet shown is
 * copied into a shell, run, and the run it records appears on the page live; the project's ping key is
 * made in the settings.
 */
import type { Page } from 'playwright-core';
import type { ApiClient } from '../../support/api-client';
import { shell } from '../../support/curl';
import { TEST_ADMIN } from '../../support/signed-in';
import type { TestServer } from '../../support/test-server';
import { type ChromiumSession, describeInChromium, openChromiumSession } from './chromium-session';

describeInChromium('ping URLs in the dashboard', () => {
  let session: ChromiumSession;
  let server: TestServer;
  let admin: ApiClient;
  let page: Page;
  let cspViolations: string[];

  beforeAll(async () => {
    session = await openChromiumSession();
    ({ server, admin, page, cspViolations } = session);
  }, 60_000);
  afterAll(async () => {
    await session?.close();
  });

  test('the crontab line shown on the task page records a run that appears live; an admin makes the ping key', async () => {
    const projectId = (await admin.post('/projects', { name: 'Pinged jobs' })).body.id as string;
    const task = (await admin.post(`/projects/${projectId}/tasks`, {
      name: 'nightly-backup',
      schedule_type: 'RECURRING',
      schedule_config: { cron_expression: '0 0 1 1 *', timezone: 'UTC' },
      execution_mode: 'external',
    })).body;
    await session.signIn(TEST_ADMIN.email, TEST_ADMIN.password);
    await page.goto(`${server.url}/projects/${projectId}/tasks/${task.id}`);
    const section = page.getByRole('region', { name: 'Ping URL' });
    await section.waitFor();
    await page.getByTestId('live-state').filter({ hasText: 'live' }).waitFor();
    const snippets = await section.getByTestId('ping-snippet').allTextContents();
    expect(snippets[0]).toBe(task.ping_url);
    await session.shot('ping-01-task-ping-url');

    // The crontab line as shown, with the job replaced by one that fails, and the URL's origin by this
    // test server's (PUBLIC_URL names port 0 here).
    const line = snippets[1]!.replace('0 3 * * * /path/to/job.sh', 'false').replace(new URL(task.ping_url).origin, server.url);
    expect((await shell(line)).code).toBe(0);
    const run = page.locator('li.execution').first();
    await run.getByText('FAILED').first().waitFor();

    await page.goto(`${server.url}/projects/${projectId}/settings`);
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Create ping key' }).click();
    const base = await page.getByTestId('ping-url-base').textContent();
    const { ping_key: key } = (await admin.get(`/projects/${projectId}/ping-key`)).body;
    expect(base).toBe(`${new URL(task.ping_url).origin}/ping/${key}/<slug>`);
    expect((await shell(`curl -fsS -o /dev/null ${server.url}/ping/${key}/nightly-backup`)).code).toBe(0);
    await session.shot('ping-02-settings-ping-key');
    expect(cspViolations).toEqual([]);
  }, 120_000);
});
