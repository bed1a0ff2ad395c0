import { ApiClient } from '../../support/api-client';
import { newSignedInUser, startServerWithAdmin } from '../../support/signed-in';
import type { TestServer } from '../../support/test-server';

describe('projects (COMPAT.md routes)', () => {
  let server: TestServer;
  let admin: ApiClient;
  let ann: ApiClient;
  let bob: ApiClient;

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin());
    ann = await newSignedInUser(admin, 'ann@example.com');
    bob = await newSignedInUser(admin, 'bob@example.com');
  });
  afterAll(async () => {
    await server.stop();
  });

  async function create(client: ApiClient, body: Record<string, unknown>) {
    const response = await client.post('/projects', body);
    expect(response.status).toBe(201);
    return response.body;
  }

  it('creates a project in the original shape, with a write key and a signing secret shown once, the creator as admin', async () => {
    const response = await ann.post('/projects', { name: '  Billing  ', execution_endpoint: 'https://jobs.example.com/run' });
    expect(response.status).toBe(201);
    const project = response.body;
    expect(project).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      uuid: project.id,
      name: 'Billing',
      api_key: expect.stringMatching(/^co_[A-Za-z0-9_-]{43}$/),
      signing_secret: expect.stringMatching(/^whsec_/),
      execution_endpoint: 'https://jobs.example.com/run',
      timezone: 'UTC',
      alert_policy: null,
      retention_days: null,
      overlap_policy: 'allow',
      max_queued: null,
      project_users: [{ email: 'ann@example.com', role: 'admin', alerts: true }],
      created_at: expect.any(String),
      updated_at: project.created_at,
    });
    // The key works as a `write` key (it can read the project); later reads show only its prefix.
    const byKey = await new ApiClient(server.url, { apiKey: project.api_key }).get(`/projects/${project.id}`);
    expect(byKey.status).toBe(200);
    const { api_key: _key, signing_secret: _secret, ...rest } = project;
    expect(byKey.body).toEqual({ ...rest, api_key: `${project.api_key.slice(0, 9)}…` });
  });

  it('refuses a duplicate name case-insensitively with 409', async () => {
    await create(ann, { name: 'Reports' });
    const duplicate = await bob.post('/projects', { name: ' REPORTS ' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error).toMatch(/already exists/);
  });

  it('answers 400 with every problem of an invalid body in details', async () => {
    const response = await ann.post('/projects', {
      name: '   ',
      description: 'x'.repeat(1001),
      execution_endpoint: 'ftp://jobs.example.com',
      timezone: 'Europe/Pariss',
    });
    expect(response.status).toBe(400);
    expect(response.body.details).toEqual([expect.stringMatching(/^description: /)]);
    const semantic = await ann.post('/projects', { name: '   ', execution_endpoint: 'ftp://jobs.example.com', timezone: 'europe/paris' });
    expect(semantic.status).toBe(400);
    expect(semantic.body).toEqual({
      error: 'Invalid project',
      details: [
        'name: must be 1 to 255 characters once trimmed',
        'execution_endpoint: "ftp://jobs.example.com" is not an http(s) URL',
        'timezone: "europe/paris" is not an IANA time zone (did you mean "Europe/Paris"?)',
      ],
    });
    expect((await ann.post('/projects', { name: 'x'.repeat(256) })).status).toBe(400);
    // The original API's routes read tolerantly: an unknown field is ignored and named in a Warning header.
    const extra = await ann.post('/projects', { name: 'Extra', owner: 'me' });
    expect([extra.status, extra.headers.get('warning')]).toEqual([201, '299 - "Unknown fields ignored: owner"']);
    expect(extra.body).not.toHaveProperty('owner');
    expect((await ann.post('/projects', '{"name":')).status).toBe(400);
  });

  it('lists the projects a user is a member of, by name; a super admin sees all', async () => {
    const zeta = await create(bob, { name: 'zeta (bob)' });
    const alpha = await create(bob, { name: 'Alpha (bob)' });
    const bobs = await bob.get('/projects');
    expect(bobs.status).toBe(200);
    expect(bobs.body.map((p: { id: string }) => p.id)).toEqual([alpha.id, zeta.id]);
    const all = (await admin.get('/projects')).body.map((p: { name: string }) => p.name);
    expect(all).toEqual(expect.arrayContaining(['Alpha (bob)', 'zeta (bob)', 'Billing', 'Reports']));
    expect((await ann.get('/projects')).body.map((p: { name: string }) => p.name)).not.toContain('Alpha (bob)');
  });

  it('hides projects from non-members (404) but not from a super admin', async () => {
    const project = await create(bob, { name: 'Hidden' });
    const hidden = await ann.get(`/projects/${project.id}`);
    expect(hidden.status).toBe(404);
    expect(hidden.body).toEqual({ error: `Project ${project.id} not found` });
    expect((await ann.put(`/projects/${project.id}`, { description: 'mine now' })).status).toBe(404);
    expect((await admin.get(`/projects/${project.id}`)).status).toBe(200);
    expect((await admin.get('/projects/00000000-0000-4000-8000-00000000abcd')).status).toBe(404);
  });

  it('updates only the fields sent; alert_emails is a comma-separated string', async () => {
    const project = await create(ann, { name: 'Partial', description: 'first', execution_endpoint: 'http://old.example.com' });
    const response = await ann.put(`/projects/${project.id}`, {
      alert_emails: 'Ops@Example.com, dev@example.com,,ops@example.com',
      timezone: 'Europe/Paris',
      alert_policy: { after_failures: 3, notify_recovery: true },
      retention_days: 30,
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      name: 'Partial',
      description: 'first',
      execution_endpoint: 'http://old.example.com',
      alert_emails: 'ops@example.com,dev@example.com',
      timezone: 'Europe/Paris',
      alert_policy: { after_failures: 3, notify_recovery: true, realert_minutes: null },
      retention_days: 30,
    });
    expect(response.body.updated_at >= project.updated_at).toBe(true);
    const cleared = await ann.put(`/projects/${project.id}`, { description: null, execution_endpoint: '', alert_emails: '' });
    expect(cleared.body).not.toHaveProperty('description');
    expect(cleared.body).not.toHaveProperty('alert_emails');
    expect(cleared.body.execution_endpoint).toBeNull();
    expect((await ann.put(`/projects/${project.id}`, { alert_emails: 'not-an-email' })).body).toEqual({
      error: 'Invalid project',
      details: ['alert_emails: "not-an-email" is not an email address'],
    });
  });

  it('accepts a PUT of the project exactly as fetched, read-only fields included, and ignores unknown fields, naming them', async () => {
    const project = await create(ann, { name: 'Echo' });
    const fetched = (await ann.get(`/projects/${project.id}`)).body;
    const echoed = await ann.put(`/projects/${project.id}`, { ...fetched, description: 'echoed', project_id: project.id, state: 'x', trigger_config: {} });
    expect(echoed.status).toBe(200);
    expect(echoed.body).toEqual({ ...fetched, description: 'echoed', updated_at: expect.any(String) });
    const unknown = await ann.put(`/projects/${project.id}`, { colour: 'blue' });
    expect([unknown.status, unknown.headers.get('warning')]).toEqual([200, '299 - "Unknown fields ignored: colour"']);
    expect(unknown.body).toEqual({ ...echoed.body, updated_at: unknown.body.updated_at });
  });

  it('renames: the new name is taken (409 when someone has it), the old one is free again, case changes are fine', async () => {
    const first = await create(ann, { name: 'Old name' });
    await create(ann, { name: 'Taken name' });
    expect((await ann.put(`/projects/${first.id}`, { name: 'taken NAME' })).status).toBe(409);
    expect((await ann.put(`/projects/${first.id}`, { name: 'OLD NAME' })).body.name).toBe('OLD NAME');
    expect((await ann.put(`/projects/${first.id}`, { name: 'New name' })).body.name).toBe('New name');
    expect((await bob.post('/projects', { name: 'old name' })).status).toBe(201);
    expect((await bob.post('/projects', { name: 'new name' })).status).toBe(409);
  });

  it('replaces the member list with project_users (readonly is viewer) and keeps a last admin (409)', async () => {
    const project = await create(ann, { name: 'Team' });
    const replaced = await ann.put(`/projects/${project.id}`, {
      project_users: [
        { email: 'ann@example.com', role: 'admin' },
        { email: 'Bob@Example.com', role: 'readonly' },
      ],
    });
    expect(replaced.status).toBe(200);
    // Until a member chooses, admins get alerts and others do not (as before per-member alerts existed).
    expect(replaced.body.project_users).toEqual([
      { email: 'ann@example.com', role: 'admin', alerts: true },
      { email: 'bob@example.com', role: 'viewer', alerts: false },
    ]);
    expect((await bob.get(`/projects/${project.id}`)).status).toBe(200);
    // Bob is a viewer: not allowed to administer.
    expect((await bob.put(`/projects/${project.id}`, { description: 'bob was here' })).status).toBe(403);

    const noAdmin = await ann.put(`/projects/${project.id}`, { project_users: [{ email: 'ann@example.com', role: 'editor' }] });
    expect(noAdmin.status).toBe(409);
    expect(noAdmin.body.error).toMatch(/at least one admin/);
    expect((await ann.delete(`/projects/${project.id}/members/ann@example.com`)).status).toBe(409);

    const handedOver = await ann.put(`/projects/${project.id}`, { project_users: [{ email: 'bob@example.com', role: 'admin' }] });
    expect(handedOver.body.project_users).toEqual([{ email: 'bob@example.com', role: 'admin', alerts: true }]);
    expect((await ann.get(`/projects/${project.id}`)).status).toBe(404);
  });
});
