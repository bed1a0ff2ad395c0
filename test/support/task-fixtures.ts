import { randomUUID } from 'node:crypto';
import type { ApiClient } from './api-client';

/** A project made through the API, with its first (`write`) key and a client that sends it raw, as executors do. */
export interface TestProject {
  id: string;
  apiKey: string;
  /** Authenticated by the raw key in `Authorization` (the original SDK's way). */
  executor: ApiClient;
}

export async function createProject(user: ApiClient, fields: Record<string, unknown> = {}): Promise<TestProject> {
  const response = await user.post('/projects', { name: `Project ${randomUUID()}`, ...fields });
  if (response.status !== 201) throw new Error(`creating a project failed: ${response.status} ${JSON.stringify(response.body)}`);
  const apiKey = response.body.api_key as string;
  return { id: response.body.id as string, apiKey, executor: user.as({ apiKey }) };
}

/** A client holding a new key of the project with the given scope. */
export async function apiKeyClient(admin: ApiClient, projectId: string, scope: 'ingest' | 'read' | 'write'): Promise<ApiClient> {
  const response = await admin.post(`/projects/${projectId}/api-keys`, { name: `${scope} key`, scope });
  if (response.status !== 201) throw new Error(`creating a key failed: ${response.status} ${JSON.stringify(response.body)}`);
  return admin.as({ apiKey: response.body.api_key as string });
}

/** A valid task body (every 5 minutes, UTC); `fields` override or add to it. */
export function taskBody(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: `task-${randomUUID()}`,
    schedule_type: 'RECURRING',
    schedule_config: { cron_expression: '*/5 * * * *', timezone: 'UTC' },
    ...fields,
  };
}

/** Creates a task and returns it as the API answered (201 expected). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function createTask(client: ApiClient, projectId: string, fields: Record<string, unknown> = {}): Promise<any> {
  const response = await client.post(`/projects/${projectId}/tasks`, taskBody(fields));
  if (response.status !== 201) throw new Error(`creating a task failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

/** Triggers a task by hand and returns the new execution's id. */
export async function triggerTask(client: ApiClient, projectId: string, taskId: string): Promise<string> {
  const response = await client.post(`/projects/${projectId}/tasks/${taskId}/trigger`);
  if (response.status !== 201) throw new Error(`triggering failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.data.execution_uuid as string;
}
