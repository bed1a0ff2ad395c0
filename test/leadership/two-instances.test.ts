import { ApiClient } from '../support/api-client';
import { type ServerProcess, startServerProcess } from '../support/server-process';
import { makeTempDir } from '../support/temp-dir';
import { waitFor } from '../support/wait-for';

const ADMIN = { ADMIN_EMAIL: 'admin@example.com', ADMIN_PASSWORD: 'a-long-password' };

async function health(server: ServerProcess): Promise<{ leader: boolean; status: string }> {
  return (await (await fetch(`${server.url}/api/v1/health`)).json()) as { leader: boolean; status: string };
}

/** Two server processes on the same embedded data: one leads, the other serves and takes over. */
describe('several instances on one data directory', () => {
  const temp = makeTempDir('two-instances-');
  const servers: ServerProcess[] = [];
  afterAll(async () => {
    for (const server of servers) server.child.kill('SIGKILL');
    await Promise.all(servers.map((s) => s.exited));
    temp.cleanup();
  });

  it('one leads, the follower serves reads and writes, and takes over within seconds of a SIGKILL', async () => {
    const first = await startServerProcess({ DATA_DIR: temp.dir, ...ADMIN });
    servers.push(first);
    const second = await startServerProcess({ DATA_DIR: temp.dir, ...ADMIN });
    servers.push(second);
    expect((await health(first)).leader).toBe(true);
    expect((await health(second)).leader).toBe(false);

    // A write through the follower is readable through it: it waits for the leader's projections.
    const login = await new ApiClient(second.url).post('/auth/login', { email: ADMIN.ADMIN_EMAIL, password: ADMIN.ADMIN_PASSWORD });
    expect(login.status).toBe(200);
    const viaFollower = new ApiClient(second.url, { token: login.body.token });
    const created = await viaFollower.post('/projects', { name: 'Shared' });
    expect(created.status).toBe(201);
    expect((await viaFollower.get(`/projects/${created.body.id}`)).status).toBe(200);

    first.child.kill('SIGKILL');
    await first.exited;
    const killedAt = Date.now();
    await waitFor(async () => (await health(second)).leader, { timeoutMs: 15_000, intervalMs: 200, what: 'the follower to take over' });
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    // The new leader applies projections: a new write is visible.
    const another = await viaFollower.post('/projects', { name: 'After failover' });
    expect(another.status).toBe(201);
    const projects = await viaFollower.get('/projects');
    expect(projects.body.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['Shared', 'After failover']));
  }, 60_000);
});
