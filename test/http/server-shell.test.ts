import { startTestServer, type TestServer } from '../support/test-server';

describe('server shell', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('reports health with the documented shape', async () => {
    const response = await fetch(`${server.url}/api/v1/health`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { projections: Record<string, unknown> };
    expect(body).toMatchObject({ status: 'ok', event_store: 'ok', read_store: 'ok', leader: true });
    expect(typeof body.projections).toBe('object');
    for (const projection of Object.values(body.projections) as Array<{ position: string | null; lag: number; behind_seconds: number }>) {
      expect(projection.position === null || /^\d+$/.test(projection.position)).toBe(true);
      expect(projection.lag).toBeGreaterThanOrEqual(0);
      expect(projection.behind_seconds).toBeGreaterThanOrEqual(0);
    }
  });

  it('serves the OpenAPI spec and the interactive docs', async () => {
    const spec = (await (await fetch(`${server.url}/api/v1/openapi.json`)).json()) as { openapi: string; paths: object };
    expect(spec.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.paths)).toContain('/health');
    const docs = await fetch(`${server.url}/api/docs/`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger');
  });

  it('answers an unknown API route with 404 and an error body', async () => {
    const response = await fetch(`${server.url}/api/v1/nothing-here`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'No route GET /api/v1/nothing-here' });
  });

  it('answers malformed JSON with 400 and a body too large with 413, then keeps serving', async () => {
    const malformed = await fetch(`${server.url}/api/v1/health`, { method: 'POST', body: '{"a":', headers: { 'content-type': 'application/json' } });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ error: 'Malformed JSON body' });
    const huge = await fetch(`${server.url}/api/v1/health`, { method: 'POST', body: JSON.stringify({ a: 'x'.repeat(2 * 1024 * 1024) }), headers: { 'content-type': 'application/json' } });
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as { error: string }).error).toMatch(/larger than the limit/);
    expect((await fetch(`${server.url}/api/v1/health`)).status).toBe(200);
  });
});
