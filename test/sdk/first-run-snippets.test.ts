import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiClient } from '../support/api-client';
import { TEST_ADMIN } from '../support/signed-in';
import { shell } from '../support/curl';
import type { TestServer } from '../support/test-server';
import { waitFor } from '../support/wait-for';
import { firstRunSnippets } from '../../web/src/first-run-snippets';
import { CLI, startSdkServer } from './sdk-fixtures';

/**
 * The first-run guide's commands (the dashboard's empty project page and the README's walkthrough),
 * run as a person would paste them: real curl, the built SDK and CLI, against a real server.
 */
describe('the first-run commands', () => {
  let server: TestServer;
  let admin: ApiClient;
  const workDir = join(__dirname, '..', '..', 'test-output', 'first-run');

  beforeAll(async () => {
    ({ server, admin } = await startSdkServer());
    mkdirSync(workDir, { recursive: true });
    // `cron-observer` on PATH, as `npm install -g @cron-observer/sdk` puts it there.
    writeFileSync(join(workDir, 'cron-observer'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
    chmodSync(join(workDir, 'cron-observer'), 0o755);
  });
  afterAll(() => server.stop());

  it('create the task with a fresh write key, then report runs by curl, the SDK and the CLI', async () => {
    const projectId = (await admin.post('/projects', { name: `First run ${Date.now()}` })).body.id as string;
    const key = await admin.post(`/projects/${projectId}/api-keys`, { name: 'first run', scope: 'write' });
    expect(key.status).toBe(201);
    const snippets = firstRunSnippets(server.url, projectId, key.body.api_key, 'echo hello from the job');
    const env = { PATH: `${workDir}:${process.env.PATH ?? '/usr/bin:/bin'}` };

    const created = await shell(snippets.createTask.value, env);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    const task = JSON.parse(created.stdout);
    expect(task).toMatchObject({ name: 'first-job', execution_mode: 'external' });
    const runs = async (count: number) =>
      waitFor(async () => {
        const history = (await admin.get(`/projects/${projectId}/tasks/${task.id}/history`)).body.data as Array<{ status: string }>;
        return history.length === count && history.every((run) => run.status === 'SUCCESS') ? history : null;
      });

    const [byCurl, bySdk, byCli] = snippets.ways;
    expect((await shell(byCurl!.value, env)).code).toBe(0);
    await runs(1);

    writeFileSync(join(workDir, 'first-job.mjs'), bySdk!.value);
    const sdkEnv = { ...env, CRON_OBSERVER_URL: server.url, CRON_OBSERVER_API_KEY: key.body.api_key };
    expect(await shell(`node ${join(workDir, 'first-job.mjs')}`, sdkEnv)).toMatchObject({ code: 0 });
    await runs(2);

    const cli = await shell(byCli!.value, env);
    expect(cli).toMatchObject({ code: 0 });
    expect(cli.stdout).toContain('hello from the job');
    await runs(3);
  });

  it("the README's walkthrough runs as written, and its commands are the guide's", async () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Your first monitored job'));
    const script = section.slice(section.indexOf('```sh\n') + 6, section.indexOf('\n```\n'));
    const runnable = script
      .replace('URL=http://localhost:8080/api/v1', `URL=${server.url}/api/v1`)
      .replace('<email>', TEST_ADMIN.email)
      .replace('<password>', TEST_ADMIN.password);
    const result = await shell(`set -e\ncd ${workDir}\n${runnable}\necho "\nPROJECT=$P"`);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const projectId = /PROJECT=(\S+)/.exec(result.stdout)![1]!;
    const tasks = (await admin.get(`/projects/${projectId}/tasks`)).body as Array<{ id: string; name: string }>;
    expect(tasks.map((t) => t.name)).toEqual(['first-job']);
    await waitFor(async () => {
      const history = (await admin.get(`/projects/${projectId}/tasks/${tasks[0]!.id}/history`)).body.data as Array<{ status: string }>;
      return history.length === 1 && history[0]!.status === 'SUCCESS';
    });
    // The same commands as the dashboard's guide, with the shell's variables for the id and key.
    const guide = firstRunSnippets('http://localhost:8080', '$P', '$KEY');
    for (const line of [guide.createTask.value, guide.ways[0]!.value]) expect(script.replaceAll('"Authorization: Bearer $KEY"', "'Authorization: Bearer $KEY'").replaceAll('$URL', 'http://localhost:8080/api/v1')).toContain(line);
  });
});
