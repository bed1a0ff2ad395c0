import { INVITATION_LIFETIME_MS } from '../../../src/commands/flows/invite-user';
import { ApiClient } from '../../support/api-client';
import { capturedLogger } from '../../support/captured-logger';
import { logInAs, newSignedInUser, startServerWithAdmin } from '../../support/signed-in';
import { type ReceivedMail, reserveFreePort, type SmtpTestServer, startSmtpTestServer } from '../../support/smtp-test-server';
import type { TestServer } from '../../support/test-server';
import { strongPassword } from '../../support/passwords';

const PUBLIC_URL = 'https://cron.example.com';
const SMTP_FROM = 'Cron Observer <invites@example.com>';
const LINK = new RegExp(`${PUBLIC_URL.replace(/[.]/g, '\\.')}/invite/(coi_[A-Za-z0-9_-]+)`);

/** The one-time token in an invitation mail's link. */
function tokenIn(mail: ReceivedMail): string {
  const match = LINK.exec(mail.text);
  if (!match) throw new Error(`no invitation link in: ${mail.text}`);
  return match[1]!;
}

const sentTo = (email: string) => (mail: ReceivedMail) => mail.envelope.to.includes(email);

/** A real server mailing through a real SMTP server on loopback. */
describe('invitation mail', () => {
  describe('with SMTP_URL', () => {
    let smtp: SmtpTestServer;
    let server: TestServer;
    let owner: ApiClient;
    let anonymous: ApiClient;
    let projectId: string;
    const log = capturedLogger();

    beforeAll(async () => {
      smtp = await startSmtpTestServer();
      let admin: ApiClient;
      ({ server, admin } = await startServerWithAdmin({ logger: log.logger }, { SMTP_URL: smtp.url, SMTP_FROM, PUBLIC_URL }));
      anonymous = new ApiClient(server.url);
      owner = await newSignedInUser(admin, 'olivia@example.com', 'Olivia Owner');
      projectId = (await owner.post('/projects', { name: 'Nightly Jobs' })).body.id;
    });
    afterAll(async () => {
      await server.stop();
      await smtp.close();
    });

    it('mails the new member a link that creates their account; the link is not logged', async () => {
      const invited = await owner.put(`/projects/${projectId}/members/New.Member@Example.com`, { role: 'readonly' });
      expect(invited.status).toBe(200);
      expect(invited.body).toMatchObject({ email: 'new.member@example.com', role: 'viewer', status: 'invited' });

      const mail = await smtp.waitForMail(sentTo('new.member@example.com'), { what: 'the invitation mail' });
      expect(mail.envelope.from).toBe('invites@example.com');
      expect(mail.subject).toBe('Olivia Owner (olivia@example.com) invited you to "Nightly Jobs" on Cron Observer (viewer)');
      expect(mail.text).toContain('Olivia Owner (olivia@example.com) invited you to the project "Nightly Jobs" on Cron Observer, as viewer.');
      const expiresAt = invited.body.invitation_expires_at as string;
      expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(INVITATION_LIFETIME_MS - 60_000);
      expect(mail.text).toContain(`expires on ${expiresAt.slice(0, 16).replace('T', ' ')} UTC`);
      const token = tokenIn(mail);

      // Mailed, so the raw link is nowhere in the log; the log says it was mailed.
      expect(log.entries().some((e) => JSON.stringify(e).includes(token))).toBe(false);
      expect(log.entries()).toContainEqual(expect.objectContaining({ msg: 'invitation mailed', email: 'new.member@example.com' }));

      const accepted = await anonymous.post(`/auth/invitations/${token}/accept`, { name: 'New Member', password: 'new-member-password' });
      expect(accepted.status).toBe(200);
      expect(accepted.body).toMatchObject({ email: 'new.member@example.com', status: 'active' });
      const member = await logInAs(server.url, 'new.member@example.com', 'new-member-password');
      expect((await member.get('/auth/me')).body.memberships).toEqual([{ project_id: projectId, project_name: 'Nightly Jobs', role: 'viewer' }]);
    });

    it('re-inviting a pending member mails a new link; the first one stops working', async () => {
      await owner.put(`/projects/${projectId}/members/again@example.com`, { role: 'editor' });
      const first = tokenIn(await smtp.waitForMail(sentTo('again@example.com'), { what: 'the first invitation mail' }));
      expect((await owner.put(`/projects/${projectId}/members/again@example.com`, { role: 'editor' })).body.status).toBe('invited');
      const second = tokenIn(
        await smtp.waitForMail((m) => sentTo('again@example.com')(m) && tokenIn(m) !== first, { what: 'the second invitation mail' }),
      );
      expect(smtp.mailsWhere(sentTo('again@example.com'))).toHaveLength(2);

      expect((await anonymous.post(`/auth/invitations/${first}/accept`, { password: strongPassword('again') })).status).toBe(410);
      expect((await anonymous.post(`/auth/invitations/${second}/accept`, { password: strongPassword('again') })).status).toBe(200);
      await logInAs(server.url, 'again@example.com', strongPassword('again'));
    });

    it('mails the new emails of a project_users replacement', async () => {
      const { body: project } = await owner.get(`/projects/${projectId}`);
      const replaced = await owner.put(`/projects/${projectId}`, {
        ...project,
        project_users: [...project.project_users, { email: 'listed@example.com', role: 'admin' }],
      });
      expect(replaced.status).toBe(200);
      const mail = await smtp.waitForMail(sentTo('listed@example.com'), { what: 'the invitation mail of a listed member' });
      expect(mail.subject).toContain('(admin)');
    });
  });

  describe('when the mail server cannot be reached', () => {
    let server: TestServer;
    let owner: ApiClient;
    let projectId: string;
    const log = capturedLogger();

    beforeAll(async () => {
      // Nothing listens on this port: every connection is refused.
      const downUrl = `smtp://127.0.0.1:${await reserveFreePort()}`;
      ({ server, admin: owner } = await startServerWithAdmin({ logger: log.logger }, { SMTP_URL: downUrl, PUBLIC_URL }));
      projectId = (await owner.post('/projects', { name: 'Offline' })).body.id;
    });
    afterAll(async () => {
      await server.stop();
    });

    it('still invites (200) and logs the link in a warning for the admin to pass on', async () => {
      const invited = await owner.put(`/projects/${projectId}/members/unmailed@example.com`, { role: 'editor' });
      expect(invited.status).toBe(200);
      expect(invited.body).toMatchObject({ status: 'invited', role: 'editor' });

      const warning = log.entries().find((e) => e.email === 'unmailed@example.com' && typeof e.link === 'string');
      expect(warning).toMatchObject({ level: 40, projectId, expiresAt: invited.body.invitation_expires_at });
      expect(String(warning!.msg)).toMatch(/could not be sent/);
      expect(String(warning!.reason)).toMatch(/ECONNREFUSED|connect/i);

      const token = String(warning!.link).slice(`${PUBLIC_URL}/invite/`.length);
      expect((await new ApiClient(server.url).post(`/auth/invitations/${token}/accept`, { password: 'unmailed-password' })).status).toBe(200);
      await logInAs(server.url, 'unmailed@example.com', 'unmailed-password');
    });
  });
});
