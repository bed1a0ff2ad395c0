import { randomUUID } from 'node:crypto';
import { ApiClient } from '../../support/api-client';
import { newSignedInUser, startServerWithAdmin } from '../../support/signed-in';
import type { TestServer } from '../../support/test-server';

describe('project API keys', () => {
  let server: TestServer;
  let owner: ApiClient;
  let project: { id: string; api_key: string };
  let other: { id: string; api_key: string };

  beforeAll(async () => {
    let admin: ApiClient;
    ({ server, admin } = await startServerWithAdmin());
    owner = await newSignedInUser(admin, 'owner@example.com');
    project = (await owner.post('/projects', { name: 'Keys' })).body;
    other = (await owner.post('/projects', { name: 'Other keys' })).body;
  });
  afterAll(async () => {
    await server.stop();
  });

  const byKey = (key: string) => new ApiClient(server.url, { apiKey: key });

  it('creates keys with a scope, showing the raw key once; lists show prefix, scope and dates only', async () => {
    const created = await owner.post(`/projects/${project.id}/api-keys`, { name: ' CI ', scope: 'ingest' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'CI',
      scope: 'ingest',
      prefix: `${created.body.api_key.slice(0, 9)}…`,
      created_at: expect.any(String),
      last_used_at: null,
      revoked: false,
      revoked_at: null,
      api_key: expect.stringMatching(/^co_/),
    });
    const list = await owner.get(`/projects/${project.id}/api-keys`);
    expect(list.status).toBe(200);
    expect(list.body).toEqual([
      expect.objectContaining({ name: 'Default key', scope: 'write', revoked: false }),
      { ...created.body, api_key: undefined },
    ]);
    expect(JSON.stringify(list.body)).not.toContain(created.body.api_key);
  });

  it('lets each scope do what it may: ingest reports only, read and write read the project', async () => {
    const key = async (scope: string) => (await owner.post(`/projects/${project.id}/api-keys`, { name: scope, scope })).body.api_key as string;
    const [ingest, read, write] = [await key('ingest'), await key('read'), await key('write')];
    expect((await byKey(ingest).get(`/projects/${project.id}`)).status).toBe(403);
    expect((await byKey(read).get(`/projects/${project.id}`)).status).toBe(200);
    expect((await byKey(write).get(`/projects/${project.id}`)).status).toBe(200);
    // `Bearer <key>` works as well as the raw key.
    expect((await new ApiClient(server.url, { token: read }).get(`/projects/${project.id}`)).status).toBe(200);
    // In another project a key is told what a non-member is (the project is not revealed), and it
    // never administers (those routes need a person).
    const elsewhere = await byKey(write).get(`/projects/${other.id}`);
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.body).toEqual({ error: `Project ${other.id} not found` });
    expect(await byKey(write).get(`/projects/${randomUUID()}`)).toMatchObject({ status: 404 });
    expect((await byKey(write).get(`/projects/${project.id}/api-keys`)).status).toBe(401);
    expect((await byKey(write).get('/projects')).status).toBe(401);
  });

  it('revokes a key: it answers 401 at once, even right after it was used (and cached)', async () => {
    const created = (await owner.post(`/projects/${project.id}/api-keys`, { name: 'short-lived', scope: 'read' })).body;
    expect((await byKey(created.api_key).get(`/projects/${project.id}`)).status).toBe(200);
    const revoked = await owner.delete(`/projects/${project.id}/api-keys/${created.id}`);
    expect(revoked.status).toBe(204);
    const after = await byKey(created.api_key).get(`/projects/${project.id}`);
    expect(after.status).toBe(401);
    expect(after.body).toEqual({ error: 'Unknown or revoked API key' });
    const listed = (await owner.get(`/projects/${project.id}/api-keys`)).body.find((k: { id: string }) => k.id === created.id);
    expect(listed).toMatchObject({ revoked: true, revoked_at: expect.any(String) });
    // Revoking again: 409; an unknown key, or one of another project: 404.
    expect((await owner.delete(`/projects/${project.id}/api-keys/${created.id}`)).status).toBe(409);
    expect((await owner.delete(`/projects/${project.id}/api-keys/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
    const otherKeys = (await owner.get(`/projects/${other.id}/api-keys`)).body;
    expect((await owner.delete(`/projects/${project.id}/api-keys/${otherKeys[0].id}`)).status).toBe(404);
  });

  it('refuses a blank name or an unknown scope with 400', async () => {
    expect((await owner.post(`/projects/${project.id}/api-keys`, { name: '  ', scope: 'read' })).status).toBe(400);
    const scope = await owner.post(`/projects/${project.id}/api-keys`, { name: 'x', scope: 'admin' });
    expect(scope.status).toBe(400);
    expect(scope.body.details).toEqual([expect.stringMatching(/^scope: /)]);
  });
});
