import { TASKS, TASKS_PROJECTION } from '../projections/tasks-projection';
import type { TaskDoc } from '../projections/task-read-model';
import { normalizeSort } from '../stores/read/query';
import type { Filter, FindQuery } from '../stores/read/read-store';
import { queryFingerprint, unwrapCursor, wrapCursor } from './query-cursor';
import type { QueryServices } from './query-services';

/** Oldest first; the store appends `id` as the tie-breaker, so pages follow (createdAt, id). */
const OLDEST_FIRST: FindQuery['sort'] = [['createdAt', 1]];
const NORMAL_SORT = normalizeSort(OLDEST_FIRST);

/** Every task of a project, oldest first (the original API returns the whole list, unpaged). */
export function listProjectTasks(services: QueryServices, projectId: string): Promise<TaskDoc[]> {
  return allTasks(services, { projectId });
}

/** Every task that belongs to a group, oldest first. */
export function listGroupTasks(services: QueryServices, groupId: string): Promise<TaskDoc[]> {
  return allTasks(services, { taskGroupId: groupId });
}

async function allTasks(services: QueryServices, filter: Filter): Promise<TaskDoc[]> {
  const { items } = await services.reads.find<TaskDoc>(services.registry.collection(TASKS_PROJECTION, TASKS), {
    filter,
    sort: OLDEST_FIRST,
  });
  return items;
}

export interface ProjectTasksPage {
  items: TaskDoc[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

/**
 * A page of a project's tasks in the order of listProjectTasks (createdAt, then id), by keyset: each
 * page starts strictly after the previous page's last task, served by the tasks model's (projectId,
 * createdAt) index (with id appended by both stores). A task's createdAt never changes, so paging
 * repeats and skips no task that exists all along; tasks created meanwhile come on a later page (their
 * createdAt is later). `cursor` is a ValidationError naming `cursor` when mangled or of another project.
 */
export async function projectTasksPage(services: QueryServices, projectId: string, page: { limit: number; cursor?: string }): Promise<ProjectTasksPage> {
  const fingerprint = queryFingerprint(['project tasks', projectId]);
  const cursor =
    page.cursor === undefined ? undefined : unwrapCursor('cursor', page.cursor, fingerprint, NORMAL_SORT, 'cursor: a cursor continues the pages of the project it came from');
  const { items, nextCursor } = await services.reads.find<TaskDoc>(services.registry.collection(TASKS_PROJECTION, TASKS), {
    filter: { projectId },
    sort: OLDEST_FIRST,
    limit: page.limit,
    cursor,
  });
  const next = wrapCursor(nextCursor, fingerprint);
  return next === undefined ? { items } : { items, nextCursor: next };
}
