import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { ApiClient } from '../support/api-client';
import { newSignedInUser } from '../support/signed-in';
import { makeTempDir } from '../support/temp-dir';
import type { TestServer } from '../support/test-server';
import { itOnEmbeddedEvents } from '../support/test-stores';
import { createSdkProject, createTask, runCli, type SdkProject, startSdkServer } from './sdk-fixtures';

/**
 * `cron-observer audit verify`, the built CLI against a real server: the hash chain of a project's
 * streams (project admins) or of the whole store (super admins), checked by the server as it walks the
 * store, and a byte changed in the database file named exactly.
 */
describe('cron-observer audit verify', () => {
  let server: TestServer;
  let admin: ApiClient;
  let project: SdkProject;
  let temp: ReturnType<typeof makeTempDir>;
  let env: Record<string, string>;
  let taskId: string;

  beforeAll(async () => {
    ({ server, admin } = await startSdkServer());
    project = await createSdkProject(admin, { name: 'Ledger' });
    await createSdkProject(admin, { name: 'Other' });
    taskId = (await createTask(admin, project.id, { name: 'close-books' })).id;
    await createTask(admin, project.id, { name: 'open-books' });
    temp = makeTempDir('cron-observer-verify-cli-');
    env = { CRON_OBSERVER_URL: server.url, CRON_OBSERVER_TOKEN: (admin.credentials as { token: string }).token, CRON_OBSERVER_CONFIG: join(temp.dir, 'config.json') };
  });
  afterAll(async () => {
    await server.stop();
    temp.cleanup();
  });

  it("verifies a project's streams, and the whole store without --project", async () => {
    const projectRun = await runCli(['audit', 'verify', '--project', 'Ledger'], env);
    expect(projectRun).toMatchObject({ code: 0, stderr: '' });
    expect(projectRun.stdout).toMatch(/^verified \d+ events in [3-9] streams\n$/); // the project and its two tasks at least

    const storeRun = await runCli(['audit', 'verify'], env);
    expect(storeRun.code).toBe(0);
    const [, projectEvents] = /^verified (\d+)/.exec(projectRun.stdout)!;
    const [, storeEvents] = /^verified (\d+)/.exec(storeRun.stdout)!;
    expect(Number(storeEvents)).toBeGreaterThan(Number(projectEvents));
  });

  it('refuses a viewer of the project (403) and the whole store to anyone but a super admin', async () => {
    const email = `viewer-${Date.now()}@example.com`;
    const viewer = await newSignedInUser(admin, email);
    expect((await admin.put(`/projects/${project.id}/members/${email}`, { role: 'viewer' })).status).toBe(200);
    const asViewer = { ...env, CRON_OBSERVER_TOKEN: (viewer.credentials as { token: string }).token };
    const projectRun = await runCli(['audit', 'verify', '--project', project.id], asViewer);
    expect(projectRun.code).toBe(1);
    expect(projectRun.stderr).toContain('403');
    const storeRun = await runCli(['audit', 'verify'], asViewer);
    expect(storeRun.code).toBe(1);
    expect(storeRun.stderr).toContain('Only a super admin may verify the whole store');
  });

  // SQLite internals: changes a byte of events.db behind the server's back.
  itOnEmbeddedEvents('names the event whose stored bytes were changed, and exits 2', async () => {
    const db = new Database(join(server.dataDir, 'events.db'));
    const stream = `task-${taskId}`;
    const changed = db.prepare(`UPDATE events SET data = replace(data, 'close-books', 'close-bookz') WHERE stream_id = (SELECT id FROM streams WHERE name = ?) AND revision = 0`).run(stream);
    db.close();
    expect(changed.changes).toBe(1);

    const run = await runCli(['audit', 'verify', '--project', 'Ledger'], env);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain(`broken link at ${stream} revision 0: changed: its hash does not match its content`);
  });
});
