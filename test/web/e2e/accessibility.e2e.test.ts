/**
 * Accessibility on every page the dashboard has, in Chromium: axe-core (accessibility.ts) in light and dark
 * theme, a check that axe really reports a planted violation, the skip link and visible focus by keyboard,
 * and layouts at 390 px and 1920 px without horizontal page overflow.
 */
import type { Page } from 'playwright-core';
import { capturedLogger } from '../../support/captured-logger';
import { TEST_ADMIN } from '../../support/signed-in';
import { accessibilityFindings, expectAccessible } from './accessibility';
import { type ChromiumSession, describeInChromium, openChromiumSession } from './chromium-session';

// The callbacks given to page.evaluate run in the browser; the server's type check has no DOM library.
declare const document: any;
declare const window: any;
declare function getComputedStyle(element: unknown): any;

describeInChromium('accessibility in Chromium', () => {
  let session: ChromiumSession;
  let page: Page;
  const log = capturedLogger();

  beforeAll(async () => {
    session = await openChromiumSession({ logger: log.logger });
    page = session.page;
  }, 60_000);

  afterAll(async () => {
    await session?.close();
  });

  /** Both themes: axe passes, and the page's background really changes with the system setting. */
  async function checkBothThemes(name: string): Promise<void> {
    const backgrounds: string[] = [];
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      backgrounds.push(await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor));
      await expectAccessible(page, `${name} (${colorScheme})`);
      await session.shot(`a11y-${name}-${colorScheme}`);
    }
    expect(backgrounds[0]).not.toBe(backgrounds[1]);
    await page.emulateMedia({ colorScheme: 'light' });
  }

  /** What the pages show: a project with a task that has a failed and an open run with logs, and an invited guest. */
  let project: { id: string };
  let task: { id: string };
  let inviteLink: string;

  // Every page is checked twice (light and dark), each check a full axe run: the pages are split in a few
  // tests, in order (the later ones are signed in), so each has its own time budget.
  test('the signed-out pages pass axe in light and dark theme, and axe reports a planted violation', async () => {
    const { server, admin } = session;
    project = (await admin.post('/projects', { name: 'Accessible jobs' })).body;
    task = (await admin.post(`/projects/${project.id}/tasks`, {
      name: 'backup',
      schedule_type: 'RECURRING',
      schedule_config: { cron_expression: '0 3 * * *', timezone: 'Europe/Berlin' },
      execution_mode: 'external',
    })).body;
    const done = (await admin.post(`/projects/${project.id}/tasks/${task.id}/runs`)).body.execution_id;
    expect((await admin.post(`/executions/${done}/finish`, { status: 'FAILED', error: 'disk full' })).status).toBe(200);
    const open = (await admin.post(`/projects/${project.id}/tasks/${task.id}/runs`)).body.execution_id;
    await admin.post(`/executions/${open}/logs`, { lines: [{ message: 'starting', level: 'info' }, { message: 'slow disk', level: 'warn' }, { message: 'retrying', level: 'error' }] });
    await admin.put(`/projects/${project.id}/members/guest@example.com`, { role: 'viewer' });
    inviteLink = String(log.entries().find((e) => e.email === 'guest@example.com')?.link);

    await page.goto(`${server.url}/login`);
    await page.getByRole('heading', { name: 'Sign in to Cron Observer' }).waitFor();
    await checkBothThemes('login');
    // The check can fail: an unlabeled input and white-on-white text are reported.
    await page.evaluate(() => {
      const input = document.createElement('input');
      input.id = 'planted';
      const low = document.createElement('p');
      low.textContent = 'hard to read';
      low.style.cssText = 'color:#f4f4f4;background:#fff';
      document.querySelector('form')?.append(input, low);
    });
    const planted = (await accessibilityFindings(page)).map((f) => f.rule);
    expect(planted).toEqual(expect.arrayContaining(['label', 'color-contrast']));

    await page.goto(`${server.url}/invite/${inviteLink.split('/invite/')[1]}`);
    await page.getByRole('heading').first().waitFor();
    await checkBothThemes('invite');
  }, 60_000);

  test('the projects, project, statistics and people pages pass axe in light and dark theme', async () => {
    const { server } = session;
    await session.signIn(TEST_ADMIN.email, TEST_ADMIN.password);
    await checkBothThemes('projects');
    await page.goto(`${server.url}/projects/${project.id}`);
    await page.getByRole('link', { name: 'backup' }).first().waitFor();
    await checkBothThemes('project');
    await page.goto(`${server.url}/projects/${project.id}/stats`);
    await page.getByTestId('stats-totals').waitFor();
    await checkBothThemes('statistics');
    await page.goto(`${server.url}/admin/users`);
    await page.getByRole('heading', { name: 'People' }).waitFor();
    await checkBothThemes('people');
  }, 60_000);

  test('the task pages pass axe in light and dark theme, also with the day picker open', async () => {
    const { server } = session;
    await page.goto(`${server.url}/projects/${project.id}/tasks/${task.id}`);
    await page.getByRole('heading', { name: 'backup' }).waitFor();
    await page.locator('li.execution').getByText('FAILED').first().waitFor();
    await page.getByRole('button', { name: /3 log lines/ }).click();
    await page.getByText('slow disk').waitFor();
    await checkBothThemes('task');
    // The day picker opens and closes by keyboard, and focus returns to its button.
    const trigger = page.getByRole('button', { name: /^Day:/ });
    await trigger.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor();
    await expectAccessible(page, 'task page with the day picker open');
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    expect(await trigger.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.goto(`${server.url}/projects/${project.id}/tasks/new`);
    await page.getByRole('button', { name: 'Create task' }).waitFor();
    await checkBothThemes('task-new');
    await page.goto(`${server.url}/projects/${project.id}/tasks/${task.id}/edit`);
    await page.getByRole('heading', { name: 'Edit backup' }).waitFor();
    await checkBothThemes('task-edit');
  }, 60_000);

  test('the settings, audit, account and quarantine pages pass axe in light and dark theme; no page broke the CSP', async () => {
    const { server } = session;
    await page.goto(`${server.url}/projects/${project.id}/settings`);
    await page.getByText('guest@example.com').first().waitFor();
    await checkBothThemes('settings');
    await page.goto(`${server.url}/projects/${project.id}/audit`);
    await page.getByRole('heading').first().waitFor();
    await checkBothThemes('audit');
    await page.goto(`${server.url}/account`);
    await page.getByRole('heading').first().waitFor();
    await checkBothThemes('account');
    await page.goto(`${server.url}/admin/quarantine`);
    await page.getByRole('heading').first().waitFor();
    await checkBothThemes('quarantine');
    expect(session.cspViolations).toEqual([]);
  }, 60_000);

  test('by keyboard: the skip link leads to the main content and every focused element shows its focus', async () => {
    await session.page.goto(`${session.server.url}/`);
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to main content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    for (const path of ['/', '/account']) {
      await page.goto(`${session.server.url}${path}`);
      await page.getByRole('heading').first().waitFor();
      for (let i = 0; i < 12; i += 1) {
        await page.keyboard.press('Tab');
        const focus = await page.evaluate(() => {
          const el = document.activeElement;
          if (!el || el === document.body) return null;
          const style = getComputedStyle(el);
          return { what: el.outerHTML.slice(0, 80), outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0, shadow: style.boxShadow !== 'none' };
        });
        if (!focus) break;
        expect({ what: focus.what, visible: focus.outline || focus.shadow }).toEqual({ what: focus.what, visible: true });
      }
    }
  }, 60_000);

  test('at 390 px and 1920 px no page scrolls sideways', async () => {
    const projects = (await session.admin.get('/projects')).body;
    const projectId = (projects.data ?? projects)[0].id;
    for (const width of [390, 1920]) {
      await page.setViewportSize({ width, height: 900 });
      for (const [name, path] of [['projects', '/'], ['project', `/projects/${projectId}`], ['settings', `/projects/${projectId}/settings`], ['statistics', `/projects/${projectId}/stats`], ['people', '/admin/users'], ['account', '/account']]) {
        await page.goto(`${session.server.url}${path}`);
        await page.getByRole('heading').first().waitFor();
        await page.waitForLoadState('networkidle');
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect({ name, width, overflow: overflow > 0 }).toEqual({ name, width, overflow: false });
        await session.shot(`a11y-${name}-${width}px`);
      }
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  }, 60_000);
});
