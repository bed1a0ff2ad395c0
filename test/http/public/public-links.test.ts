import type { ApiClient } from '../../support/api-client';
import { ManualClock } from '../../support/manual-clock';
import { startServerWithAdmin } from '../../support/signed-in';
import { createProject, createTask, triggerTask, type TestProject } from '../../support/task-fixtures';
import type { TestServer } from '../../support/test-server';

/** Public answers are SVG, HTML or JSON: read as text, as a badge proxy or a browser would. */
async function fetchPublic(server: TestServer, path: string): Promise<{ status: number; text: string; headers: Headers }> {
  const response = await fetch(`${server.url}/api/v1${path}`);
  return { status: response.status, text: await response.text(), headers: response.headers };
}

describe('badges and the public status page', () => {
  let server: TestServer;
  let admin: ApiClient;
  let project: TestProject;
  const clock = new ManualClock('2026-03-01T10:00:00.000Z');
  const projectName = 'Billing <jobs> & "friends"';

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin({ clock }));
    project = await createProject(admin, { name: projectName });
  });
  afterAll(() => server.stop());

  const links = async () => (await admin.get(`/projects/${project.id}/public-links`)).body;
  const rotate = async () => {
    const response = await admin.post(`/projects/${project.id}/public-links/rotate`);
    expect(response.status).toBe(200);
    return response.body as { token: string; urls: Record<string, string> };
  };
  const pathOf = (url: string) => url.slice(url.indexOf('/api/v1') + '/api/v1'.length);
  const shields = async (url: string) => JSON.parse((await fetchPublic(server, pathOf(url))).text);

  async function finish(executionId: string, status: 'SUCCESS' | 'FAILED'): Promise<void> {
    const response = await project.executor.post(`/executions/${executionId}/finish`, { status, duration_ms: 5, ...(status === 'FAILED' ? { error: 'boom' } : {}) });
    expect(response.status).toBe(200);
  }

  it('stores tags as sorted lowercase slugs and refuses others, naming each', async () => {
    const task = await createTask(admin, project.id, { tags: ['nightly', 'billing'] });
    expect(task.tags).toEqual(['billing', 'nightly']);
    const bad = await admin.post(`/projects/${project.id}/tasks`, { name: 'bad tags', schedule_type: 'RECURRING', schedule_config: { cron_expression: '0 * * * *', timezone: 'UTC' }, tags: ['Nightly', 'a--b', 'ok', 'ok', 'x'.repeat(33)] });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual([
      'tags[0]: must be a lowercase slug: a-z, 0-9 and single hyphens between them',
      'tags[1]: must be a lowercase slug: a-z, 0-9 and single hyphens between them',
      'tags[3]: "ok" is listed more than once',
      'tags[4]: must be 1 to 32 characters long',
    ]);
    const cleared = await admin.put(`/projects/${project.id}/tasks/${task.id}`, { name: task.name, schedule_type: task.schedule_type, schedule_config: task.schedule_config });
    expect(cleared.body.tags).toEqual([]);
    await admin.delete(`/projects/${project.id}/tasks/${task.id}`);
  });

  it('has no links until an admin makes them, then answers badges in SVG and in the Shields endpoint format', async () => {
    expect(await links()).toEqual({ token: null, urls: null, status_page: { enabled: false, task_ids: [] } });
    const { token, urls } = await rotate();
    expect(token).toMatch(/^pub_[A-Za-z0-9_-]{43}$/);
    expect(urls.project_badge_svg).toMatch(new RegExp(`^http://localhost:\\d+/api/v1/public/${project.id}/${token}/badge\\.svg$`)); // PUBLIC_URL's origin

    const svg = await fetchPublic(server, pathOf(urls.project_badge_svg));
    expect(svg.status).toBe(200);
    expect(svg.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(svg.headers.get('cache-control')).toBe('public, max-age=60');
    expect(svg.headers.get('x-content-type-options')).toBe('nosniff');
    // The name is escaped in the SVG: it is user text.
    expect(svg.text).toContain('Billing &lt;jobs&gt; &amp; &quot;friends&quot;');
    expect(svg.text).not.toContain('<jobs>');
    expect(await shields(urls.project_badge_json)).toEqual({ schemaVersion: 1, label: projectName, message: 'new', color: 'lightgrey', cacheSeconds: 300 });
  });

  // Nightly at 03:00: no scheduled run gets in the way of the runs triggered here.
  const atThree = { cron_expression: '0 3 * * *', timezone: 'UTC' };

  it('says up, late, down and paused as the newest run and the task change, per task, per tag and for the project', async () => {
    const { urls } = await links();
    const nightly = await createTask(admin, project.id, { name: 'nightly export', tags: ['nightly'], execution_mode: 'pull', schedule_config: atThree });
    const hourly = await createTask(admin, project.id, { name: 'hourly sync', tags: ['sync'], execution_mode: 'pull', schedule_config: atThree });
    const taskJson = (id: string) => urls.task_badge_json.replace('{task_id}', id);
    const tagJson = (tag: string) => urls.tag_badge_json.replace('{tag}', tag);
    const message = async (url: string) => (await shields(url)).message;

    expect(await message(taskJson(nightly.id))).toBe('new');
    const first = await triggerTask(admin, project.id, nightly.id);
    expect(await message(taskJson(nightly.id))).toBe('up'); // due now, not late yet
    await clock.advance(61_000);
    expect(await shields(taskJson(nightly.id))).toEqual({ schemaVersion: 1, label: 'nightly export', message: 'late', color: 'orange', cacheSeconds: 300 });
    await finish(first, 'FAILED');
    expect(await shields(taskJson(nightly.id))).toMatchObject({ message: 'down', color: 'red' });
    expect(await shields(tagJson('nightly'))).toEqual({ schemaVersion: 1, label: 'nightly', message: 'down', color: 'red', cacheSeconds: 300 });
    expect(await message(tagJson('sync'))).toBe('new');
    expect(await message(tagJson('unused'))).toBe('new');
    expect(await message(urls.project_badge_json)).toBe('down');

    await finish(await triggerTask(admin, project.id, hourly.id), 'SUCCESS');
    expect(await shields(tagJson('sync'))).toMatchObject({ message: 'up', color: 'brightgreen' });
    expect(await message(urls.project_badge_json)).toBe('down');
    expect((await admin.patch(`/projects/${project.id}/tasks/${nightly.id}/status`, { status: 'DISABLED' })).status).toBe(200);
    expect(await message(taskJson(nightly.id))).toBe('paused');
    expect(await message(urls.project_badge_json)).toBe('up');
    expect((await admin.patch(`/projects/${project.id}/tasks/${nightly.id}/status`, { status: 'ACTIVE' })).status).toBe(200);

    const tagSvg = await fetchPublic(server, pathOf(urls.tag_badge_svg.replace('{tag}', 'sync')));
    expect(tagSvg.text).toContain('<title>sync: up</title>');
    const badTag = await fetchPublic(server, pathOf(urls.tag_badge_json.replace('{tag}', 'Not%20A%20Tag')));
    expect(badTag.status).toBe(400);
    expect(JSON.parse(badTag.text).details).toEqual(['tag: must be a lowercase slug: a-z, 0-9 and single hyphens between them']);
    const otherTask = await fetchPublic(server, pathOf(taskJson('00000000-0000-4000-8000-000000000000')));
    expect(otherTask.status).toBe(404);
  });

  it('shows the status page only when it is on, with the chosen tasks and 90 daily bars', async () => {
    const { urls } = await links();
    expect((await fetchPublic(server, pathOf(urls.status_page))).status).toBe(404);
    const tasks = (await admin.get(`/projects/${project.id}/tasks`)).body as Array<{ id: string; name: string }>;
    const nightly = tasks.find((t) => t.name === 'nightly export')!;
    const hourly = tasks.find((t) => t.name === 'hourly sync')!;

    const unknown = await admin.put(`/projects/${project.id}/public-links/status-page`, { enabled: true, task_ids: [hourly.id, 'not-a-task'] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.details).toEqual(['task_ids[1]: "not-a-task" is not a task of this project']);
    const twice = await admin.put(`/projects/${project.id}/public-links/status-page`, { enabled: true, task_ids: [hourly.id, hourly.id] });
    expect(twice.status).toBe(400);

    const on = await admin.put(`/projects/${project.id}/public-links/status-page`, { enabled: true, task_ids: [nightly.id, hourly.id] });
    expect(on.body.status_page).toEqual({ enabled: true, task_ids: [nightly.id, hourly.id] });

    const page = await fetchPublic(server, pathOf(urls.status_page));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('cache-control')).toBe('public, max-age=30');
    expect(page.text).toContain('<h1>Billing &#60;jobs&#62; &#38; &#34;friends&#34;</h1>');
    expect(page.text.match(/<li class="day /g)).toHaveLength(180);
    expect(page.text).toContain('title="2026-03-01: 0 succeeded, 1 failed"');
    expect(page.text.indexOf('nightly export')).toBeLessThan(page.text.indexOf('hourly sync'));
    expect(page.text).toContain('data-state="down"');

    const json = JSON.parse((await fetchPublic(server, pathOf(urls.status_json))).text);
    expect(json).toMatchObject({ project_name: projectName, timezone: 'UTC', state: 'down' });
    expect(json.tasks.map((t: { name: string; days: unknown[] }) => [t.name, t.days.length])).toEqual([['nightly export', 90], ['hourly sync', 90]]);
    expect(json.tasks[1].days.at(-1)).toEqual({ date: '2026-03-01', health: 'ok', success: 1, failures: 0 });
    expect(json.tasks[0].days[0]).toEqual({ date: '2025-12-02', health: 'none', success: 0, failures: 0 });

    const css = await fetchPublic(server, '/public/status.css');
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);

    await admin.put(`/projects/${project.id}/public-links/status-page`, { enabled: false, task_ids: [nightly.id] });
    expect((await fetchPublic(server, pathOf(urls.status_page))).status).toBe(404);
    await admin.put(`/projects/${project.id}/public-links/status-page`, { enabled: true, task_ids: [nightly.id] });
  });

  it('answers 404 on every old link once the token is rotated, and on a wrong one', async () => {
    const before = await links();
    const after = await rotate();
    expect(after.token).not.toBe(before.token);
    for (const name of ['project_badge_svg', 'project_badge_json', 'status_page', 'status_json']) {
      expect([name, (await fetchPublic(server, pathOf(before.urls[name]))).status]).toEqual([name, 404]);
      expect([name, (await fetchPublic(server, pathOf(after.urls[name]))).status]).toEqual([name, 200]);
    }
    // The audit trail says the links were replaced, never the token.
    const audit = await admin.get(`/projects/${project.id}/audit?type=PublicTokenRotated,StatusPageConfigured&order=desc&limit=1`);
    expect(audit.body.data[0]).toMatchObject({ type: 'PublicTokenRotated', summary: 'Public badge and status page links replaced', data: { token: '[redacted]' } });
    expect(JSON.stringify(audit.body)).not.toContain(after.token);
    const wrong = await fetchPublic(server, `/public/${project.id}/pub_${'x'.repeat(43)}/badge.svg`);
    expect(wrong.status).toBe(404);
    expect(JSON.parse(wrong.text)).toEqual({ error: 'No such public page: the link is wrong or was replaced' });
  });
});
