import type { ServerOptions } from '../../src/server';
import { ApiClient } from './api-client';
import { startTestServer, type TestServer } from './test-server';
import { strongPassword } from './passwords';

/** The first super admin of test servers started with `startServerWithAdmin`. */
export const TEST_ADMIN = { email: 'root@example.com', password: strongPassword('root') };

/** A test server whose first super admin comes from ADMIN_EMAIL/ADMIN_PASSWORD, and a client logged in as them. */
export async function startServerWithAdmin(
  options: ServerOptions = {},
  env: Record<string, string> = {},
): Promise<{ server: TestServer; admin: ApiClient }> {
  const server = await startTestServer({ ADMIN_EMAIL: TEST_ADMIN.email, ADMIN_PASSWORD: TEST_ADMIN.password, ...env }, options);
  try {
    return { server, admin: await logInAs(server.url, TEST_ADMIN.email, TEST_ADMIN.password) };
  } catch (err) {
    // The caller never gets the server to stop: left running, it would keep the test process alive.
    await server.stop();
    throw err;
  }
}

export async function logInAs(baseUrl: string, email: string, password: string): Promise<ApiClient> {
  const response = await new ApiClient(baseUrl).post('/auth/login', { email, password });
  if (response.status !== 200) throw new Error(`login as ${email} failed: ${response.status} ${JSON.stringify(response.body)}`);
  return new ApiClient(baseUrl, { token: response.body.token as string });
}

/** A new account (created by the super admin `admin`), logged in. */
export async function newSignedInUser(admin: ApiClient, email: string, name = email.split('@')[0]!): Promise<ApiClient> {
  const password = strongPassword(name);
  const created = await admin.post('/users', { email, name, password });
  if (created.status !== 201) throw new Error(`creating ${email} failed: ${created.status} ${JSON.stringify(created.body)}`);
  return logInAs(admin.baseUrl, email, password);
}
