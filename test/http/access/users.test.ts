import { ApiClient } from '../../support/api-client';
import { logInAs, newSignedInUser, startServerWithAdmin, TEST_ADMIN } from '../../support/signed-in';
import type { TestServer } from '../../support/test-server';
import { strongPassword } from '../../support/passwords';

describe('accounts (super admin)', () => {
  let server: TestServer;
  let admin: ApiClient;

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin());
  });
  afterAll(async () => {
    await server.stop();
  });

  it('creates an account that can log in at once, and lists accounts by email', async () => {
    const created = await admin.post('/users', { email: ' Carol@Example.com', name: 'Carol', password: 'carol-password' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      uuid: created.body.id,
      email: 'carol@example.com',
      name: 'Carol',
      super_admin: false,
      disabled: false,
      status: 'active',
      created_at: expect.any(String),
      updated_at: created.body.created_at,
    });
    expect(JSON.stringify(created.body)).not.toMatch(/scrypt|password/);
    await logInAs(server.url, 'carol@example.com', 'carol-password');
    const list = await admin.get('/users');
    expect(list.body.map((u: { email: string }) => u.email)).toEqual(['carol@example.com', TEST_ADMIN.email]);
  });

  it('refuses a taken email (409) and invalid fields (400)', async () => {
    expect((await admin.post('/users', { email: 'CAROL@example.com', name: 'Other', password: 'other-password' })).status).toBe(409);
    const invalid = await admin.post('/users', { email: 'not-an-email', name: '  ', password: strongPassword('invalid') });
    expect(invalid.status).toBe(400);
    expect(invalid.body.details).toEqual(['email: "not-an-email" is not an email address', 'name: must not be blank']);
    expect((await admin.post('/users', { email: 'short@example.com', name: 'Short', password: 'short' })).status).toBe(400);
  });

  it('is for super admins only (403 for other users)', async () => {
    const dave = await newSignedInUser(admin, 'dave@example.com');
    expect((await dave.get('/users')).status).toBe(403);
    expect((await dave.post('/users', { email: 'eve@example.com', name: 'Eve', password: strongPassword('eve') })).status).toBe(403);
    const { body: me } = await dave.get('/auth/me');
    expect((await dave.patch(`/users/${me.user.id}`, { super_admin: true })).status).toBe(403);
  });

  it('changes name, role and password; keeps a last active super admin (409)', async () => {
    const frank = await newSignedInUser(admin, 'frank@example.com');
    const { body: me } = await frank.get('/auth/me');
    const promoted = await admin.patch(`/users/${me.user.id}`, { name: 'Frank F.', super_admin: true, password: 'franks-new-password' });
    expect(promoted.status).toBe(200);
    expect(promoted.body).toMatchObject({ name: 'Frank F.', super_admin: true });
    expect((await new ApiClient(server.url).post('/auth/login', { email: 'frank@example.com', password: 'frank-password' })).status).toBe(401);
    const newFrank = await logInAs(server.url, 'frank@example.com', 'franks-new-password');
    expect((await newFrank.get('/users')).status).toBe(200);

    const { body: adminMe } = await admin.get('/auth/me');
    expect((await newFrank.patch(`/users/${adminMe.user.id}`, { super_admin: false })).status).toBe(200);
    const last = await newFrank.patch(`/users/${me.user.id}`, { disabled: true });
    expect(last.status).toBe(409);
    expect(last.body.error).toMatch(/last active super admin/);
    expect((await newFrank.patch('/users/00000000-0000-4000-8000-00000000ffff', { name: 'Nobody' })).status).toBe(404);
  });
});
