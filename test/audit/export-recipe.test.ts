import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ApiClient } from '../support/api-client';
import { startServerWithAdmin } from '../support/signed-in';
import { createProject, createTask, type TestProject, triggerTask } from '../support/task-fixtures';
import { makeTempDir } from '../support/temp-dir';
import type { TestServer } from '../support/test-server';

const run = promisify(execFile);

/** The README's offline check ("Audit export"), exactly as printed there, run on real exports. */
describe('the README recipe that checks an audit export offline', () => {
  let server: TestServer;
  let admin: ApiClient;
  let project: TestProject;
  let temp: ReturnType<typeof makeTempDir>;
  let recipe: string;
  let stream: string;

  beforeAll(async () => {
    temp = makeTempDir('audit-recipe-');
    const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
    const block = /```js\n(\/\/ verify-export\.js[\s\S]*?)```/.exec(readme);
    if (!block) throw new Error('README.md has no ```js block starting with "// verify-export.js"');
    // In a directory of its own: nothing but Node's standard library to find.
    recipe = join(temp.dir, 'verify-export.js');
    writeFileSync(recipe, block[1]!);

    ({ server, admin } = await startServerWithAdmin());
    project = await createProject(admin);
    const task = await createTask(admin, project.id, { description: 'nightly, "quoted", ünïcödé ✓' });
    await admin.put(`/projects/${project.id}/tasks/${task.id}`, { ...task, description: 'changed' });
    await triggerTask(admin, project.id, task.id);
    stream = `probe-${randomUUID()}`;
    const events = ['2020-01-01', '2020-01-02', '2020-01-03', '2020-01-04'].map((day, n) => {
      const id = randomUUID();
      const data = { projectId: project.id, n, nested: { z: 1.5, a: [true, null, 'x'], 'é': 1e21 } };
      return { type: 'Probed', data, metadata: { eventId: id, occurredAt: `${day}T00:00:00.000Z`, actor: 'system:test', correlationId: id, causationId: id, schemaVersion: 1 } };
    });
    await server.services.events.append(stream, events, 'no_stream');
  });
  afterAll(async () => {
    await server?.stop();
    temp.cleanup();
  });

  async function exportFile(query = ''): Promise<string> {
    const response = await fetch(`${server.url}/api/v1/projects/${project.id}/audit/export${query}`, { headers: { authorization: `Bearer ${(admin.credentials as { token: string }).token}` } });
    expect(response.status).toBe(200);
    const file = join(temp.dir, `export-${randomUUID()}.ndjson`);
    writeFileSync(file, await response.text());
    return file;
  }

  async function check(file: string): Promise<{ code: number; out: string }> {
    try {
      const { stdout } = await run(process.execPath, [recipe, file], { cwd: temp.dir });
      return { code: 0, out: stdout };
    } catch (err) {
      const failed = err as { code: number; stdout: string; stderr: string };
      return { code: failed.code, out: failed.stdout + failed.stderr };
    }
  }

  function lines(file: string): string[] {
    return readFileSync(file, 'utf8').split('\n').slice(0, -1);
  }

  it('verifies an untouched export, whole or partial', async () => {
    const whole = await exportFile();
    const count = lines(whole).length;
    expect(count).toBeGreaterThan(8);
    expect(await check(whole)).toEqual({ code: 0, out: `verified ${count} events (0 from before the chain), 0 problems\n` });

    const partial = await exportFile('?from=2020-01-02T00:00:00Z&to=2020-01-04T00:00:00Z');
    expect(lines(partial)).toHaveLength(2);
    expect(await check(partial)).toEqual({ code: 0, out: 'verified 2 events (0 from before the chain), 0 problems\n' });
  });

  it('names the line whose one byte was changed', async () => {
    const file = await exportFile();
    const all = lines(file);
    const at = all.findIndex((line) => line.includes('"changed"'));
    expect(at).toBeGreaterThanOrEqual(0);
    all[at] = all[at]!.replace('"changed"', '"chanGed"');
    writeFileSync(file, `${all.join('\n')}\n`);
    const { stream: changedStream, revision } = JSON.parse(all[at]!) as { stream: string; revision: number };

    const { code, out } = await check(file);

    expect(code).toBe(1);
    expect(out).toContain(`line ${at + 1}: ${changedStream} revision ${revision}: changed: its hash does not match its content`);
    expect(out).toMatch(/, 1 problems\n$/);
  });

  it('names a removed line and a line whose hash was recomputed', async () => {
    const file = await exportFile();
    const all = lines(file);
    const second = all.findIndex((line) => line.includes(`"stream":"${stream}","revision":1,`));
    writeFileSync(file, `${all.filter((_, i) => i !== second).join('\n')}\n`);

    const removed = await check(file);

    expect(removed.code).toBe(1);
    expect(removed.out).toContain(`line ${second + 1}: ${stream} revision 2: revision 1 is missing`);

    // Changed and given a hash that fits its new content: the next line of its stream no longer links to it.
    const line = JSON.parse(all[second]!) as { data: { n: number }; hash: string };
    const forged = all[second]!.replace('"n":1,', '"n":7,');
    const { createHash } = await import('node:crypto');
    const { position: _position, hash: _hash, ...hashed } = JSON.parse(forged) as Record<string, unknown>;
    const canonical = (await import('canonicalize')).default(hashed)!;
    all[second] = forged.replace(line.hash, createHash('sha256').update(canonical).digest('hex'));
    writeFileSync(file, `${all.join('\n')}\n`);

    const rehashed = await check(file);

    expect(rehashed.code).toBe(1);
    expect(rehashed.out).toContain(`line ${second + 2}: ${stream} revision 2: previousHash is not the hash of the line before it`);
  });
});
