import type { ApiClient } from '../support/api-client';
import { newSignedInUser, startServerWithAdmin } from '../support/signed-in';
import { type SmtpTestServer, startSmtpTestServer } from '../support/smtp-test-server';
import { createProject, createTask, triggerTask } from '../support/task-fixtures';
import type { TestServer } from '../support/test-server';

/** Once a year: the scheduler never fires during a test. */
const YEARLY = { schedule_type: 'RECURRING', schedule_config: { cron_expression: '0 0 1 1 *', timezone: 'UTC' } };

/**
 * Each member chooses whether they are mailed a project's alerts (PUT …/members/{email}/alerts): through
 * the HTTP API of a real server, with a real SMTP server on loopback.
 */
describe('per-member alert choices', () => {
  let smtp: SmtpTestServer;
  let server: TestServer;
  let admin: ApiClient;
  let owner: ApiClient;
  let quietAdmin: ApiClient;
  let editor: ApiClient;
  let viewer: ApiClient;
  let stranger: ApiClient;

  beforeAll(async () => {
    smtp = await startSmtpTestServer();
    ({ server, admin } = await startServerWithAdmin({}, { SMTP_URL: smtp.url }));
    owner = await newSignedInUser(admin, 'owner@example.com');
    quietAdmin = await newSignedInUser(admin, 'quiet@example.com');
    editor = await newSignedInUser(admin, 'editor@example.com');
    viewer = await newSignedInUser(admin, 'viewer@example.com');
    stranger = await newSignedInUser(admin, 'stranger@example.com');
  });
  afterAll(async () => {
    await server.stop();
    await smtp.close();
  });

  /** A project of `owner` with an editor, a viewer and a second admin, added without alert choices. */
  async function teamProject() {
    const project = await createProject(owner);
    for (const [email, role] of [
      ['editor@example.com', 'editor'],
      ['viewer@example.com', 'viewer'],
      ['quiet@example.com', 'admin'],
    ]) {
      expect((await owner.put(`/projects/${project.id}/members/${email}`, { role })).status).toBe(200);
    }
    return project;
  }

  const alertsPath = (projectId: string, email: string) => `/projects/${projectId}/members/${email}/alerts`;

  it('mails the members who opted in and alert_emails, not an admin who opted out', async () => {
    const project = await teamProject();
    expect((await owner.put(`/projects/${project.id}`, { alert_emails: 'oncall@example.com' })).status).toBe(200);
    // Members added without a choice get the defaults of before: admins on, editors and viewers off.
    expect((await owner.get(`/projects/${project.id}`)).body.project_users).toEqual([
      { email: 'owner@example.com', role: 'admin', alerts: true },
      { email: 'editor@example.com', role: 'editor', alerts: false },
      { email: 'viewer@example.com', role: 'viewer', alerts: false },
      { email: 'quiet@example.com', role: 'admin', alerts: true },
    ]);

    const optIn = await editor.put(alertsPath(project.id, 'Editor@Example.com'), { alerts: true });
    expect(optIn.status).toBe(200);
    expect(optIn.body).toEqual({ project_id: project.id, email: 'editor@example.com', role: 'editor', alerts: true });
    const optOut = await quietAdmin.put(alertsPath(project.id, 'quiet@example.com'), { alerts: false });
    expect(optOut.body).toEqual({ project_id: project.id, email: 'quiet@example.com', role: 'admin', alerts: false });

    const task = await createTask(owner, project.id, { name: 'member-alerts', ...YEARLY });
    const executionId = await triggerTask(owner, project.id, task.id);
    expect((await project.executor.post(`/executions/${executionId}/finish`, { status: 'FAILED', error: 'exit code 2' })).status).toBe(200);
    const mail = await smtp.waitForMail((m) => m.text.includes(executionId), { what: 'the failure alert' });
    expect(mail.subject).toMatch(/FAILED: member-alerts/);
    expect(mail.envelope.to).toEqual(['oncall@example.com', 'owner@example.com', 'editor@example.com']);
  });

  it('a viewer may turn their own alerts on, but not change another member\'s', async () => {
    const project = await teamProject();
    const own = await viewer.put(alertsPath(project.id, 'viewer@example.com'), { alerts: true });
    expect(own.status).toBe(200);
    expect(own.body).toEqual({ project_id: project.id, email: 'viewer@example.com', role: 'viewer', alerts: true });
    for (const email of ['editor@example.com', 'quiet@example.com']) {
      const other = await viewer.put(alertsPath(project.id, email), { alerts: false });
      expect([email, other.status, other.body.error]).toEqual([email, 403, expect.stringMatching(/administer this project/)]);
    }
    // Nor their role, which stays an admin's business.
    expect((await viewer.put(`/projects/${project.id}/members/viewer@example.com`, { role: 'admin' })).status).toBe(403);
    // Someone outside the project learns nothing; an API key is not a signed-in person (401, like every member route).
    expect((await stranger.put(alertsPath(project.id, 'stranger@example.com'), { alerts: true })).status).toBe(404);
    expect((await project.executor.put(alertsPath(project.id, 'viewer@example.com'), { alerts: true })).status).toBe(401);
    // An admin may set anyone's, by this route or with the role; an unknown member is 404.
    expect((await owner.put(alertsPath(project.id, 'editor@example.com'), { alerts: true })).body.alerts).toBe(true);
    const withRole = await owner.put(`/projects/${project.id}/members/quiet@example.com`, { role: 'editor', alerts: true });
    expect(withRole.body).toMatchObject({ role: 'editor', alerts: true, status: 'active' });
    expect((await owner.put(alertsPath(project.id, 'nobody@example.com'), { alerts: true })).status).toBe(404);

    expect((await viewer.get(`/projects/${project.id}`)).body.project_users).toEqual([
      { email: 'owner@example.com', role: 'admin', alerts: true },
      { email: 'editor@example.com', role: 'editor', alerts: true },
      { email: 'viewer@example.com', role: 'viewer', alerts: true },
      { email: 'quiet@example.com', role: 'editor', alerts: true },
    ]);
  });

  it('refuses a malformed choice with 400 and details', async () => {
    const project = await teamProject();
    for (const body of [{ alerts: 'maybe' }, {}, { alerts: true, extra: 1 }]) {
      const refused = await viewer.put(alertsPath(project.id, 'viewer@example.com'), body);
      expect([body, refused.status]).toEqual([body, 400]);
      expect(refused.body).toEqual({ error: expect.any(String), details: [expect.any(String)] });
    }
    const badMember = await owner.put(`/projects/${project.id}/members/editor@example.com`, { role: 'editor', alerts: 'yes' });
    expect(badMember.status).toBe(400);
    expect(badMember.body.details).toEqual([expect.stringMatching(/^alerts/)]);
    expect((await owner.put(`/projects/${project.id}`, { project_users: [{ email: 'owner@example.com', role: 'admin', alerts: 1 }] })).status).toBe(400);
  });

  it('a fetched project put back (project_users with alerts) changes nothing; project_users may set choices', async () => {
    const project = await teamProject();
    const { body: fetched } = await owner.get(`/projects/${project.id}`);
    const echoed = await owner.put(`/projects/${project.id}`, fetched);
    expect(echoed.status).toBe(200);
    expect(echoed.body).toEqual(fetched);
    // The original's two-field members still work (choices left as they are); a third field sets one.
    const replaced = await owner.put(`/projects/${project.id}`, {
      project_users: [
        { email: 'owner@example.com', role: 'admin', alerts: false },
        { email: 'editor@example.com', role: 'readonly' },
      ],
    });
    expect(replaced.body.project_users).toEqual([
      { email: 'owner@example.com', role: 'admin', alerts: false },
      { email: 'editor@example.com', role: 'viewer', alerts: false },
    ]);
  });
});
