import Database from 'better-sqlite3';
import { join } from 'node:path';
import { runNode } from '../support/run-node';
import { startTestServer, type TestServer } from '../support/test-server';
import { EMBEDDED_ENGINES_ENV } from '../support/test-stores';
import { waitFor } from '../support/wait-for';

/** `npm run backup` and `npm run projections -- rebuild` against the data of a running server. */
describe('operations CLIs against a running server', () => {
  let server: TestServer;
  beforeAll(async () => {
    // SQLite internals: backs up the events.db and read.db files of DATA_DIR (EventStoreDB/MongoDB have their own tools).
    server = await startTestServer({ ...EMBEDDED_ENGINES_ENV, ADMIN_EMAIL: 'admin@example.com', ADMIN_PASSWORD: 'a-long-password' });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('backs up the event store online: the copy holds every event the server had', async () => {
    const target = join(server.dataDir, 'backup.db');
    const before = await server.services.events.headPosition();
    const run = await runNode('src/cli/backup.ts', [target], { DATA_DIR: server.dataDir, ...EMBEDDED_ENGINES_ENV });
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    const copy = new Database(target, { readonly: true });
    const { events } = copy.prepare('SELECT count(*) AS events FROM events').get() as { events: number };
    copy.close();
    expect(events).toBeGreaterThanOrEqual(before ?? 0);
    expect(run.stdout).toContain(`Backed up ${events} events`);
    // The server is unaffected.
    expect((await fetch(`${server.url}/api/v1/health`)).status).toBe(200);
  });

  it('refuses to overwrite an existing file', async () => {
    const run = await runNode('src/cli/backup.ts', [join(server.dataDir, 'events.db')], { DATA_DIR: server.dataDir, ...EMBEDDED_ENGINES_ENV });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('already exists');
  });

  it('rebuilds a projection beside the live one; the server follows the switch', async () => {
    const before = server.services.registry.generationOf('access')!.generation;
    const run = await runNode('src/cli/projections.ts', ['rebuild', 'access'], { DATA_DIR: server.dataDir, ...EMBEDDED_ENGINES_ENV });
    expect(run.stderr).not.toContain('Unknown');
    expect(run.code).toBe(0);
    await waitFor(() => server.services.registry.generationOf('access')!.generation === before + 1, { what: 'the server to follow the rebuild' });
    // Logging in reads the access projection: it still works on the new generation.
    const login = await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@example.com', password: 'a-long-password' }),
    });
    expect(login.status).toBe(200);
  });

  it('names the known projections when asked for an unknown one', async () => {
    const run = await runNode('src/cli/projections.ts', ['rebuild', 'nope'], { DATA_DIR: server.dataDir, ...EMBEDDED_ENGINES_ENV });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Unknown projection\(s\): nope; known: .*access/);
  });
});
