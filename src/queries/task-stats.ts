/**
 * Per-task figures over a range, for a project's statistics: the top failing tasks and the slowest by
 * p95 duration. Each task's figures are the sum of its own series' buckets (stats-buckets.ts), hours or
 * days, merged with the shared arithmetic; the execution history is never read, so executions removed by
 * retention stay counted and the cost is one bucket range for the project's tasks, whatever the number
 * of executions.
 */
import type { StatsGranularity } from '../projections/stats-buckets';
import { failuresOf } from '../projections/stats-buckets';
import { listProjectTasks } from './list-tasks';
import type { QueryServices } from './query-services';
import { sumsOfTaskBuckets } from './stats-bucket-reads';
import { type StatsFigures, toFigures } from './stats-range';

export type TaskStatsSort = 'failures' | 'p95';
export const TASK_STATS_SORTS: readonly TaskStatsSort[] = ['failures', 'p95'];

export interface TaskStatsRow extends StatsFigures {
  task_id: string;
  name: string;
  /** failures / (success + failures), cancelled runs left out; null when nothing has ended. */
  failure_rate: number | null;
}

export interface TaskStatsList {
  project_id: string;
  granularity: StatsGranularity;
  /** The zone of the days (UTC for hours). */
  timezone: string;
  /** First and last bucket key of the range, both included (`YYYY-MM-DD` or `YYYY-MM-DDTHH`). */
  from: string;
  to: string;
  sort: TaskStatsSort;
  /**
   * The tasks that qualify for the sort, best first, at most `limit`: with `failures`, tasks with at
   * least one failure, most failures first (then the higher rate); with `p95`, tasks with a duration,
   * the longest p95 first.
   */
  tasks: TaskStatsRow[];
  /** How many tasks qualified before `limit` cut the list. */
  qualifying: number;
}

export interface TaskStatsQuery {
  projectId: string;
  granularity: StatsGranularity;
  fromKey: string;
  toKey: string;
  timezone: string;
  sort: TaskStatsSort;
  limit: number;
}

export async function taskStats(services: QueryServices, query: TaskStatsQuery): Promise<TaskStatsList> {
  const tasks = await listProjectTasks(services, query.projectId);
  const sums = await sumsOfTaskBuckets(services, query, tasks.map((task) => task.id));
  const rows: TaskStatsRow[] = [];
  for (const task of tasks) {
    const counters = sums.get(task.id);
    if (!counters || (counters.total === 0 && counters.durationCount === 0)) continue;
    const figures = toFigures(counters);
    const ended = counters.success + failuresOf(counters);
    rows.push({ task_id: task.id, name: task.name, ...figures, failure_rate: ended === 0 ? null : figures.failures / ended });
  }
  const qualifying = query.sort === 'failures' ? rows.filter((r) => r.failures > 0).sort(byFailures) : rows.filter((r) => r.duration.p95_ms !== null).sort(byP95);
  return {
    project_id: query.projectId,
    granularity: query.granularity,
    timezone: query.timezone,
    from: query.fromKey,
    to: query.toKey,
    sort: query.sort,
    tasks: qualifying.slice(0, query.limit),
    qualifying: qualifying.length,
  };
}

function byFailures(a: TaskStatsRow, b: TaskStatsRow): number {
  return b.failures - a.failures || (b.failure_rate ?? 0) - (a.failure_rate ?? 0) || byName(a, b);
}

function byP95(a: TaskStatsRow, b: TaskStatsRow): number {
  return (b.duration.p95_ms ?? 0) - (a.duration.p95_ms ?? 0) || byName(a, b);
}

function byName(a: TaskStatsRow, b: TaskStatsRow): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : a.task_id < b.task_id ? -1 : 1;
}
