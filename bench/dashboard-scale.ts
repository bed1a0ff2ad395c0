/**
 * `npm run bench -- dashboard-scale [--tasks 1000] [--executions 1000000] [--baseline-tasks 10]
 *                                  [--baseline-executions 1000] [--loads 3]`
 *
 * The project page at scale, in the Chromium the end-to-end suite uses. A server's store gets two
 * projects: the big one (1,000 tasks, 1,000,000 executions over the last 30 days by default) and a
 * baseline one in the same store (10 tasks, 1,000 executions). Tasks are created through the API; the
 * executions are written straight to the embedded event store in large batches while the server is
 * stopped, and the read models catch up when it starts again. Then each project page is opened
 * `--loads` times in a fresh tab, and the time until it is interactive (the first task rows drawn and
 * the search box usable) is printed beside the baseline project's, with the largest API response the
 * page received. The target: under 1.5 s for the big project. A quick run: `--tasks 200
 * --executions 50000`.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { loadConfig } from '../src/config/config';
import { schemaVersionOf } from '../src/events/event-schemas';
import { executionStream } from '../src/events/streams';
import { startServer, type RunningServer } from '../src/server';
import type { NewEvent } from '../src/stores/events/event-store';
import { SqliteEventStore } from '../src/stores/events/sqlite-event-store';
import { logInAs, TEST_ADMIN } from '../test/support/signed-in';
import { seededRandom } from '../test/support/seeded-random';
import { makeTempDir } from '../test/support/temp-dir';
import { ApiClient } from '../test/support/api-client';
import { parseCounts } from './options';
import { type BenchRow, formatTable } from './report';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const DAY_MS = 86_400_000;
const DAYS = 30;
const APPEND_CONCURRENCY = 512;
const CRONS = ['*/5 * * * *', '0 * * * *', '30 2 * * *', '15 */6 * * 1-5', '0 9 * * 1'];
const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo'];

interface Built {
  projectId: string;
  tasks: Array<{ id: string; name: string }>;
}

export async function dashboardScaleBench(args: string[]): Promise<void> {
  const s = parseCounts(args, { tasks: 1000, executions: 1_000_000, 'baseline-tasks': 10, 'baseline-executions': 1000, loads: 3 });
  const temp = makeTempDir('dashboard-scale-bench-');
  const env = { PORT: '0', DATA_DIR: temp.dir, LOG_LEVEL: 'silent', ADMIN_EMAIL: TEST_ADMIN.email, ADMIN_PASSWORD: TEST_ADMIN.password };
  let server: RunningServer | undefined;
  try {
    // Projects and tasks through the API (names, groups and tags as people make them).
    server = await startServer(loadConfig(env));
    const admin = await logInAs(server.url, TEST_ADMIN.email, TEST_ADMIN.password);
    const big = await buildProject(admin, 'Big', s.tasks);
    const small = await buildProject(admin, 'Baseline', s['baseline-tasks']);
    await server.close();

    // Executions straight into the event store, in batches, while no server writes to it.
    const events = SqliteEventStore.open({ file: join(temp.dir, 'events.db'), synchronous: 'NORMAL' });
    const appended = await appendExecutions(events, big, s.executions, 1);
    await appendExecutions(events, small, s['baseline-executions'], 2);
    await events.close();

    const started = performance.now();
    server = await startServer(loadConfig(env));
    // A million executions take the read models minutes to catch up on two cores.
    await server.services.projections.whenCaughtUp(60 * 60_000);
    const catchUp = (performance.now() - started) / 1000;
    console.error(`read models caught up with ${appended.toLocaleString('en-US')} execution events in ${catchUp.toFixed(1)} s`);

    const login = await new ApiClient(server.url).post('/auth/login', { email: TEST_ADMIN.email, password: TEST_ADMIN.password });
    const token = login.body.token as string;
    const rows: BenchRow[] = [];
    // As the end-to-end suite runs it (test/web/e2e/chromium-session.ts): a persistent context on a fresh profile.
    const profile = makeTempDir('dashboard-scale-chromium-');
    const context = await chromium.launchPersistentContext(profile.dir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1920, height: 1080 },
      timezoneId: 'UTC',
      locale: 'en-US',
    });
    try {
      await context.addCookies([{ name: 'co_session', value: encodeURIComponent(token), url: server.url }]);
      const page = context.pages()[0] ?? (await context.newPage());
      const baseline = `project page interactive: ${s['baseline-tasks']} tasks, ${s['baseline-executions'].toLocaleString('en-US')} executions (baseline)`;
      const figure = `project page interactive: ${s.tasks.toLocaleString('en-US')} tasks, ${s.executions.toLocaleString('en-US')} executions`;
      const bytesBaseline = `largest API response: baseline project`;
      // One load to warm the server's and the browser's caches of the dashboard's own files.
      await measure(page, `${server.url}/projects/${small.projectId}`);
      const smallLoads = [];
      const bigLoads = [];
      for (let i = 0; i < s.loads; i++) {
        smallLoads.push(await measure(page, `${server.url}/projects/${small.projectId}`));
        bigLoads.push(await measure(page, `${server.url}/projects/${big.projectId}`));
      }
      const median = (loads: Array<{ ms: number }>) => [...loads].sort((a, b) => a.ms - b.ms)[Math.floor(loads.length / 2)]!.ms;
      rows.push(
        { figure: baseline, value: median(smallLoads), unit: 'ms (median)' },
        { figure, value: median(bigLoads), unit: 'ms (median)', baseline },
        { figure: bytesBaseline, value: Math.max(...smallLoads.map((l) => l.largestBytes)), unit: 'bytes' },
        { figure: `largest API response: big project (first page of rows)`, value: Math.max(...bigLoads.map((l) => l.largestBytes)), unit: 'bytes', baseline: bytesBaseline },
      );
    } finally {
      await context.close().catch(() => undefined);
      profile.cleanup();
    }
    console.log(formatTable(`dashboard-scale: the project page in Chromium (${CHROMIUM}); target < 1,500 ms for the big project`, rows));
  } finally {
    await server?.close();
    temp.cleanup();
  }
}

/** A project with `count` tasks: one in four in one of five groups, tags on some. */
async function buildProject(admin: ApiClient, name: string, count: number): Promise<Built> {
  const created = await admin.post('/projects', { name: `${name} ${randomUUID().slice(0, 8)}`, timezone: 'UTC' });
  if (created.status !== 201) throw new Error(`project: ${created.status} ${JSON.stringify(created.body)}`);
  const projectId = created.body.id as string;
  const groups: string[] = [];
  for (let g = 0; g < Math.min(5, Math.ceil(count / 4)); g++) {
    const group = await admin.post(`/projects/${projectId}/task-groups`, { name: `group-${g}` });
    groups.push(group.body.id as string);
  }
  const tasks: Built['tasks'] = [];
  for (let i = 0; i < count; i++) {
    const taskName = `job-${String(i).padStart(4, '0')}`;
    const body = {
      name: taskName,
      schedule_type: 'RECURRING',
      schedule_config: { cron_expression: CRONS[i % CRONS.length], timezone: ZONES[i % ZONES.length] },
      ...(i % 4 === 0 && groups.length ? { task_group_id: groups[(i / 4) % groups.length] } : {}),
      ...(i % 3 === 0 ? { tags: [['billing', 'eu', 'nightly'][i % 9 === 0 ? 0 : 1]!] } : {}),
    };
    const task = await admin.post(`/projects/${projectId}/tasks`, body);
    if (task.status !== 201) throw new Error(`task: ${task.status} ${JSON.stringify(task.body)}`);
    tasks.push({ id: task.body.id as string, name: taskName });
    if (i > 0 && i % 250 === 0) console.error(`created ${i} tasks of ${name}`);
  }
  return { projectId, tasks };
}

function event(type: string, data: Record<string, unknown>, at: string): NewEvent {
  return { type, data, metadata: { eventId: randomUUID(), occurredAt: at, actor: 'system:bench', correlationId: randomUUID(), causationId: randomUUID(), schemaVersion: schemaVersionOf(type) } };
}

/** Executions spread over the last 30 days, oldest first, each ended in the same append (5 % failed). */
async function appendExecutions(events: SqliteEventStore, project: Built, count: number, seed: number): Promise<number> {
  const random = seededRandom(seed);
  const endMs = Date.now() - 60_000;
  const stepMs = (DAYS * DAY_MS) / Math.max(1, count);
  let pending: Array<Promise<unknown>> = [];
  let total = 0;
  const iso = (ms: number) => new Date(ms).toISOString();
  for (let i = 0; i < count; i++) {
    const task = project.tasks[i % project.tasks.length]!;
    const scheduledMs = Math.floor(endMs - DAYS * DAY_MS + i * stepMs);
    const executionId = randomUUID();
    const ref = { executionId, taskId: task.id, projectId: project.projectId };
    const durationMs = Math.floor(Math.exp(random() * 10));
    const endedAt = iso(scheduledMs + durationMs + 20);
    const failed = random() < 0.05;
    const list: NewEvent[] = [
      event('ExecutionCreated', { ...ref, taskName: task.name, scheduledAt: iso(scheduledMs), triggerType: 'SCHEDULED', attempt: 1, executionMode: 'pull', timeoutSeconds: null, startDeadlineSeconds: null, createdAt: iso(scheduledMs) }, iso(scheduledMs)),
      event('ExecutionStarted', { ...ref, at: iso(scheduledMs + 10), claimedBy: null }, iso(scheduledMs + 10)),
      failed
        ? event('ExecutionFailed', { ...ref, at: endedAt, exitCode: 1, durationMs, metrics: null, error: 'exit 1' }, endedAt)
        : event('ExecutionSucceeded', { ...ref, at: endedAt, exitCode: 0, durationMs, metrics: null }, endedAt),
    ];
    pending.push(events.append(executionStream(executionId), list, 'no_stream'));
    total += list.length;
    if (pending.length >= APPEND_CONCURRENCY) {
      await Promise.all(pending);
      pending = [];
    }
    if (i > 0 && i % 100_000 === 0) console.error(`appended ${i.toLocaleString('en-US')} executions`);
  }
  await Promise.all(pending);
  return total;
}

/** Opens the page afresh: ms until the first task row is drawn and the search box takes input, and the largest API response. */
async function measure(page: Page, url: string): Promise<{ ms: number; largestBytes: number }> {
  let largestBytes = 0;
  const sizes: Array<Promise<void>> = [];
  const onResponse = (response: import('playwright-core').Response) => {
    // The live event stream never ends: its body is not a response to measure.
    if (!response.url().includes('/api/v1/') || (response.headers()['content-type'] ?? '').startsWith('text/event-stream')) return;
    sizes.push(
      response
        .body()
        .then((body) => {
          largestBytes = Math.max(largestBytes, body.length);
        })
        .catch(() => undefined),
    );
  };
  page.on('response', onResponse);
  const started = performance.now();
  await page.goto(url, { waitUntil: 'commit' });
  await page.locator('tr.overview-row').first().waitFor({ timeout: 60_000 });
  const search = page.getByLabel('Search tasks');
  await search.waitFor();
  // Usable: it takes a keystroke (then put back, so the next load starts from the same view).
  await search.fill('j');
  const ms = performance.now() - started;
  await Promise.all(sizes);
  page.off('response', onResponse);
  return { ms, largestBytes };
}
