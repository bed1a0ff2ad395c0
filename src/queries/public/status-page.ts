import { localDayOf } from '../../projections/stats-buckets';
import type { ProjectDoc } from '../../projections/projects-projection';
import { TASKS, TASKS_PROJECTION } from '../../projections/tasks-projection';
import type { TaskDoc } from '../../projections/task-read-model';
import type { QueryServices } from '../query-services';
import { dailyStats, statsZoneOf } from '../stats-range';
import { type BadgeState, combinedState, taskBadgeState } from './badge-state';

/** How many days of bars the status page shows. */
export const STATUS_PAGE_DAYS = 90;

/**
 * One day of a task: `ok` only successes, `partial` successes and failures, `failing` only failures,
 * `none` no run ended (none ran, or only cancelled or unfinished ones).
 */
export type DayHealth = 'ok' | 'partial' | 'failing' | 'none';

export interface StatusDay {
  /** `YYYY-MM-DD` in the page's zone. */
  date: string;
  health: DayHealth;
  success: number;
  /** failed + timed out + missed. */
  failures: number;
}

export interface StatusTask {
  id: string;
  name: string;
  state: BadgeState;
  /** success / (success + failures) over the days shown; null when no run ended. */
  success_rate: number | null;
  /** Oldest first, STATUS_PAGE_DAYS of them, the last one today. */
  days: StatusDay[];
}

export interface StatusPage {
  project_name: string;
  /** The project's zone (its daily statistics' days). */
  timezone: string;
  /** The worst of the listed tasks' states. */
  state: BadgeState;
  tasks: StatusTask[];
  generated_at: string;
}

/**
 * The public status page of a project: its chosen tasks, in the chosen order, each with its state and
 * STATUS_PAGE_DAYS days from the stats read model's daily buckets, in the project's zone. Tasks chosen
 * and since deleted are left out. A task costs two reads: its document and one range of day buckets.
 */
export async function statusPage(services: QueryServices, project: ProjectDoc, now: Date): Promise<StatusPage> {
  const zone = await statsZoneOf(services, project.id);
  const toDay = localDayOf(now.getTime(), zone);
  const chosen = project.statusPage?.taskIds ?? [];
  const tasks = (await Promise.all(chosen.map((taskId) => statusTask(services, project.id, taskId, toDay, now.getTime())))).filter(
    (task): task is StatusTask => task !== null,
  );
  return {
    project_name: project.name,
    timezone: zone,
    state: combinedState(tasks.map((task) => task.state)),
    tasks,
    generated_at: now.toISOString(),
  };
}

async function statusTask(services: QueryServices, projectId: string, taskId: string, toDay: number, nowMs: number): Promise<StatusTask | null> {
  const task = await services.reads.get<TaskDoc>(services.registry.collection(TASKS_PROJECTION, TASKS), taskId);
  if (!task || task.projectId !== projectId) return null;
  const stats = await dailyStats(services, { projectId, taskId, fromDay: toDay - STATUS_PAGE_DAYS + 1, toDay });
  return {
    id: task.id,
    name: task.name,
    state: taskBadgeState(task, nowMs),
    success_rate: stats.totals.success_rate,
    days: stats.buckets.map((bucket) => ({ date: bucket.key, health: dayHealth(bucket.success, bucket.failures), success: bucket.success, failures: bucket.failures })),
  };
}

function dayHealth(success: number, failures: number): DayHealth {
  if (failures === 0) return success > 0 ? 'ok' : 'none';
  return success > 0 ? 'partial' : 'failing';
}
