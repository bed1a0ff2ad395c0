/**
 * Reading the stats projection's buckets (ids: stats-bucket-ids.ts) for the queries of stats-range.ts
 * and task-stats.ts: a series' buckets over a range of keys, one task's hours through its days, and
 * the sums of a project's tasks. While a server still answers from a version-1 generation (the
 * background rebuild after an upgrade), a task's buckets are read by version 1's ids.
 */
import { type StatsBucketDoc, type StatsCounters, type StatsGranularity, type TaskDayBucketDoc, addCounters, emptyCounters } from '../projections/stats-buckets';
import { type SeriesRef, bucketId, bucketIdFilter, taskBucketIdRange, versionOneTaskBucketRange } from '../projections/stats-bucket-ids';
import { STATS_BUCKETS, STATS_PROJECTION } from '../projections/stats-projection';
import { formatDay, parseIsoDate } from '../schedules/civil-time';
import type { QueryServices } from './query-services';

/** Buckets per page of a project's task range: a large project's range is summed without holding it all. */
const TASK_BUCKETS_PAGE = 5000;
/** Hour ids per `$in` (the read stores take at most 10,000). */
const HOUR_IDS_PER_READ = 1000;

/** The buckets of one series and granularity with keys in [fromKey, toKey], by key. */
export async function bucketsByKey(
  services: QueryServices,
  projectId: string,
  taskId: string | null,
  granularity: StatsGranularity,
  fromKey: string,
  toKey: string,
): Promise<Map<string, StatsBucketDoc>> {
  const collection = services.registry.collection(STATS_PROJECTION, STATS_BUCKETS);
  let items: StatsBucketDoc[];
  if (taskId !== null && answersFromVersionOne(services)) {
    items = (await services.reads.find<StatsBucketDoc>(collection, { filter: { id: versionOneTaskBucketRange(taskId, granularity, fromKey, toKey), projectId } })).items;
  } else if (taskId !== null && granularity === 'hour') {
    items = await taskHourBuckets(services, collection, { projectId, taskId }, fromKey, toKey);
  } else {
    items = (await services.reads.find<StatsBucketDoc>(collection, { filter: bucketIdFilter({ projectId, taskId }, granularity, fromKey, toKey) })).items;
  }
  return new Map(items.map((doc) => [doc.key, doc]));
}

/**
 * One task's hour buckets with keys in [fromKey, toKey], found through its day buckets, which list the
 * UTC hours its executions fell in (stats-projection.ts keeps that list for deleting the task): a task
 * that ran a few times in a week costs a few ids, not one per hour of the week. Its days are days of the
 * project's zone (whichever it had then), within a day of the UTC date, so a day more is read each side.
 */
async function taskHourBuckets(services: QueryServices, collection: string, series: SeriesRef, fromKey: string, toKey: string): Promise<StatsBucketDoc[]> {
  const fromDay = formatDay(parseIsoDate(fromKey.slice(0, 10))! - 1);
  const toDay = formatDay(parseIsoDate(toKey.slice(0, 10))! + 1);
  const days = await services.reads.find<TaskDayBucketDoc>(collection, { filter: bucketIdFilter(series, 'day', fromDay, toDay) });
  const hours = new Set<string>();
  for (const day of days.items) for (const hour of day.hours ?? []) if (hour >= fromKey && hour <= toKey) hours.add(hour);
  const ids = [...hours].map((hour) => bucketId(series, 'hour', hour));
  const buckets: StatsBucketDoc[] = [];
  for (let i = 0; i < ids.length; i += HOUR_IDS_PER_READ) {
    const { items } = await services.reads.find<StatsBucketDoc>(collection, { filter: { id: { $in: ids.slice(i, i + HOUR_IDS_PER_READ) } } });
    buckets.push(...items);
  }
  return buckets;
}

/** Whether the stats generation queries read was built by version 1 (a task's buckets by task first). */
function answersFromVersionOne(services: QueryServices): boolean {
  return services.registry.generationOf(STATS_PROJECTION)?.version === 1;
}

/**
 * Each listed task's sum of its buckets with keys in [fromKey, toKey]: one id range for the project's
 * tasks (a version-1 generation: one range per task).
 */
export async function sumsOfTaskBuckets(
  services: QueryServices,
  range: { projectId: string; granularity: StatsGranularity; fromKey: string; toKey: string },
  taskIds: readonly string[],
  pageSize = TASK_BUCKETS_PAGE,
): Promise<Map<string, StatsCounters>> {
  const sums = new Map<string, StatsCounters>();
  const add = (taskId: string, doc: StatsCounters) => {
    let sum = sums.get(taskId);
    if (!sum) sums.set(taskId, (sum = emptyCounters()));
    addCounters(sum, doc);
  };
  if (answersFromVersionOne(services)) {
    for (const taskId of taskIds) {
      for (const doc of (await bucketsByKey(services, range.projectId, taskId, range.granularity, range.fromKey, range.toKey)).values()) add(taskId, doc);
    }
    return sums;
  }
  const listed = new Set(taskIds);
  const collection = services.registry.collection(STATS_PROJECTION, STATS_BUCKETS);
  const filter = { id: taskBucketIdRange(range.projectId, range.granularity, range.fromKey, range.toKey) };
  let cursor: string | undefined;
  do {
    const page = await services.reads.find<StatsBucketDoc>(collection, { filter, sort: [['id', 1]], limit: pageSize, ...(cursor ? { cursor } : {}) });
    for (const doc of page.items) if (doc.taskId !== null && listed.has(doc.taskId)) add(doc.taskId, doc);
    cursor = page.nextCursor;
  } while (cursor);
  return sums;
}
