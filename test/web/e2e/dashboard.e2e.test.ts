/**
 * The dashboard end to end in a real Chromium against a real server (chromium-session.ts): the main
 * journey, a viewer's view, an edit conflict, the API docs, and the browser defences.
 */
import { CronObserver, silentLogger } from '@cron-observer/sdk';
import type { Page } from 'playwright-core';
import { ApiClient } from '../../support/api-client';
import { strongPassword } from '../../support/passwords';
import { newSignedInUser, TEST_ADMIN } from '../../support/signed-in';
import type { TestServer } from '../../support/test-server';
import { type ChromiumSession, describeInChromium, openChromiumSession } from './chromium-session';

const VIEWER = { email: 'viewer@example.com', password: strongPassword('viewer') };

describeInChromium('dashboard in Chromium', () => {
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

  const shot = (name: string) => session.shot(name);
  const signIn = (email: string, password: string) => session.signIn(email, password);

  test('sign in, create a project and a task, trigger it, watch an executor report live, and a viewer cannot edit', async () => {
    // Signing in: the session is the HttpOnly cookie; the page shows who is signed in.
    await page.goto(`${server.url}/`);
    await page.getByRole('heading', { name: 'Sign in to Cron Observer' }).waitFor();
    await page.getByLabel('Password').fill('wrong password');
    await page.getByLabel('Email').fill(TEST_ADMIN.email);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Sign-in failed' }).waitFor();
    await shot('01-login-error');
    await signIn(TEST_ADMIN.email, TEST_ADMIN.password);
    expect(await page.evaluate('document.cookie')).toBe(''); // HttpOnly: scripts cannot read the session
    await page.getByText('You are not a member of any project yet').waitFor();
    await page.getByText(TEST_ADMIN.email).waitFor();

    // A project; its key and signing secret are shown once.
    await page.getByRole('button', { name: 'New project' }).click();
    await page.getByLabel('Name').fill('Nightly jobs');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('region', { name: 'API key (write scope)' }).waitFor();
    await shot('02-project-created');
    await page.getByRole('link', { name: 'Open it' }).click();
    await page.getByRole('heading', { name: 'Nightly jobs' }).waitFor();
    const projectId = page.url().split('/projects/')[1]!;
    await page.getByText('No tasks yet').waitFor();
    await page.getByTestId('current-role').filter({ hasText: 'admin' }).waitFor();

    // A task: the cron is described in words, and the next runs are previewed.
    await page.getByRole('link', { name: 'New task' }).click();
    await page.getByLabel('Name (executors route by it)').fill('backup');
    await page.getByLabel('Cron expression').fill('30 2 * * *');
    await page.getByText('At 02:30').waitFor();
    await page.getByLabel('Time zone').fill('America/New_York');
    await page.getByLabel('When DST skips the time (spring forward)').selectOption('shift');
    const preview = page.getByRole('list', { name: 'Next runs' });
    await preview.getByRole('listitem').first().filter({ hasText: /02:30 \(UTC-0[45]:00\) America\/New_York/ }).waitFor();
    expect(await preview.getByRole('listitem').count()).toBe(8);
    await shot('03-task-form');
    await page.getByRole('button', { name: 'Create task' }).click();
    await page.getByRole('heading', { name: 'backup' }).waitFor();
    const taskUrl = page.url();
    await page.getByTestId('live-state').filter({ hasText: 'live' }).waitFor();
    await page.getByText('No executions on').waitFor();
    await page.getByTestId('stats-totals').filter({ hasText: '0 runs' }).waitFor();

    // An ingest key for the executor, made in the settings; the viewer is added there too.
    await page.getByRole('link', { name: 'Nightly jobs' }).click();
    await page.getByRole('link', { name: 'Settings, members and keys' }).click();
    await page.getByLabel('Key name').fill('executor');
    await page.getByRole('button', { name: 'Create key' }).click();
    const keyRegion = page.getByRole('region', { name: 'API key “executor” (ingest)' });
    const apiKey = (await keyRegion.getByTestId('secret-value').textContent())!.trim();
    expect(apiKey.length).toBeGreaterThan(20);
    await page.getByRole('row', { name: /executor/ }).waitFor();
    await newSignedInUser(admin, VIEWER.email, 'viewer');
    await page.getByLabel('Email').fill(VIEWER.email);
    await page.getByLabel('Role', { exact: true }).selectOption('viewer');
    await page.getByRole('button', { name: 'Add member' }).click();
    await page.getByRole('combobox', { name: `Role of ${VIEWER.email}` }).waitFor();
    expect(await page.getByRole('combobox', { name: `Role of ${VIEWER.email}` }).inputValue()).toBe('viewer');
    await shot('04-settings');

    // Trigger now: the run appears; expanded, its logs tail while the executor reports.
    await page.goto(taskUrl);
    await page.getByTestId('live-state').filter({ hasText: 'live' }).waitFor();
    await page.getByRole('button', { name: 'Trigger now' }).click();
    const run = page.locator('li.execution').first();
    await run.waitFor();
    const executionId = (await run.getAttribute('data-execution-id'))!;
    await run.getByRole('button', { expanded: false }).click();
    await run.getByText('No log lines yet').waitFor();

    const observer = new CronObserver({ url: server.url, apiKey, logger: silentLogger });
    const reporter = observer.reporter(executionId);
    await reporter.start();
    reporter.log('Dumping the database');
    reporter.log('12 tables, 3.1 GB', 'info');
    await reporter.flush();
    await run.getByText('Dumping the database').waitFor();
    await run.getByText('RUNNING').first().waitFor();
    reporter.log('Upload slow, retrying', 'warn');
    await reporter.flush();
    await run.getByText('Upload slow, retrying').waitFor();
    await shot('05-task-running-logs');
    await reporter.succeed();
    await reporter.close();

    await run.getByText('SUCCESS').first().waitFor();
    await page.getByTestId('stats-totals').filter({ hasText: '1 run, 1 succeeded, 0 failed' }).waitFor();
    await page.getByRole('list', { name: 'Log lines' }).getByRole('listitem').nth(2).waitFor();
    // The audit timelines name the actors: the admin (you) and the executor's key.
    await page.getByText('TaskCreated').waitFor();
    const runHistory = run.getByRole('list', { name: 'Run history' });
    await runHistory.getByRole('listitem').filter({ hasText: 'by you' }).first().waitFor();
    await runHistory.getByRole('listitem').filter({ hasText: /ExecutionSucceeded.*by API key “executor”/ }).waitFor();
    await shot('06-task-success');

    // The calendar marks today with its run.
    await page.getByRole('button', { name: /^Day: .* Change day$/ }).click();
    const today = page.locator('.calendar .day.today');
    await today.and(page.locator('.has-runs')).waitFor();
    expect(await today.getAttribute('aria-label')).toMatch(/: 1 run$/);
    await shot('07-calendar');
    await page.keyboard.press('Escape');

    // The project page: tasks with their state, mode, last runs and next run.
    await page.getByRole('link', { name: 'Nightly jobs' }).click();
    const row = page.getByRole('row', { name: /backup/ });
    await row.getByRole('link', { name: /^Run succeeded/ }).waitFor();
    expect(await row.textContent()).toMatch(/OK.*backup.*pull/);
    await shot('08-project');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot('09-project-phone');
    await page.goto(taskUrl);
    await page.getByTestId('stats-totals').waitFor();
    await shot('10-task-phone');
    await page.setViewportSize({ width: 1280, height: 900 });

    // Sign out; the viewer sees the same pages without any edit control.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Cron Observer' }).waitFor();
    await signIn(VIEWER.email, VIEWER.password);
    await page.getByRole('link', { name: 'Nightly jobs' }).click();
    await page.getByRole('row', { name: /backup/ }).waitFor();
    await page.getByTestId('current-role').filter({ hasText: 'viewer' }).waitFor();
    expect(await page.getByRole('link', { name: 'New task' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'New group' }).count()).toBe(0);
    await page.getByRole('link', { name: 'backup' }).click();
    await page.getByTestId('stats-totals').filter({ hasText: '1 run,' }).waitFor();
    await page.locator('li.execution').first().waitFor();
    for (const name of ['Trigger now', 'Disable', 'Delete', 'Cancel run']) expect(await page.getByRole('button', { name }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Edit' }).count()).toBe(0);
    await shot('11-task-as-viewer');
    await page.goto(`${server.url}/projects/${projectId}/settings`);
    await page.getByText('Only project admins can change these settings; your role is viewer.').waitFor();
    expect(await page.getByRole('button', { name: /Create key|Add member|Save details|Rotate/ }).count()).toBe(0);
    await page.goto(`${taskUrl}/edit`);
    await page.getByText(/can view this project's tasks but not create or change them/).waitFor();
    // And the API refuses the viewer anyway.
    const refused = await page.evaluate(async (url) => (await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' } })).status, `${server.url}/api/v1/projects/${projectId}/tasks/${taskUrl.split('/tasks/')[1]}/trigger`);
    expect(refused).toBe(403);
    // The viewer changes their own password from the account page (a cookie-authenticated write).
    await page.goto(`${server.url}/`);
    await page.getByRole('link', { name: VIEWER.email }).click();
    await page.getByRole('heading', { name: 'Change your password' }).waitFor();
    await page.getByLabel('Current password').fill(VIEWER.password);
    await page.getByLabel('New password', { exact: true }).fill(strongPassword('viewer renewed'));
    await page.getByLabel('Repeat the new password').fill(strongPassword('viewer renewed'));
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Your password is changed.').waitFor();
    await shot('11b-account-password-changed');
    expect((await new ApiClient(server.url).post('/auth/login', VIEWER)).status).toBe(401);
    expect((await new ApiClient(server.url).post('/auth/login', { email: VIEWER.email, password: strongPassword('viewer renewed') })).status).toBe(200);
    // The dashboard's pages, walked above as admin and as viewer, ran within the Content-Security-Policy.
    expect(cspViolations).toEqual([]);
  }, 180_000);

  test("an edit over someone else's change is refused and shown; compared, it is saved over the current values", async () => {
    const project = await admin.post('/projects', { name: 'Concurrent edits' });
    const projectId = project.body.id as string;
    const created = await admin.post(`/projects/${projectId}/tasks`, {
      name: 'report',
      schedule_type: 'RECURRING',
      schedule_config: { cron_expression: '0 6 * * *', timezone: 'UTC' },
      timeout_seconds: 600,
    });
    const taskId = created.body.id as string;
    await page.context().clearCookies();
    await signIn(TEST_ADMIN.email, TEST_ADMIN.password);
    await page.goto(`${server.url}/projects/${projectId}/tasks/${taskId}/edit`);
    await page.getByRole('heading', { name: 'Edit report' }).waitFor();
    await page.getByLabel('Timeout (seconds, empty: none)').fill('120');

    // Meanwhile another client changes the task.
    const other = await admin.put(`/projects/${projectId}/tasks/${taskId}`, { ...created.body, timeout_seconds: 900, description: 'changed elsewhere' });
    expect(other.status).toBe(200);

    await page.getByRole('button', { name: 'Save changes' }).click();
    const conflict = page.getByRole('alert', { name: 'Edit conflict' });
    await conflict.getByText('This task was changed by someone else since you opened it.').waitFor();
    await conflict.getByRole('button', { name: 'Compare' }).click();
    const timeout = conflict.getByRole('row', { name: /^Timeout/ });
    await timeout.waitFor();
    expect(await timeout.getByRole('cell').allTextContents()).toEqual(['120', '900']);
    await shot('12-edit-conflict');
    expect((await admin.get(`/projects/${projectId}/tasks/${taskId}`)).body.timeout_seconds).toBe(900); // nothing saved yet

    await conflict.getByRole('button', { name: 'Save mine over the current values' }).click();
    // Exactly "report": the task page, reached once the save is answered (the edit page's "Edit report" matches a substring).
    await page.getByRole('heading', { name: 'report', exact: true }).waitFor();
    const saved = (await admin.get(`/projects/${projectId}/tasks/${taskId}`)).body;
    expect(saved).toMatchObject({ timeout_seconds: 120, description: 'changed elsewhere' });
  }, 120_000);
  test('the API docs render under their own policy, and every page refuses to be framed', async () => {
    const response = (await page.goto(`${server.url}/api/docs/`))!;
    expect(response.headers()['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    await page.getByText('Cron Observer', { exact: false }).first().waitFor();
    await page.locator('.opblock').first().waitFor();
    await shot('12-api-docs');
    expect(cspViolations).toEqual([]);

    // A page that frames the dashboard gets Chromium's error page instead: frame-ancestors 'none'.
    await page.goto('about:blank');
    await page.setContent(`<iframe src="${server.url}/"></iframe>`); // waits for the frame's load event
    const frame = await (await page.$('iframe'))!.contentFrame();
    expect(frame!.url()).toMatch(/^chrome-error:/);
  }, 60_000);
});
