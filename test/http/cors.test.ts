import type { ApiClient } from '../support/api-client';
import { startServerWithAdmin } from '../support/signed-in';
import { createProject, createTask, triggerTask } from '../support/task-fixtures';
import type { TestServer } from '../support/test-server';

const LISTED = 'https://ops.example.com';
const OTHER = 'https://elsewhere.example.org';

/** Cross-origin calls from browsers, as CORS_ORIGINS allows them. */
describe('CORS', () => {
  const servers: TestServer[] = [];
  afterAll(() => Promise.all(servers.map((s) => s.stop())));

  async function serverWith(origins: string | null): Promise<{ server: TestServer; admin: ApiClient }> {
    const started = await startServerWithAdmin({}, origins === null ? {} : { CORS_ORIGINS: origins });
    servers.push(started.server);
    return started;
  }

  const preflight = (server: TestServer, path: string, origin: string) =>
    fetch(`${server.url}/api/v1${path}`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization,content-type,idempotency-key' },
    });

  it('answers preflights and adds the headers, with credentials, for a listed origin on every API route', async () => {
    const { server, admin } = await serverWith(`${LISTED},http://localhost:5173`);
    const pre = await preflight(server, '/projects/some-project', LISTED);
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe(LISTED);
    expect(pre.headers.get('access-control-allow-credentials')).toBe('true');
    expect(pre.headers.get('access-control-allow-methods')).toContain('PUT');
    expect(pre.headers.get('access-control-allow-headers')).toBe('authorization,content-type,idempotency-key');

    const project = await createProject(admin);
    const taskId = (await createTask(admin, project.id)).id as string;
    const executionId = await triggerTask(admin, project.id, taskId);
    const origin = { origin: LISTED };
    // The executors' log route is answered outside express for ordinary requests; a browser's is not ordinary.
    const log = await fetch(`${server.url}/api/v1/executions/${executionId}/logs`, {
      method: 'POST',
      headers: { ...origin, authorization: project.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'from a browser', level: 'info', extra: 1 }),
    });
    for (const response of [
      log,
      await fetch(`${server.url}/api/v1/health`, { headers: origin }),
      await fetch(`${server.url}/api/v1/projects/${project.id}/tasks`, { headers: { ...origin, authorization: project.apiKey } }),
      await fetch(`${server.url}/api/v1/no-such-route`, { headers: origin }),
    ]) {
      expect(response.status).toBeLessThan(500);
      expect(response.headers.get('access-control-allow-origin')).toBe(LISTED);
      expect(response.headers.get('access-control-allow-credentials')).toBe('true');
      expect(response.headers.get('vary')).toMatch(/origin/i);
    }
    expect(log.status).toBe(200);
    expect(log.headers.get('access-control-expose-headers')).toContain('Warning');
  });

  it('sends no CORS header to an origin that is not listed', async () => {
    const { server } = await serverWith(LISTED);
    const pre = await preflight(server, '/projects', OTHER);
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    const health = await fetch(`${server.url}/api/v1/health`, { headers: { origin: OTHER } });
    expect(health.status).toBe(200);
    expect(health.headers.get('access-control-allow-origin')).toBeNull();
    expect(health.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('lets any origin call without credentials with *, and listed ones with them', async () => {
    const { server } = await serverWith(`${LISTED},*`);
    const other = await fetch(`${server.url}/api/v1/health`, { headers: { origin: OTHER } });
    expect(other.headers.get('access-control-allow-origin')).toBe('*');
    expect(other.headers.get('access-control-allow-credentials')).toBeNull();
    const listed = await fetch(`${server.url}/api/v1/health`, { headers: { origin: LISTED } });
    expect(listed.headers.get('access-control-allow-origin')).toBe(LISTED);
    expect(listed.headers.get('access-control-allow-credentials')).toBe('true');
  });

  it('sends no CORS header at all by default', async () => {
    const { server } = await serverWith(null);
    const pre = await preflight(server, '/projects', LISTED);
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    const health = await fetch(`${server.url}/api/v1/health`, { headers: { origin: LISTED } });
    expect(health.headers.get('access-control-allow-origin')).toBeNull();
  });
});
