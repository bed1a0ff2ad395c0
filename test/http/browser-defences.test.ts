import { ApiClient } from '../support/api-client';
import { startServerWithAdmin, TEST_ADMIN } from '../support/signed-in';
import { apiKeyClient, createProject } from '../support/task-fixtures';
import { startTestServer, type TestServer } from '../support/test-server';

type ErrorBody = { error: string; details: string[] };

const EVIL = 'https://evil.example.net';
const LISTED = 'https://ops.example.com';

/** CSRF defence for the session cookie, security headers on every response, and the bind address. */
describe('browser defences', () => {
  let server: TestServer;
  let admin: ApiClient;
  let cookie: string;
  let origin: string;

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin({}, { CORS_ORIGINS: LISTED }));
    origin = new URL(server.url).origin;
    const login = await new ApiClient(server.url).post('/auth/login', TEST_ADMIN);
    cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  });
  afterAll(() => server?.stop());

  /** A state change as a page sends it with the session cookie. */
  const cookieWrite = (method: string, path: string, headers: Record<string, string>, body?: string) =>
    fetch(`${server.url}/api/v1${path}`, { method, headers: { cookie, ...headers }, body });

  it('sends the security headers on API answers, errors and the dashboard', async () => {
    const answers = [
      await fetch(`${server.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${admin.credentials && 'token' in admin.credentials ? admin.credentials.token : ''}` } }),
      await fetch(`${server.url}/api/v1/no-such-route`),
      await fetch(`${server.url}/`),
      await fetch(`${server.url}/projects/some-project`),
    ];
    for (const response of answers) {
      const csp = response.headers.get('content-security-policy');
      expect(csp).toMatch(/default-src 'self'/);
      expect(csp).toMatch(/script-src 'self'/);
      expect(csp).toMatch(/style-src 'self'(;|$)/);
      expect(csp).toMatch(/frame-ancestors 'none'/);
      expect(csp).toMatch(/object-src 'none'/);
      expect(csp).not.toMatch(/upgrade-insecure-requests/);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('referrer-policy')).toBe('same-origin');
    }
    // Swagger UI styles itself inline: that page alone allows inline styles.
    const docs = await fetch(`${server.url}/api/docs/`);
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-security-policy')).toMatch(/style-src 'self' 'unsafe-inline'/);
    expect(docs.headers.get('content-security-policy')).toMatch(/script-src 'self'(;|$)/);
  });

  it('sends them on the executor report fast path too', async () => {
    const project = await createProject(admin);
    const ingest = await apiKeyClient(admin, project.id, 'ingest');
    const response = await ingest.patch('/executions/no-such-execution/status', { status: 'RUNNING' });
    expect(response.status).toBe(404);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
  });

  it('refuses a cookie-authenticated state change that is not JSON with 415', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const response = await cookieWrite('POST', '/projects', { origin, 'content-type': type }, JSON.stringify({ name: 'csrf' }));
      expect(response.status).toBe(415);
      const body = (await response.json()) as ErrorBody;
      expect(body.error).toBe('Unsupported Content-Type for a cookie-authenticated request');
      expect(body.details[0]).toMatch(/^Content-Type: must be application\/json when the session cookie authenticates a POST/);
    }
    expect((await cookieWrite('POST', '/auth/logout', { origin })).status).toBe(415);
    expect((await admin.as({ cookie }).get('/auth/me')).status).toBe(200);
  });

  it('refuses a cookie-authenticated state change from another origin with 403 naming the rule', async () => {
    for (const from of [EVIL, 'null', `${origin}.evil.example.net`]) {
      const response = await cookieWrite('POST', '/projects', { origin: from, 'content-type': 'application/json' }, JSON.stringify({ name: 'csrf' }));
      expect(response.status).toBe(403);
      const body = (await response.json()) as ErrorBody;
      expect(body.error).toMatch(/^Cross-origin request refused: a state change made with the session cookie must come from the dashboard's origin/);
      expect(body.details[0]).toMatch(/^Origin: ".*" is neither this server's origin nor listed in CORS_ORIGINS$/);
    }
    const json = { 'content-type': 'application/json' };
    const noOrigin = await cookieWrite('DELETE', '/auth/logout', json);
    expect(noOrigin.status).toBe(403);
    expect(((await noOrigin.json()) as ErrorBody).details).toEqual(['Origin: missing, and neither Sec-Fetch-Site nor Referer shows a same-origin request']);
    expect((await cookieWrite('POST', '/projects', { ...json, 'sec-fetch-site': 'cross-site' }, '{"name":"x"}')).status).toBe(403);
    expect((await cookieWrite('POST', '/projects', { ...json, referer: `${EVIL}/page` }, '{"name":"x"}')).status).toBe(403);
    const projects = await admin.get('/projects');
    expect(projects.body.map((p: { name: string }) => p.name)).not.toContain('csrf');
  });

  it('accepts a same-origin cookie write, by Origin, by Sec-Fetch-Site or by Referer, and from an origin in CORS_ORIGINS', async () => {
    const json = { 'content-type': 'application/json; charset=utf-8' };
    const sends: Record<string, string>[] = [{ origin }, { origin: LISTED }, { 'sec-fetch-site': 'same-origin' }, { referer: `${origin}/projects` }];
    for (const [i, headers] of sends.entries()) {
      const response = await cookieWrite('POST', '/projects', { ...json, ...headers }, JSON.stringify({ name: `same origin ${i}` }));
      expect(response.status).toBe(201);
    }
    // Reads are not affected.
    expect((await fetch(`${server.url}/api/v1/auth/me`, { headers: { cookie, origin: EVIL } })).status).toBe(200);
  });

  it('leaves requests authenticated by an API key or a bearer token alone, whatever their Origin and type', async () => {
    const project = await createProject(admin);
    const write = await apiKeyClient(admin, project.id, 'write');
    const key = write.credentials && 'apiKey' in write.credentials ? write.credentials.apiKey : '';
    const byKey = await fetch(`${server.url}/api/v1/projects/${project.id}/task-groups`, {
      method: 'POST',
      headers: { authorization: key, origin: EVIL, 'content-type': 'text/plain', cookie },
      body: JSON.stringify({ name: 'from a script' }),
    });
    expect(byKey.status).toBe(201);
    const token = admin.credentials && 'token' in admin.credentials ? admin.credentials.token : '';
    const byToken = await fetch(`${server.url}/api/v1/projects`, { method: 'POST', headers: { authorization: `Bearer ${token}`, origin: EVIL }, body: JSON.stringify({ name: 'by token' }) });
    expect(byToken.status).toBe(201);
  });
});

describe('HOST', () => {
  // All of 127.0.0.0/8 is loopback on Linux: a server bound to 127.0.0.1 alone refuses 127.0.0.2.
  const reaches = (port: number, address: string) =>
    fetch(`http://${address}:${port}/api/v1/auth/me`).then(
      (response) => response.status,
      () => 'refused',
    );

  it('binds the server to the configured address only', async () => {
    const server = await startTestServer({ HOST: '127.0.0.1' });
    try {
      expect(await reaches(server.port, '127.0.0.1')).toBe(401);
      expect(await reaches(server.port, '127.0.0.2')).toBe('refused');
    } finally {
      await server.stop();
    }
  });

  it('binds every interface when unset, as before', async () => {
    const server = await startTestServer();
    try {
      expect(await reaches(server.port, '127.0.0.2')).toBe(401);
    } finally {
      await server.stop();
    }
  });
});
