/**
 * What every dashboard test in Chromium shares: a real server that serves the built dashboard
 * (web/dist, built by `npm run build`, which `npm test` runs first), a headless Chromium (playwright-core
 * driving Debian's chromium) that records every Content-Security-Policy violation, screenshots in
 * test-output/screenshots, and signing in through the login page. Without a Chromium a suite is skipped
 * loudly; under CI=true a missing Chromium fails.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import type { ServerOptions } from '../../../src/server';
import type { ApiClient } from '../../support/api-client';
import { startServerWithAdmin } from '../../support/signed-in';
import { makeTempDir } from '../../support/temp-dir';
import type { TestServer } from '../../support/test-server';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ROOT = join(__dirname, '..', '..', '..');
export const SCREENSHOTS = join(ROOT, 'test-output', 'screenshots');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface ChromiumSession {
  server: TestServer;
  admin: ApiClient;
  context: BrowserContext;
  page: Page;
  /** Every CSP violation reported on any page so far. */
  cspViolations: string[];
  shot(name: string): Promise<Buffer>;
  signIn(email: string, password: string): Promise<void>;
  close(): Promise<void>;
}

/** `describe` when a Chromium is there; otherwise a loud skip (a failure under CI=true). */
export function describeInChromium(name: string, body: () => void): void {
  if (existsSync(CHROMIUM)) {
    describe(name, body);
    return;
  }
  const reason = `dashboard end-to-end tests SKIPPED: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;
  if (process.env.CI === 'true') {
    test(`FAILS under CI=true: ${reason}`, () => {
      throw new Error(`${reason}. CI must run the browser tests: .ci/run installs chromium.`);
    });
  } else {
    console.warn(`\n⚠️  ${reason}\n`);
    test.skip(reason, () => {});
  }
}

/**
 * `options`: the server's (a test's clock, for one); `env`: more configuration for it (single sign-on, …);
 * `browser.timezoneId`: the browser's zone (UTC unless told).
 */
export async function openChromiumSession(options: ServerOptions = {}, env: Record<string, string> = {}, browser: { timezoneId?: string } = {}): Promise<ChromiumSession> {
  if (!existsSync(join(ROOT, 'web', 'dist', 'index.html'))) throw new Error('web/dist is missing: run `npm run build` (npm test does) before the end-to-end tests');
  mkdirSync(SCREENSHOTS, { recursive: true });
  const { server, admin } = await startServerWithAdmin(options, env);
  const profile = makeTempDir('cron-observer-chromium-');
  const cspViolations: string[] = [];
  const context = await chromium.launchPersistentContext(profile.dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
    timezoneId: browser.timezoneId ?? 'UTC',
    locale: 'en-US',
  });
  // Every Content-Security-Policy violation on any page, reported from the page as it happens.
  await context.exposeBinding('reportCspViolation', (_source, violation: string) => {
    cspViolations.push(violation);
  });
  await context.addInitScript(`document.addEventListener('securitypolicyviolation', (event) => {
    window.reportCspViolation(event.effectiveDirective + ' blocked ' + (event.blockedURI || 'inline') + ' on ' + event.documentURI + ' (' + event.sourceFile + ':' + event.lineNumber + ')');
  });`);
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (error) => console.error('page error:', error));
  return {
    server,
    admin,
    context,
    page,
    cspViolations,
    shot: (name) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true }),
    async signIn(email, password) {
      await page.goto(`${server.url}/`);
      await page.getByRole('heading', { name: 'Sign in to Cron Observer' }).waitFor();
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Projects' }).waitFor();
    },
    async close() {
      await context.close();
      await server.stop();
      profile.cleanup();
    },
  };
}
