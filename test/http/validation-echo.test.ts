import type { ApiClient, ApiResponse } from '../support/api-client';
import { startServerWithAdmin } from '../support/signed-in';
import { createProject, taskBody, type TestProject } from '../support/task-fixtures';
import type { TestServer } from '../support/test-server';

/**
 * A refused request is told which field broke which rule, and shown at most a short prefix of what it
 * sent (32 characters, then "…"), and nothing of a secret: a 1 MB value never comes back in the 400.
 */
describe('validation messages never echo a value in bulk, nor any secret', () => {
  /** Just under the 1 MiB body limit once wrapped in JSON. */
  const MEGABYTE = 1_000_000;
  const SECRET = 'Zq8-secret-';
  const hugeSecret = SECRET + 'p'.repeat(MEGABYTE);
  const hugeName = 'n'.repeat(MEGABYTE);

  let server: TestServer;
  let admin: ApiClient;
  let project: TestProject;

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin());
    project = await createProject(admin);
  });
  afterAll(() => server.stop());

  /** A 400 naming `field` and `rule`; short; with at most 32 characters of `value` and none of a secret. */
  function expectRefusal(response: ApiResponse, { field, rule, value }: { field: string; rule: RegExp; value?: string }): void {
    expect(response.status).toBe(400);
    const text = JSON.stringify(response.body);
    expect(text.length).toBeLessThan(2_000);
    expect(text).not.toContain(SECRET);
    if (value !== undefined) expect(text).not.toContain(value.slice(0, 33));
    const details = (response.body as { details?: string[] }).details ?? [];
    expect({ details, matched: details.some((d) => d.startsWith(`${field}: `) && rule.test(d)) }).toEqual({ details, matched: true });
  }

  it('a 1 MB password (creating a user, logging in, changing one)', async () => {
    expectRefusal(await admin.post('/users', { email: 'big@example.com', name: 'Big', password: hugeSecret }), { field: 'password', rule: /maxLength 1024$/ });
    expectRefusal(await admin.as(null).post('/auth/login', { email: 'root@example.com', password: hugeSecret }), { field: 'password', rule: /maxLength 1024$/ });
    const me = (await admin.get('/auth/me')).body.user.id as string;
    expectRefusal(await admin.patch(`/users/${me}`, { password: hugeSecret }), { field: 'password', rule: /maxLength 1024$/ });
  });

  it('a password of the wrong type is not shown either, not even short', async () => {
    const response = await admin.post('/users', { email: 'typed@example.com', name: 'Typed', password: ['Zq8-secret-short'] });
    expectRefusal(response, { field: 'password', rule: /invalid string value$/ });
  });

  it('a 1 MB name (user, project, task, group): 32 characters of it at most', async () => {
    const shown = /\(got "n{32}…"\)$/;
    expectRefusal(await admin.post('/users', { email: 'named@example.com', name: hugeName, password: 'a-fine-password' }), { field: 'name', rule: shown, value: hugeName });
    expectRefusal(await admin.post('/projects', { name: hugeName }), { field: 'name', rule: /must be 1 to 255 characters/, value: hugeName });
    expectRefusal(await admin.post(`/projects/${project.id}/tasks`, taskBody({ name: hugeName })), { field: 'name', rule: /maxLength 255/, value: hugeName });
    expectRefusal(await admin.post(`/projects/${project.id}/task-groups`, { name: hugeName }), { field: 'name', rule: /maxLength 255/, value: hugeName });
  });

  it('values checked by hand are cut too (a time zone, an email, a URL: without its credentials)', async () => {
    const zone = `Europe/${'z'.repeat(50)}`;
    expectRefusal(await admin.put(`/projects/${project.id}`, { timezone: zone }), { field: 'timezone', rule: /is not an IANA time zone/, value: zone });
    const email = `${'e'.repeat(5_000)}@`;
    expectRefusal(await admin.put(`/projects/${project.id}`, { alert_emails: email }), { field: 'alert_emails', rule: /is not an email address/, value: email });
    const url = `ftp://user:${SECRET}@files.example.com/`;
    expectRefusal(await admin.put(`/projects/${project.id}`, { execution_endpoint: url }), { field: 'execution_endpoint', rule: /"ftp:\/\/user:\*\*\*@files\.example\.com…" is not an http\(s\) URL$/ });
  });

  it('a long field name (an excess property) is cut like a value', async () => {
    const key = 'k'.repeat(100_000);
    const response = await admin.post(`/projects/${project.id}/api-keys`, { name: 'ci', scope: 'read', [key]: 1 });
    expectRefusal(response, { field: `${'k'.repeat(32)}…`, rule: /: "k{32}…" is an excess property/, value: key });
  });

  it('many bad values: twenty details at most, then how many more', async () => {
    const emails = Array.from({ length: 500 }, (_, i) => `not-an-email-${i}`).join(',');
    const response = await admin.put(`/projects/${project.id}`, { alert_emails: emails });
    expectRefusal(response, { field: 'alert_emails', rule: /is not an email address/ });
    const details = response.body.details as string[];
    expect(details.length).toBeLessThanOrEqual(21);
    expect(details[details.length - 1]).toMatch(/^…and \d+ more$/);
  });

  it('malformed JSON is answered without the snippet of the body the parser quotes', async () => {
    const response = await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"email": "root@example.com", "password": ${SECRET}abc}`,
    });
    const body = (await response.json()) as { error: string; details: string[] };
    expect(response.status).toBe(400);
    expect(body.error).toBe('Malformed JSON body');
    expect(JSON.stringify(body)).not.toContain(SECRET.slice(0, 4));
  });

  it('an unknown route is named by its path, never its query (which may hold a token)', async () => {
    const response = await admin.get('/no-such-route?token=Zq8-secret-value');
    expect(response.status).toBe(404);
    expect(response.body.error).toBe('No route GET /api/v1/no-such-route');
  });
});
