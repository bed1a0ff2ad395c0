/**
 * People and keys in a real Chromium against a real server (chromium-session.ts): a fresh project's
 * first-run guide makes a key and its copied curl commands, run for real, put the first run on the page;
 * a project admin sees that key's scope and last use and revokes it (401 after); a super admin invites
 * someone (accepted through the invite page), disables and enables an account (its session refused) and
 * resets a password; the invited person ends another session of theirs and changes their password.
 */
import { execFile } from 'node:child_process';
import type { Page } from 'playwright-core';
import { ApiClient } from '../../support/api-client';
import { capturedLogger } from '../../support/captured-logger';
import { strongPassword } from '../../support/passwords';
import { logInAs, TEST_ADMIN } from '../../support/signed-in';
import type { TestServer } from '../../support/test-server';
import { waitFor } from '../../support/wait-for';
import { expectAccessible } from './accessibility';
import { type ChromiumSession, describeInChromium, openChromiumSession } from './chromium-session';

function sh(line: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('/bin/sh', ['-c', line], (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

describeInChromium('people and keys in Chromium', () => {
  let session: ChromiumSession;
  let server: TestServer;
  let admin: ApiClient;
  let page: Page;
  const log = capturedLogger();

  beforeAll(async () => {
    session = await openChromiumSession({ logger: log.logger });
    ({ server, admin, page } = session);
    // Every confirmation (disable, revoke, reset, end session) is answered yes.
    page.on('dialog', (dialog) => void dialog.accept());
  }, 60_000);

  afterAll(async () => {
    await session?.close();
  });

  test('first run from the guide, then the key seen and revoked', async () => {
    const projectId = (await admin.post('/projects', { name: 'Fresh' })).body.id as string;
    await session.signIn(TEST_ADMIN.email, TEST_ADMIN.password);
    await page.getByRole('link', { name: 'Fresh' }).click();
    const guide = page.getByRole('region', { name: /your first run in two minutes/ });
    await guide.waitFor();
    await expectAccessible(page, 'the first-run guide');
    await guide.getByRole('button', { name: 'Create an API key for these commands' }).click();
    const key = (await guide.getByTestId('secret-value').textContent())!.trim();
    expect(key.length).toBeGreaterThan(20);
    const snippets = await guide.getByTestId('ping-snippet').allTextContents();
    expect(snippets.every((s) => s.includes(key) && s.includes(projectId))).toBe(true);
    await session.shot('people-01-first-run-guide');

    // The commands as copied from the page: the task, then a run of it.
    expect(await sh(snippets[0]!)).toMatchObject({ code: 0 });
    expect(await sh(snippets[1]!)).toMatchObject({ code: 0 });
    await page.getByRole('link', { name: 'first-job' }).click();
    await page.getByText('SUCCESS').first().waitFor();
    await session.shot('people-02-first-run-arrived');

    // The project admin sees the key, its scope and its last use, and revokes it.
    await page.goto(`${server.url}/projects/${projectId}/settings`);
    const row = page.getByRole('row', { name: /first run/ });
    await row.waitFor();
    // Scope, and the last use by the commands above, with its zone.
    expect(await row.locator('td[data-label="Scope"]').textContent()).toBe('write');
    expect(await row.locator('td[data-label="Last used"]').textContent()).toMatch(/^[A-Z][a-z]{2} \d{1,2}, \d{4}, .* UTC$/);
    await expectAccessible(page, 'the project settings with API keys');
    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.getByText(/revoked/).waitFor();
    await session.shot('people-03-key-revoked');
    expect((await new ApiClient(server.url, { apiKey: key }).get(`/projects/${projectId}/tasks`)).status).toBe(401);
  }, 60_000);

  test('a super admin invites, disables, enables and resets; the invited person manages their own sessions and password', async () => {
    const bo = { email: 'bo@example.com', password: strongPassword('bo') };
    expect((await admin.post('/users', { email: bo.email, name: 'Bo Lindqvist', password: bo.password })).status).toBe(201);
    const boClient = await logInAs(server.url, bo.email, bo.password);

    await page.goto(`${server.url}/`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'People' }).click();
    await page.getByRole('heading', { name: 'People' }).waitFor();
    await page.getByRole('row', { name: /bo@example\.com/ }).waitFor();
    await expectAccessible(page, 'the people page');

    // Invite: a new member of Fresh, with a one-time link (in the log without a mail server).
    await page.getByLabel('Email').fill('cy@example.com');
    await page.getByLabel('Project').selectOption({ label: 'Fresh' });
    await page.getByLabel('Role').selectOption('editor');
    await page.getByRole('button', { name: 'Invite' }).click();
    await page.getByRole('status').filter({ hasText: 'Invited cy@example.com as editor' }).waitFor();
    await page.getByRole('row', { name: /cy@example\.com/ }).getByText('invited').waitFor();

    // Disable Bo: his session is refused at once; enable him again: he signs in.
    await page.getByRole('button', { name: 'Disable bo@example.com' }).click();
    await page.getByRole('button', { name: 'Enable bo@example.com' }).waitFor();
    expect((await boClient.get('/auth/me')).status).toBe(401);
    await session.shot('people-04-disabled');
    await page.getByRole('button', { name: 'Enable bo@example.com' }).click();
    await page.getByRole('button', { name: 'Disable bo@example.com' }).waitFor();
    expect((await (await logInAs(server.url, bo.email, bo.password)).get('/auth/me')).status).toBe(200);

    // Reset Bo's password: the new one works, the old one no longer.
    const bosRow = page.getByRole('row', { name: /bo@example\.com/ });
    await bosRow.getByText('Reset password').click();
    const next = strongPassword('bo-next');
    await bosRow.getByLabel('New password for bo@example.com').fill(next);
    await bosRow.getByLabel('Repeat the new password').fill(next);
    await bosRow.getByRole('button', { name: 'Set password' }).click();
    await bosRow.getByText('Password set.').waitFor();
    expect((await new ApiClient(server.url).post('/auth/login', { email: bo.email, password: bo.password })).status).toBe(401);
    expect((await logInAs(server.url, bo.email, next)).constructor).toBe(ApiClient);
    await session.shot('people-05-password-reset');

    // Cy accepts the invitation in the browser and is signed in.
    const link = String(log.entries().filter((e) => e.email === 'cy@example.com' && typeof e.link === 'string').at(-1)!.link);
    await page.goto(`${server.url}/invite/${link.slice(link.indexOf('/invite/') + '/invite/'.length)}`);
    await page.getByRole('heading', { name: 'Accept your invitation' }).waitFor();
    await expectAccessible(page, 'the invite page');
    const cyPassword = strongPassword('cy');
    await page.getByLabel('Your name (optional)').fill('Cy Okafor');
    await page.getByLabel('New password').fill(cyPassword);
    await page.getByLabel('Repeat the password').fill(cyPassword);
    await page.getByRole('button', { name: 'Accept and sign in' }).click();
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'People' }).count()).toBe(0);
    expect((await (await logInAs(server.url, 'cy@example.com', cyPassword)).get('/users')).status).toBe(403);

    // Cy's other session (the one just opened through the API, and one more) ends from the account page.
    const elsewhere = await logInAs(server.url, 'cy@example.com', cyPassword);
    await page.getByRole('link', { name: 'cy@example.com' }).click();
    await page.getByRole('heading', { name: 'Your sessions' }).waitFor();
    const sessions = page.getByTestId('own-session');
    await waitFor(async () => (await sessions.count()) === 3);
    expect(await sessions.filter({ hasText: 'this session' }).count()).toBe(1);
    await expectAccessible(page, 'the account page');
    await session.shot('people-06-own-sessions');
    await page.getByRole('button', { name: 'End session' }).first().click();
    await waitFor(async () => (await sessions.count()) === 2);
    await page.getByRole('button', { name: 'End session' }).first().click();
    await waitFor(async () => (await sessions.count()) === 1);
    expect((await elsewhere.get('/auth/me')).status).toBe(401);

    // Cy changes their own password: the page's session stays.
    const cyNext = strongPassword('cy-next');
    await page.getByLabel('Current password').fill(cyPassword);
    await page.getByLabel('New password', { exact: true }).fill(cyNext);
    await page.getByLabel('Repeat the new password').fill(cyNext);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Your password is changed.').waitFor();
    expect((await logInAs(server.url, 'cy@example.com', cyNext)).constructor).toBe(ApiClient);
    await page.reload();
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    expect(session.cspViolations).toEqual([]);
  }, 90_000);
});
