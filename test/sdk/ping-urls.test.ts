import type { ManagementClient } from '@cron-observer/sdk';
import type { ApiClient } from '../support/api-client';
import { curl } from '../support/curl';
import type { TestServer } from '../support/test-server';
import { createTask, type SdkProject, startManagedProject } from './sdk-fixtures';

/** The SDK's view of ping URLs: tasks carry `ping_url`; the project's ping key is read and replaced. */
describe('SDK: ping URLs', () => {
  let server: TestServer;
  let admin: ApiClient;
  let project: SdkProject;
  let client: ManagementClient;

  beforeAll(async () => {
    ({ server, admin, project, client } = await startManagedProject());
  });
  afterAll(() => server.stop());

  it('a task in external mode carries its ping URL; others carry null', async () => {
    const external = await createTask(admin, project.id, { name: 'cron-synced', execution_mode: 'external' });
    const pushed = await createTask(admin, project.id, { name: 'pushed', execution_mode: 'push' });
    const task = await client.tasks.get(project.id, external.id);
    expect(task.ping_url).toMatch(/\/ping\/[0-9a-f-]{36}$/);
    expect((await client.tasks.get(project.id, pushed.id)).ping_url).toBeNull();
    expect((await curl([`${server.url}${new URL(task.ping_url!).pathname}`])).body).toBe('OK');
  });

  it('reads and replaces the ping key', async () => {
    expect(await client.projects.pingKey(project.id)).toEqual({ ping_key: null, ping_url_base: null });
    const made = await client.projects.rotatePingKey(project.id);
    expect(made.ping_url_base).toBe(`${new URL(made.ping_url_base!).origin}/ping/${made.ping_key}/`);
    expect((await client.projects.pingKey(project.id)).ping_key).toBe(made.ping_key);
  });
});
