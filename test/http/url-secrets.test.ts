import type { ApiClient } from '../support/api-client';
import { newSignedInUser, startServerWithAdmin } from '../support/signed-in';
import { apiKeyClient, createProject, type TestProject } from '../support/task-fixtures';
import type { TestServer } from '../support/test-server';

/** Credentials in a project's URLs are shown to those who administer it, and to no one else. */
describe('credentials embedded in URLs', () => {
  const ENDPOINT = 'http://dispatch-user:dispatch-pass@executor.example.com:8080/run?token=endpoint-token&task=all';
  const WEBHOOK = 'https://hook-token@hooks.example.com/alerts?api_key=webhook-key&X-Signature=webhook-sig';
  const MASKED = {
    execution_endpoint: 'http://dispatch-user:***@executor.example.com:8080/run?token=***&task=all',
    alert_webhook_url: 'https://***@hooks.example.com/alerts?api_key=***&X-Signature=***',
  };
  const RAW = { execution_endpoint: ENDPOINT, alert_webhook_url: WEBHOOK };
  const SECRETS = ['dispatch-pass', 'endpoint-token', 'hook-token', 'webhook-key', 'webhook-sig'];

  let server: TestServer;
  let superAdmin: ApiClient;
  let projectAdmin: ApiClient;
  let viewer: ApiClient;
  let editor: ApiClient;
  let readKey: ApiClient;
  let project: TestProject;

  beforeAll(async () => {
    ({ server, admin: superAdmin } = await startServerWithAdmin());
    projectAdmin = await newSignedInUser(superAdmin, 'owner@example.com', 'owner');
    viewer = await newSignedInUser(superAdmin, 'viewer@example.com', 'viewer');
    editor = await newSignedInUser(superAdmin, 'editor@example.com', 'editor');
    project = await createProject(projectAdmin, { execution_endpoint: ENDPOINT });
    const update = await projectAdmin.put(`/projects/${project.id}`, {
      alert_webhook_url: WEBHOOK,
      project_users: [
        { email: 'owner@example.com', role: 'admin' },
        { email: 'viewer@example.com', role: 'viewer' },
        { email: 'editor@example.com', role: 'editor' },
      ],
    });
    expect(update.status).toBe(200);
    readKey = await apiKeyClient(projectAdmin, project.id, 'read');
  });
  afterAll(() => server.stop());

  const urlsOf = (body: Record<string, unknown>) => ({ execution_endpoint: body.execution_endpoint, alert_webhook_url: body.alert_webhook_url });
  const leaked = (body: unknown) => SECRETS.filter((secret) => JSON.stringify(body).includes(secret));

  it('shows them to the project admin and super admins (who may change them)', async () => {
    for (const client of [projectAdmin, superAdmin]) {
      expect(urlsOf((await client.get(`/projects/${project.id}`)).body)).toEqual(RAW);
      const listed = ((await client.get('/projects')).body as Array<Record<string, unknown>>).find((p) => p.id === project.id)!;
      expect(urlsOf(listed)).toEqual(RAW);
    }
    expect(urlsOf((await projectAdmin.put(`/projects/${project.id}`, { description: 'changed' })).body)).toEqual(RAW);
  });

  it.each([
    ['a viewer', () => viewer],
    ['an editor', () => editor],
    ['a read key', () => readKey],
  ])('masks them for %s, in the project and in the project list', async (_who, client) => {
    const single = await client().get(`/projects/${project.id}`);
    expect(single.status).toBe(200);
    expect(urlsOf(single.body)).toEqual(MASKED);
    expect(leaked(single.body)).toEqual([]);
    if (client() !== readKey) {
      const list = await client().get('/projects');
      expect(urlsOf((list.body as Array<Record<string, unknown>>).find((p) => p.id === project.id)!)).toEqual(MASKED);
      expect(leaked(list.body)).toEqual([]);
    }
  });

  it('masks them in the audit trail, for everyone', async () => {
    for (const client of [superAdmin, projectAdmin, viewer, readKey]) {
      const audit = await client.get(`/projects/${project.id}/audit`);
      expect(audit.status).toBe(200);
      const text = JSON.stringify(audit.body);
      expect(text).toContain('executor.example.com');
      expect(text).toContain('hooks.example.com');
      expect(leaked(audit.body)).toEqual([]);
    }
  });
});
