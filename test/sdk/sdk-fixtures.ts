import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ManagementClient } from '@cron-observer/sdk';
import type { ApiClient } from '../support/api-client';
import { startServerWithAdmin, TEST_ADMIN } from '../support/signed-in';
import type { TestServer } from '../support/test-server';
import { waitFor } from '../support/wait-for';

/** The SDK as users get it: the package built by `npm run build` (npm test builds it first). */
export const SDK_DIR = join(__dirname, '..', '..', 'sdk');
export const CLI = join(SDK_DIR, 'dist', 'src', 'cli', 'main.js');

export interface SdkProject {
  id: string;
  apiKey: string;
  signingSecret: string;
}

export async function createSdkProject(admin: ApiClient, fields: Record<string, unknown> = {}): Promise<SdkProject> {
  const response = await admin.post('/projects', { name: `SDK project ${Math.random().toString(36).slice(2)}`, ...fields });
  if (response.status !== 201) throw new Error(`creating a project failed: ${response.status} ${JSON.stringify(response.body)}`);
  return { id: response.body.id, apiKey: response.body.api_key, signingSecret: response.body.signing_secret };
}

export async function startSdkServer(): Promise<{ server: TestServer; admin: ApiClient }> {
  return startServerWithAdmin();
}

/** A server, its admin, one project and a ManagementClient signed in as that admin. */
export async function startManagedProject(): Promise<{ server: TestServer; admin: ApiClient; project: SdkProject; client: ManagementClient }> {
  const { server, admin } = await startSdkServer();
  const project = await createSdkProject(admin);
  const { token } = await ManagementClient.login(server.url, TEST_ADMIN.email, TEST_ADMIN.password);
  return { server, admin, project, client: new ManagementClient({ url: server.url, token }) };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function createTask(admin: ApiClient, projectId: string, fields: Record<string, unknown>): Promise<any> {
  const response = await admin.post(`/projects/${projectId}/tasks`, {
    schedule_type: 'RECURRING',
    schedule_config: { cron_expression: '0 0 1 1 *', timezone: 'UTC' },
    ...fields,
  });
  if (response.status !== 201) throw new Error(`creating a task failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

export async function trigger(admin: ApiClient, projectId: string, taskId: string): Promise<string> {
  const response = await admin.post(`/projects/${projectId}/tasks/${taskId}/trigger`);
  if (response.status !== 201) throw new Error(`triggering failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.data.execution_uuid;
}

/** The execution once the read model shows `until` (tests wait for conditions, not for time). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function executionWhen(admin: ApiClient, id: string, until: (e: any) => boolean, timeoutMs = 15_000): Promise<any> {
  return waitFor(
    async () => {
      const response = await admin.get(`/executions/${id}`);
      return response.status === 200 && until(response.body) && response.body;
    },
    { what: `execution ${id}`, timeoutMs, intervalMs: 25 },
  );
}

/** Every log line of an execution, oldest first. */
export async function allLogs(admin: ApiClient, id: string): Promise<{ message: string; level: string; seq: number }[]> {
  const response = await admin.get(`/executions/${id}/logs?limit=1000`);
  return response.body.data;
}

/** The event types of an execution's own stream. */
export async function auditTypes(admin: ApiClient, id: string): Promise<string[]> {
  return (await admin.get(`/executions/${id}/audit`)).body.data.map((e: { type: string }) => e.type);
}

/** A loopback port nobody listens on (found free, then closed). */
export async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Runs the built CLI with only the given Cron Observer settings (none inherited from this process);
 * `onStdout` sees its output as it comes.
 */
export function runCli(args: string[], env: Record<string, string>, timeoutMs = 60_000, onStdout?: (soFar: string) => void): Promise<CliRun> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CRON_OBSERVER_')));
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      onStdout?.(stdout);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** A logger that keeps what the SDK warns about. */
export function captureLogger(): { warn: (message: string) => void; messages: string[] } {
  const messages: string[] = [];
  return { warn: (message: string) => messages.push(message), messages };
}
