import { INVITATION_LIFETIME_MS } from '../../../src/commands/flows/invite-user';
import { SIGNING_SECRET_GRACE_MS } from '../../../src/commands/flows/rotate-signing-secret';
import { ApiClient } from '../../support/api-client';
import { ManualClock } from '../../support/manual-clock';
import { capturedLogger } from '../../support/captured-logger';
import { logInAs, newSignedInUser, startServerWithAdmin } from '../../support/signed-in';
import type { TestServer } from '../../support/test-server';
import { strongPassword } from '../../support/passwords';

const PUBLIC_URL = 'https://cron.example.com';

describe('members, invitations and permissions', () => {
  let server: TestServer;
  let admin: ApiClient;
  let owner: ApiClient;
  let anonymous: ApiClient;
  let projectId: string;
  const log = capturedLogger();
  const clock = new ManualClock();

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin({ logger: log.logger, clock }, { PUBLIC_URL }));
    anonymous = new ApiClient(server.url);
    owner = await newSignedInUser(admin, 'owner@example.com');
    projectId = (await owner.post('/projects', { name: 'Shared' })).body.id;
  });
  afterAll(async () => {
    await server.stop();
  });

  /** The token of the latest invitation link logged for `email`. */
  function invitationToken(email: string): string {
    const entry = log
      .entries()
      .filter((e) => e.email === email && typeof e.link === 'string')
      .at(-1);
    if (!entry) throw new Error(`no invitation logged for ${email}`);
    const link = String(entry.link);
    expect(link.startsWith(`${PUBLIC_URL}/invite/coi_`)).toBe(true);
    return link.slice(`${PUBLIC_URL}/invite/`.length);
  }

  it('invites a new member without an account; after accepting, they log in and see the project as viewer', async () => {
    const invited = await owner.put(`/projects/${projectId}/members/New.Person@Example.com`, { role: 'readonly' });
    expect(invited.status).toBe(200);
    expect(invited.body).toEqual({
      project_id: projectId,
      email: 'new.person@example.com',
      role: 'viewer',
      alerts: false,
      status: 'invited',
      invitation_expires_at: new Date(clock.now().getTime() + INVITATION_LIFETIME_MS).toISOString(),
    });
    // No account to log in with yet.
    expect((await anonymous.post('/auth/login', { email: 'new.person@example.com', password: 'anything-at-all' })).status).toBe(401);

    const accepted = await anonymous.post(`/auth/invitations/${invitationToken('new.person@example.com')}/accept`, {
      name: ' New Person ',
      password: 'new-person-password',
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ email: 'new.person@example.com', name: 'New Person', status: 'active', super_admin: false });

    const person = await logInAs(server.url, 'new.person@example.com', 'new-person-password');
    expect((await person.get('/projects')).body).toEqual([expect.objectContaining({ id: projectId, name: 'Shared' })]);
    expect((await person.get('/auth/me')).body.memberships).toEqual([{ project_id: projectId, project_name: 'Shared', role: 'viewer' }]);
    expect((await person.get(`/projects/${projectId}`)).status).toBe(200);
  });

  it('answers an accepted (409), unknown (404) or replaced (410) invitation link', async () => {
    await owner.put(`/projects/${projectId}/members/twice@example.com`, { role: 'editor' });
    const first = invitationToken('twice@example.com');
    // Doing it again re-sends: a new link replaces the first.
    await owner.put(`/projects/${projectId}/members/twice@example.com`, { role: 'editor' });
    const second = invitationToken('twice@example.com');
    expect(second).not.toBe(first);
    const replaced = await anonymous.post(`/auth/invitations/${first}/accept`, { password: 'twice-password' });
    expect(replaced.status).toBe(410);
    expect((await anonymous.post(`/auth/invitations/${second}/accept`, { password: 'twice-password' })).status).toBe(200);
    expect((await anonymous.post(`/auth/invitations/${second}/accept`, { password: 'twice-password' })).status).toBe(409);
    expect((await anonymous.post('/auth/invitations/coi_unknown/accept', { password: 'whatever-password' })).status).toBe(404);
    expect((await anonymous.post(`/auth/invitations/${second}/accept`, { password: 'short' })).status).toBe(400);

  });

  it('adds a person who has an account directly, without an invitation', async () => {
    const existing = await newSignedInUser(admin, 'existing@example.com');
    const before = log.entries().length;
    const added = await owner.put(`/projects/${projectId}/members/existing@example.com`, { role: 'editor' });
    expect(added.body).toMatchObject({ status: 'active', role: 'editor', invitation_expires_at: null });
    expect(log.entries().slice(before).some((e) => e.link !== undefined)).toBe(false);
    expect((await existing.get(`/projects/${projectId}`)).status).toBe(200);
  });

  it('invites the new emails of a project_users replacement, and not the ones already listed', async () => {
    const { body: project } = await owner.get(`/projects/${projectId}`);
    const before = log.entries().length;
    await owner.put(`/projects/${projectId}`, { ...project, project_users: [...project.project_users, { email: 'listed@example.com', role: 'viewer' }] });
    const links = log.entries().slice(before).filter((e) => e.link !== undefined);
    expect(links.map((e) => e.email)).toEqual(['listed@example.com']);
  });

  it('removes a member: they no longer see the project', async () => {
    const leaving = await newSignedInUser(admin, 'leaving@example.com');
    await owner.put(`/projects/${projectId}/members/leaving@example.com`, { role: 'editor' });
    expect((await leaving.get(`/projects/${projectId}`)).status).toBe(200);
    expect((await owner.delete(`/projects/${projectId}/members/leaving@example.com`)).status).toBe(204);
    expect((await leaving.get(`/projects/${projectId}`)).status).toBe(404);
    expect((await owner.delete(`/projects/${projectId}/members/leaving@example.com`)).status).toBe(404);
  });

  it('checks roles: a non-member gets 404, a viewer or editor 403 on admin routes', async () => {
    const stranger = await newSignedInUser(admin, 'stranger@example.com');
    const viewer = await newSignedInUser(admin, 'viewer@example.com');
    const editor = await newSignedInUser(admin, 'editor@example.com');
    await owner.put(`/projects/${projectId}/members/viewer@example.com`, { role: 'viewer' });
    await owner.put(`/projects/${projectId}/members/editor@example.com`, { role: 'editor' });
    const adminRoutes: Array<[string, string, unknown?]> = [
      ['PUT', `/projects/${projectId}`, { description: 'x' }],
      ['PUT', `/projects/${projectId}/members/someone@example.com`, { role: 'viewer' }],
      ['DELETE', `/projects/${projectId}/members/owner@example.com`],
      ['GET', `/projects/${projectId}/api-keys`],
      ['POST', `/projects/${projectId}/api-keys`, { name: 'k', scope: 'read' }],
      ['POST', `/projects/${projectId}/signing-secret/rotate`],
    ];
    for (const [method, path, body] of adminRoutes) {
      const forStranger = await stranger.request(method, path, body);
      expect([method, path, forStranger.status, forStranger.body]).toEqual([method, path, 404, { error: `Project ${projectId} not found` }]);
      expect([method, path, (await viewer.request(method, path, body)).status]).toEqual([method, path, 403]);
      expect([method, path, (await editor.request(method, path, body)).status]).toEqual([method, path, 403]);
    }
    expect((await stranger.get(`/projects/${projectId}`)).status).toBe(404);
    expect((await viewer.get(`/projects/${projectId}`)).status).toBe(200);
  });

  it('rotates the signing secret (admin): the old one stays valid for 24 hours', async () => {
    const rotated = await owner.post(`/projects/${projectId}/signing-secret/rotate`);
    expect(rotated.status).toBe(200);
    expect(rotated.body).toEqual({
      signing_secret: expect.stringMatching(/^whsec_/),
      previous_secret_valid_until: new Date(clock.now().getTime() + SIGNING_SECRET_GRACE_MS).toISOString(),
      rotated_at: clock.now().toISOString(),
    });
  });

  it('refuses a malformed member email or role with 400', async () => {
    expect((await owner.put(`/projects/${projectId}/members/not-an-email`, { role: 'viewer' })).status).toBe(400);
    const badRole = await owner.put(`/projects/${projectId}/members/ok@example.com`, { role: 'owner' });
    expect(badRole.status).toBe(400);
    expect(badRole.body.details).toEqual([expect.stringMatching(/^role: /)]);
  });

  // Last: it moves the server clock past every session and invitation made so far.
  it('answers an expired invitation link with 410', async () => {
    await owner.put(`/projects/${projectId}/members/late@example.com`, { role: 'viewer' });
    const late = invitationToken('late@example.com');
    await clock.advance(INVITATION_LIFETIME_MS + 1000);
    const expired = await anonymous.post(`/auth/invitations/${late}/accept`, { password: strongPassword('late') });
    expect(expired.status).toBe(410);
    expect(expired.body.error).toMatch(/expired/);
  });
});
