/**
 * Execution history of a project or of one task over a time range, newest first by the execution's
 * scheduled instant (for a manual run, its creation: the two are the same instant), filtered by
 * status and trigger type, a page at a time with an opaque keyset cursor.
 *
 * Paging is stable while executions keep arriving: rows are ordered by (scheduledAt, id), which never
 * change once an execution exists, and each page starts strictly after the previous page's last row.
 * So no row is repeated, and a row that matches the filter all along is never skipped; rows created
 * meanwhile show up only if they sort after the cursor (e.g. a late catch-up run for an old tick).
 *
 * Served by the history projection's (projectId|taskId, scheduledAt) and (projectId|taskId, status,
 * scheduledAt) indexes: one index seek per page for no status or one status; with several statuses, one
 * seek per status, merged here. A trigger-type filter is checked on the rows the index range yields.
 */
import { NotFoundError } from '../errors/app-error';
import type { ExecutionStatus, TriggerType } from '../events/execution-events';
import type { ExecutionDoc } from '../projections/execution-read-model';
import { EXECUTIONS, HISTORY_PROJECTION } from '../projections/history-projection';
import { encodeCursor } from '../stores/read/cursor';
import { normalizeSort } from '../stores/read/query';
import type { FieldCondition, Filter, FindQuery } from '../stores/read/read-store';
import { findTask } from './find-task';
import { queryFingerprint, unwrapCursor, wrapCursor } from './query-cursor';
import type { QueryServices } from './query-services';

export interface HistoryQuery {
  projectId: string;
  /** Only this task's executions. */
  taskId?: string;
  /** Scheduled instants in [from, to) (ISO, as stored: `toISOString()` form). */
  from?: string;
  to?: string;
  statuses?: ExecutionStatus[];
  triggerTypes?: TriggerType[];
  limit: number;
  cursor?: string;
}

export interface HistoryPage {
  items: ExecutionDoc[];
  /** Absent on the last page. */
  nextCursor?: string;
}

const SORT: FindQuery['sort'] = [['scheduledAt', -1]];
const NORMAL_SORT = normalizeSort(SORT);

export async function executionHistory(services: QueryServices, query: HistoryQuery): Promise<HistoryPage> {
  const fingerprint = historyFingerprint(query);
  const storeCursor = query.cursor === undefined ? undefined : unwrapCursor('cursor', query.cursor, fingerprint, NORMAL_SORT);
  const collection = services.registry.collection(HISTORY_PROJECTION, EXECUTIONS);
  const base: Filter = query.taskId === undefined ? { projectId: query.projectId } : { taskId: query.taskId, projectId: query.projectId };
  const range: FieldCondition = {};
  if (query.from !== undefined) range.$gte = query.from;
  if (query.to !== undefined) range.$lt = query.to;
  if (Object.keys(range).length > 0) base.scheduledAt = range;
  if (query.triggerTypes && query.triggerTypes.length > 0) base.triggerType = { $in: query.triggerTypes };
  const statuses = [...new Set(query.statuses ?? [])];

  if (statuses.length <= 1) {
    const filter = statuses.length === 1 ? { ...base, status: statuses[0]! } : base;
    const page = await services.reads.find<ExecutionDoc>(collection, { filter, sort: SORT, limit: query.limit, cursor: storeCursor });
    return withCursor(page.items, page.nextCursor, fingerprint);
  }
  // One index range per status, merged: the store's cursor holds only the sort values, so the same
  // cursor continues every one of them.
  const pages = await Promise.all(
    statuses.map((status) => services.reads.find<ExecutionDoc>(collection, { filter: { ...base, status }, sort: SORT, limit: query.limit, cursor: storeCursor })),
  );
  const merged = pages.flatMap((p) => p.items).sort(newestFirst);
  const more = merged.length > query.limit || pages.some((p) => p.nextCursor !== undefined);
  const items = merged.slice(0, query.limit);
  return withCursor(items, more && items.length > 0 ? encodeCursor(NORMAL_SORT, items[items.length - 1]!) : undefined, fingerprint);
}

/** The order of the pages: scheduledAt descending, then id descending (the store's tie-breaker). */
export function newestFirst(a: ExecutionDoc, b: ExecutionDoc): number {
  if (a.scheduledAt !== b.scheduledAt) return a.scheduledAt < b.scheduledAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

function withCursor(items: ExecutionDoc[], storeCursor: string | undefined, fingerprint: string): HistoryPage {
  const nextCursor = wrapCursor(storeCursor, fingerprint);
  return nextCursor === undefined ? { items } : { items, nextCursor };
}

/** Ties a cursor to the query it came from (everything but the page size), so it cannot be replayed against another. */
function historyFingerprint(query: HistoryQuery): string {
  return queryFingerprint([
    query.projectId,
    query.taskId ?? '',
    query.from ?? '',
    query.to ?? '',
    [...new Set(query.statuses ?? [])].sort().join(','),
    [...new Set(query.triggerTypes ?? [])].sort().join(','),
  ]);
}

/** Whether a task of the project has any execution in the history (a deleted task's history stays). */
export async function taskHasHistory(services: QueryServices, projectId: string, taskId: string): Promise<boolean> {
  const { items } = await services.reads.find<ExecutionDoc>(services.registry.collection(HISTORY_PROJECTION, EXECUTIONS), {
    filter: { taskId, projectId },
    sort: [['scheduledAt', -1]],
    limit: 1,
  });
  return items.length > 0;
}

/**
 * A task of the project, live or deleted: 404 unless the tasks read model has it in this project or the
 * history holds executions of it in this project.
 */
export async function requireTaskOfProject(services: QueryServices, projectId: string, taskId: string): Promise<void> {
  try {
    await findTask(services, projectId, taskId);
  } catch (err) {
    if (!(err instanceof NotFoundError) || !(await taskHasHistory(services, projectId, taskId))) throw err;
  }
}
