import { randomUUID } from 'node:crypto';
import type { ApiClient } from '../../support/api-client';
import { curl, shell } from '../../support/curl';
import { newSignedInUser, startServerWithAdmin } from '../../support/signed-in';
import { createTask } from '../../support/task-fixtures';
import type { TestServer } from '../../support/test-server';
import { waitFor } from '../../support/wait-for';
import { pingSnippets } from '../../../web/src/ping-snippets';

/**
 * The Healthchecks ping API, driven with curl exactly as Healthchecks' documentation writes the calls
 * (`curl -fsS -m 10 --retry 5 -o /dev/null <url>`, `--data-raw`, `/$?`), against a real server.
 */
describe('Healthchecks-compatible ping URLs', () => {
  let server: TestServer;
  let admin: ApiClient;
  let projectId: string;

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin());
    projectId = (await admin.post('/projects', { name: `Pings ${randomUUID()}` })).body.id;
  });
  afterAll(() => server.stop());

  /** A task in external mode, and its ping URL on this server (the answer names PUBLIC_URL, port 0 here). */
  async function pingedTask(fields: Record<string, unknown> = {}): Promise<{ id: string; name: string; url: string }> {
    const task = await createTask(admin, projectId, {
      name: `backup ${randomUUID().slice(0, 8)}`,
      schedule_config: { cron_expression: '0 0 1 1 *', timezone: 'UTC' },
      execution_mode: 'external',
      ...fields,
    });
    expect(task.ping_url).toMatch(/\/ping\/[0-9a-f-]{36}$/);
    return { id: task.id, name: task.name, url: `${server.url}${new URL(task.ping_url).pathname}` };
  }

  /** The task's executions, newest first, once `until` holds. */
  function runsOf(taskId: string, until: (runs: Array<Record<string, any>>) => boolean): Promise<Array<Record<string, any>>> {
    return waitFor(async () => {
      const runs = (await admin.get(`/projects/${projectId}/tasks/${taskId}/history`)).body.data as Array<Record<string, any>>;
      return until(runs) && runs;
    });
  }

  const logOf = async (executionId: string) => (await admin.get(`/executions/${executionId}/logs`)).body.data.map((l: { message: string }) => l.message);

  it('gives a task created in external mode a ping URL, shown to those who may report', async () => {
    const task = await pingedTask();
    const push = await createTask(admin, projectId, { execution_mode: 'push' });
    expect(push.ping_url).toBeNull();
    const email = `viewer-${randomUUID()}@example.com`;
    const viewer = await newSignedInUser(admin, email);
    expect((await admin.put(`/projects/${projectId}/members/${encodeURIComponent(email)}`, { role: 'viewer' })).status).toBe(200);
    expect((await viewer.get(`/projects/${projectId}/tasks/${task.id}`)).body.ping_url).toBeNull();
    // Switching a task to external mode gives it one.
    const { id: _id, uuid: _uuid, ping_url: _none, ...rest } = (await admin.get(`/projects/${projectId}/tasks/${push.id}`)).body;
    const switched = await admin.put(`/projects/${projectId}/tasks/${push.id}`, { ...rest, execution_mode: 'external' });
    expect(switched.body.ping_url).toMatch(/\/ping\/[0-9a-f-]{36}$/);
  });

  it('success with no start: a complete run of zero duration; answers OK with Healthchecks\' headers', async () => {
    const task = await pingedTask();
    const answer = await curl(['-m', '10', '--retry', '5', task.url]);
    expect(answer).toMatchObject({ code: 0, status: 200, body: 'OK' });
    expect(answer.headers).toMatchObject({ 'access-control-allow-origin': '*', 'ping-body-limit': '100000' });
    expect(answer.headers['content-type']).toMatch(/^text\/plain/);
    const [run] = await runsOf(task.id, (runs) => runs.length === 1 && runs[0].status === 'SUCCESS');
    expect(run).toMatchObject({ trigger_type: 'EXTERNAL', duration_ms: 0 });
    // The crontab line as documented, quiet and failing on errors.
    expect((await shell(`curl -fsS -m 10 --retry 5 -o /dev/null ${task.url}`)).code).toBe(0);
    await runsOf(task.id, (runs) => runs.length === 2);
  });

  it("runs the dashboard's shell wrapper as shown: start, then the exit status with the output as the log", async () => {
    const task = await pingedTask();
    const wrapper = pingSnippets(task.url, projectId, task.name, "sh -c 'echo copying; echo disk full >&2; exit 3'")[2]!.value;
    expect((await shell(wrapper)).code).toBe(0);
    const [run] = await runsOf(task.id, (runs) => runs[0]?.status === 'FAILED');
    expect(run).toMatchObject({ exit_code: 3, duration_ms: expect.any(Number) });
    expect(await logOf(run.id)).toEqual(['copying', 'disk full']);
  });

  it('start opens a run; success closes that same run', async () => {
    const task = await pingedTask();
    expect((await curl(['-fsS', '-m', '10', `${task.url}/start`])).body).toBe('OK');
    const [started] = await runsOf(task.id, (runs) => runs.length === 1 && runs[0].status === 'RUNNING');
    expect((await curl(['-fsS', '-m', '10', task.url])).body).toBe('OK');
    const [ended] = await runsOf(task.id, (runs) => runs[0].status === 'SUCCESS');
    expect(ended.execution_uuid ?? ended.id).toBe(started.execution_uuid ?? started.id);
    expect(ended.duration_ms).toEqual(expect.any(Number));
  });

  it('tells concurrent runs apart by ?rid=', async () => {
    const task = await pingedTask();
    const [a, b] = [randomUUID(), randomUUID().toUpperCase()];
    await curl(['-fsS', `${task.url}/start?rid=${a}`]);
    await curl(['-fsS', `${task.url}/start?rid=${b}`]);
    const started = await runsOf(task.id, (runs) => runs.length === 2 && runs.every((r) => r.status === 'RUNNING'));
    expect((await curl(['-fsS', `${task.url}/fail?rid=${a}`])).body).toBe('OK');
    expect((await curl(['-fsS', `${task.url}/0?rid=${b.toLowerCase()}`])).body).toBe('OK');
    const ended = await runsOf(task.id, (runs) => runs.every((r) => r.status !== 'RUNNING'));
    expect(ended.map((r) => r.status).sort()).toEqual(['FAILED', 'SUCCESS']);
    expect(new Set(ended.map((r) => r.id))).toEqual(new Set(started.map((r) => r.id)));
    expect((await curl([`${task.url}?rid=not-a-uuid`])).body).toBe('invalid uuid format');
  });

  it('reports the exit status of the command before it (`/$?`): 0 success, 1–255 failure, above 255 refused', async () => {
    const task = await pingedTask();
    expect((await shell(`false; curl -fsS -m 10 --retry 5 -o /dev/null ${task.url}/$?`)).code).toBe(0);
    const [failed] = await runsOf(task.id, (runs) => runs[0]?.status === 'FAILED');
    expect(failed).toMatchObject({ exit_code: 1 });
    expect((await curl([`${task.url}/0`])).body).toBe('OK');
    await runsOf(task.id, (runs) => runs.some((r) => r.status === 'SUCCESS' && r.exit_code === 0));
    expect(await curl([`${task.url}/256`])).toMatchObject({ status: 400, body: 'invalid url format' });
  });

  it('keeps the body as the run\'s log: the first 100 000 bytes, the rest dropped and counted', async () => {
    const task = await pingedTask();
    const m = 'first line\nsecond line: é ü\n';
    expect((await shell(`m="${m}"; curl -fsS -m 10 --retry 5 --data-raw "$m" ${task.url}/fail`)).code).toBe(0);
    const [failed] = await runsOf(task.id, (runs) => runs[0]?.status === 'FAILED');
    expect(await logOf(failed.id)).toEqual(['first line', 'second line: é ü']);

    const big = `${'x'.repeat(99)}\n`.repeat(1500); // 150 000 bytes
    await curl(['-fsS', '--data-binary', '@-', `${task.url}/start`], { input: big });
    const [running] = await runsOf(task.id, (runs) => runs[0]?.status === 'RUNNING');
    const lines: string[] = await waitFor(async () => {
      const page = (await admin.get(`/executions/${running.id}/logs?order=desc&limit=1`)).body;
      return page.data.length > 0 && page.data;
    });
    expect(lines[0]).toMatchObject({ message: '[ping body cut: 50000 bytes beyond the first 100000 were dropped]' });
    const all = (await admin.get(`/executions/${running.id}/logs?limit=1000`)).body.data.map((l: { message: string }) => l.message);
    expect(all.slice(0, -1).join('\n').length).toBe(100_000 - 1);

    // Past 16 MiB the body is not read further.
    const huge = await shell(`head -c 17000000 /dev/zero | curl -sS -o /dev/null -w '%{http_code}' --data-binary @- ${task.url}/log`);
    expect(huge.stdout).toBe('413');
  });

  it('/log adds to the open run, and says so when there is none', async () => {
    const task = await pingedTask();
    expect(await curl(['--data-raw', 'nothing open', `${task.url}/log`])).toMatchObject({ status: 200, body: 'OK (not found)' });
    await curl(['-fsS', `${task.url}/start`]);
    const [running] = await runsOf(task.id, (runs) => runs[0]?.status === 'RUNNING');
    expect((await curl(['-fsS', '--data-raw', 'halfway there', `${task.url}/log`])).body).toBe('OK');
    expect(await logOf(running.id)).toEqual(['halfway there']);
    expect((await runsOf(task.id, () => true))[0].status).toBe('RUNNING');
  });

  it('answers HEAD like GET (and records it), POST with any Content-Type, and a CORS preflight', async () => {
    const task = await pingedTask();
    const head = await curl(['-I', task.url]);
    expect(head.status).toBe(200);
    expect(head.headers['ping-body-limit']).toBe('100000');
    await runsOf(task.id, (runs) => runs[0]?.status === 'SUCCESS');
    const posted = await curl(['-H', 'Content-Type: application/json', '--data-raw', '{"not": "json to us"}', task.url]);
    expect(posted).toMatchObject({ status: 200, body: 'OK' });
    const preflight = await curl(['-X', 'OPTIONS', '-H', 'Origin: https://example.com', '-H', 'Access-Control-Request-Method: POST', task.url]);
    expect(preflight.status).toBe(204);
    expect(preflight.headers).toMatchObject({ 'access-control-allow-origin': '*', 'access-control-allow-methods': 'GET, HEAD, POST' });
  });

  it('are described in the served OpenAPI document, at the server root and without credentials', async () => {
    const spec = (await admin.as(null).get('/openapi.json')).body;
    for (const path of ['/ping/{uuid}', '/ping/{uuid}/{signal}', '/ping/{ping_key}/{slug}', '/ping/{ping_key}/{slug}/{signal}']) {
      expect(spec.paths[path]).toMatchObject({ servers: [{ url: '/' }], get: { security: [] }, head: { security: [] }, post: { security: [] } });
    }
    expect(spec.paths['/projects/{project_id}/ping-key/rotate']).toBeDefined();
  });

  it("answers URLs that match nothing as Healthchecks does", async () => {
    const task = await pingedTask();
    const unknown = `${server.url}/ping/${randomUUID()}`;
    expect(await curl([unknown])).toMatchObject({ status: 404, body: 'not found' });
    expect((await shell(`curl -fsS -m 10 -o /dev/null ${unknown}`)).code).toBe(22);
    expect(await curl([`${task.url}/nonsense`])).toMatchObject({ status: 404, body: 'not found' });
    expect(await curl([`${task.url}/start/`])).toMatchObject({ status: 404 });
    expect(await curl([`${server.url}/ping/not-a-uuid`])).toMatchObject({ status: 404 });
    expect(await curl([`${task.url.toUpperCase().replace('HTTP://', 'http://').replace('/PING/', '/ping/')}`])).toMatchObject({ status: 404 });
    expect(await curl([`${task.url}/Some-Slug`])).toMatchObject({ status: 400, body: 'invalid url format' });
    expect((await curl(['-X', 'PUT', task.url])).status).toBe(405);
    // A task being deleted (and then gone) is not found, and records nothing more.
    expect((await admin.delete(`/projects/${projectId}/tasks/${task.id}`)).status).toBe(202);
    expect(await curl([task.url])).toMatchObject({ status: 404, body: 'not found' });
    expect(await curl([`${task.url}/start`])).toMatchObject({ status: 404, body: 'not found' });
  });

  it('by slug: /ping/<ping-key>/<slug>, ?create=1 to provision, 409 when ambiguous, a rotated key stops working', async () => {
    expect((await admin.get(`/projects/${projectId}/ping-key`)).body).toEqual({ ping_key: null, ping_url_base: null });
    const rotated = await admin.post(`/projects/${projectId}/ping-key/rotate`);
    expect(rotated.status).toBe(200);
    const key = rotated.body.ping_key as string;
    expect(key).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect((await admin.get(`/projects/${projectId}/ping-key`)).body.ping_key).toBe(key);

    const task = await pingedTask({ name: `Nightly DB Backup ${randomUUID().slice(0, 4)}` });
    const slug = task.name.toLowerCase().replace(/ /g, '-');
    expect((await curl(['-fsS', `${server.url}/ping/${key}/${slug}/start`])).body).toBe('OK');
    expect((await curl(['-fsS', `${server.url}/ping/${key}/${slug}`])).body).toBe('OK');
    await runsOf(task.id, (runs) => runs.length === 1 && runs[0].status === 'SUCCESS');

    const fresh = `disk-check-${randomUUID().slice(0, 6)}`;
    expect(await curl([`${server.url}/ping/${key}/${fresh}`])).toMatchObject({ status: 404, body: 'not found' });
    expect(await curl([`${server.url}/ping/${key}/${fresh}/1?create=1`])).toMatchObject({ status: 201, body: 'Created' });
    const made = (await admin.get(`/projects/${projectId}/tasks`)).body.find((t: { name: string }) => t.name === fresh);
    expect(made).toMatchObject({ execution_mode: 'external', status: 'DISABLED', ping_url: expect.any(String) });
    await runsOf(made.id, (runs) => runs[0]?.status === 'FAILED');
    expect((await curl([`${server.url}/ping/${key}/${fresh}?create=1`])).status).toBe(200);

    await createTask(admin, projectId, { name: `${fresh} `.replace('-', ' '), execution_mode: 'external' });
    expect(await curl([`${server.url}/ping/${key}/${fresh}`])).toMatchObject({ status: 409, body: 'ambiguous slug' });

    const next = (await admin.post(`/projects/${projectId}/ping-key/rotate`)).body.ping_key;
    expect(next).not.toBe(key);
    // Audit trails say a key was made and replaced, never the key, nor a task's ping id.
    const audit = await waitFor(async () => {
      const page = (await admin.get(`/projects/${projectId}/audit?type=ProjectPingKeyRotated`)).body;
      return page.data?.length === 2 && page;
    });
    expect(audit.data.map((e: { summary: string }) => e.summary).sort()).toEqual(['Ping key created', 'Ping key replaced']);
    expect(JSON.stringify(audit)).not.toContain(key);
    expect(JSON.stringify(audit)).not.toContain(next);
    const taskAudit = (await admin.get(`/tasks/${task.id}/audit`)).body;
    expect(taskAudit.data.map((e: { type: string }) => e.type)).toContain('TaskPingUrlAssigned');
    expect(JSON.stringify(taskAudit)).not.toContain(task.url.split('/').at(-1));
    expect((await curl([`${server.url}/ping/${key}/${slug}`])).status).toBe(404);
    expect((await curl([`${server.url}/ping/${next}/${slug}`])).body).toBe('OK');
  });
});

describe('ping rate limit', () => {
  let server: TestServer;
  let admin: ApiClient;
  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin({}, { PING_RATE_LIMIT: '3' }));
  });
  afterAll(() => server.stop());

  it('answers 429 with Retry-After past PING_RATE_LIMIT pings a minute per URL, other URLs unaffected', async () => {
    const projectId = (await admin.post('/projects', { name: `Limited ${randomUUID()}` })).body.id;
    const urls = [];
    for (let i = 0; i < 2; i++) {
      const task = await createTask(admin, projectId, { execution_mode: 'external' });
      urls.push(`${server.url}${new URL(task.ping_url).pathname}`);
    }
    for (let i = 0; i < 3; i++) expect((await curl([`${urls[0]}/log`])).status).toBe(200);
    const refused = await curl([`${urls[0]}/log`]);
    expect(refused).toMatchObject({ status: 429 });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect((await curl([`${urls[1]}/log`])).status).toBe(200);
  });
});
