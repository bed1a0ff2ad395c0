import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { GENERATED_ADMIN_EMAIL, INITIAL_ADMIN_FILE } from '../../../src/commands/flows/bootstrap-first-admin';
import { loadConfig } from '../../../src/config/config';
import { type RunningServer, startServer } from '../../../src/server';
import { ApiClient } from '../../support/api-client';
import { capturedLogger } from '../../support/captured-logger';
import { logInAs } from '../../support/signed-in';
import { makeTempDir } from '../../support/temp-dir';
import { strongPassword } from '../../support/passwords';
import { testEngineEnv } from '../../support/test-stores';

describe('first super admin', () => {
  let temp: ReturnType<typeof makeTempDir>;
  const running: RunningServer[] = [];

  beforeEach(() => {
    temp = makeTempDir('cron-observer-first-admin-');
  });
  afterEach(async () => {
    for (const server of running.splice(0)) await server.close();
    temp.cleanup();
  });

  /** A server on the test's data directory, so a second start is a restart on the same stores. */
  async function start(env: Record<string, string> = {}) {
    const log = capturedLogger();
    const server = await startServer(loadConfig({ PORT: '0', DATA_DIR: temp.dir, ...testEngineEnv(temp.dir), ...env }), { logger: log.logger });
    running.push(server);
    const created = () => log.entries().filter((e) => String(e.msg).startsWith('first super admin created'));
    return { server, created };
  }

  async function stop(server: RunningServer) {
    running.splice(running.indexOf(server), 1);
    await server.close();
  }

  async function users(server: RunningServer, email: string, password: string) {
    const admin = await logInAs(server.url, email, password);
    return (await admin.get('/users')).body as Array<{ email: string; super_admin: boolean }>;
  }

  it('is generated on an empty store: printed once, written to DATA_DIR/initial-admin.txt with mode 0600', async () => {
    const { server, created } = await start();
    const file = join(temp.dir, INITIAL_ADMIN_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const [, email, password] = /^email: (.+)\npassword: (.+)\n$/.exec(readFileSync(file, 'utf8'))!;
    expect(email).toBe(GENERATED_ADMIN_EMAIL);
    expect(created()).toEqual([expect.objectContaining({ email, password, file })]);
    expect(await users(server, email!, password!)).toEqual([expect.objectContaining({ email, super_admin: true })]);

    // A restart, even with ADMIN_EMAIL set now, never adds a second admin.
    await stop(server);
    const again = await start({ ADMIN_EMAIL: 'other@example.com', ADMIN_PASSWORD: 'other-password' });
    expect(again.created()).toEqual([]);
    expect(await users(again.server, email!, password!)).toHaveLength(1);
    const other = await new ApiClient(again.server.url).post('/auth/login', { email: 'other@example.com', password: 'other-password' });
    expect(other.status).toBe(401);
    expect(readFileSync(file, 'utf8')).toContain(password);
  });

  it('comes from ADMIN_EMAIL and ADMIN_PASSWORD when they are set, without a file or a password in the log', async () => {
    const { server, created } = await start({ ADMIN_EMAIL: 'Boss@Example.com', ADMIN_PASSWORD: strongPassword('boss') });
    expect(existsSync(join(temp.dir, INITIAL_ADMIN_FILE))).toBe(false);
    expect(created()).toEqual([expect.objectContaining({ email: 'boss@example.com' })]);
    expect(created()[0]).not.toHaveProperty('password');
    expect(await users(server, 'boss@example.com', strongPassword('boss'))).toEqual([
      expect.objectContaining({ email: 'boss@example.com', super_admin: true }),
    ]);

    await stop(server);
    const again = await start();
    expect(again.created()).toEqual([]);
    expect(existsSync(join(temp.dir, INITIAL_ADMIN_FILE))).toBe(false);
    expect(await users(again.server, 'boss@example.com', strongPassword('boss'))).toHaveLength(1);
  });
});
