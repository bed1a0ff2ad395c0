import { ApiError, ManagementClient } from '@cron-observer/sdk';
import type { ApiClient } from '../support/api-client';
import type { TestServer } from '../support/test-server';
import { createTask, type SdkProject, startManagedProject } from './sdk-fixtures';

/** The management client's pages of a project's tasks (GET …/tasks/page), beside the whole list. */
describe('SDK management: task pages', () => {
  let server: TestServer;
  let admin: ApiClient;
  let project: SdkProject;
  let client: ManagementClient;

  beforeAll(async () => {
    ({ server, admin, project, client } = await startManagedProject());
    for (let i = 0; i < 5; i++) await createTask(admin, project.id, { name: `paged-${i}` });
  });
  afterAll(() => server.stop());

  it('walks the pages to the whole list, in its order, ending with next_cursor null', async () => {
    const walked: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await client.tasks.page(project.id, { limit: 2, cursor });
      walked.push(...page.items.map((task) => task.id));
      if (page.next_cursor === null) break;
      cursor = page.next_cursor;
    }
    expect(walked).toEqual((await client.tasks.list(project.id)).map((task) => task.id));
    expect(walked).toHaveLength(5);
  });

  it('throws an ApiError naming limit for a page size out of range', async () => {
    const error = await client.tasks.page(project.id, { limit: 501 }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(400);
    expect((error as ApiError).details).toEqual([expect.stringMatching(/^limit: /)]);
  });
});
