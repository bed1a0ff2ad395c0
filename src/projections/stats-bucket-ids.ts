/**
 * The ids of the statistics' bucket documents (stats-buckets.ts has their shapes and arithmetic), and the
 * filters that find a series' buckets over a range of keys.
 */
import { formatDay, parseIsoDate } from '../schedules/civil-time';
import type { Filter } from '../stores/read/read-store';
import { MS_PER_HOUR, type StatsGranularity, hourKeyOf, hourStartMs } from './stats-buckets';

/** Whose buckets: a project's (taskId null), or one task's of that project. */
export interface SeriesRef {
  projectId: string;
  taskId: string | null;
}

/**
 * `p|<projectId>|<granularity>|<key>` for a project, `t|<projectId>|<granularity>|<key>|<taskId>` for a
 * task: ids in time order within each project, so the buckets a stretch of executions creates sit
 * together in the id index (with the task first, every new bucket landed on a random page of it, and a
 * rebuild's commits rewrote most of the index each time). A project's series, and all its tasks' buckets
 * over a range of keys, are one id range; one task's are found by id, key by key (bucketIdFilter).
 */
export function bucketId(series: SeriesRef, granularity: StatsGranularity, key: string): string {
  return series.taskId === null ? `p|${series.projectId}|${granularity}|${key}` : `t|${series.projectId}|${granularity}|${key}|${series.taskId}`;
}

/** The id range of every task bucket of a project with keys in [fromKey, toKey]. */
export function taskBucketIdRange(projectId: string, granularity: StatsGranularity, fromKey: string, toKey: string): { $gte: string; $lt: string } {
  return { $gte: `t|${projectId}|${granularity}|${fromKey}|`, $lt: `t|${projectId}|${granularity}|${toKey}|\uffff` };
}

/**
 * Version 1's range of a task's buckets (`t|<taskId>|<granularity>|<key>`): read while a server that
 * upgraded rebuilds version 2 and still answers from the version-1 generation.
 */
export function versionOneTaskBucketRange(taskId: string, granularity: StatsGranularity, fromKey: string, toKey: string): { $gte: string; $lte: string } {
  return { $gte: `t|${taskId}|${granularity}|${fromKey}`, $lte: `t|${taskId}|${granularity}|${toKey}` };
}

/** Past this many keys, one task's buckets are read from its project's range instead of id by id. */
const MAX_KEYS_BY_ID = 1000;

/**
 * The filter of a series' buckets with keys in [fromKey, toKey]: a project's, one id range; a task's,
 * the ids of each key in the range (a few hundred at most through the API), or its project's task range
 * with the task's id when the range is longer.
 */
export function bucketIdFilter(series: SeriesRef, granularity: StatsGranularity, fromKey: string, toKey: string): Filter {
  if (series.taskId === null) return { id: { $gte: bucketId(series, granularity, fromKey), $lte: bucketId(series, granularity, toKey) } };
  const keys = keysBetween(granularity, fromKey, toKey, MAX_KEYS_BY_ID);
  if (keys === null) return { id: taskBucketIdRange(series.projectId, granularity, fromKey, toKey), taskId: series.taskId };
  return { id: { $in: keys.map((key) => bucketId(series, granularity, key)) } };
}

/** Every key of a granularity in [fromKey, toKey], in order; null when there are more than `max`. */
export function keysBetween(granularity: StatsGranularity, fromKey: string, toKey: string, max: number): string[] | null {
  const keys: string[] = [];
  if (granularity === 'hour') {
    const last = hourStartMs(toKey);
    for (let start = hourStartMs(fromKey); start <= last; start += MS_PER_HOUR) {
      if (keys.length === max) return null;
      keys.push(hourKeyOf(start));
    }
    return keys;
  }
  const last = parseIsoDate(toKey) ?? Number.NEGATIVE_INFINITY;
  for (let day = parseIsoDate(fromKey) ?? Number.POSITIVE_INFINITY; day <= last; day++) {
    if (keys.length === max) return null;
    keys.push(formatDay(day));
  }
  return keys;
}
