import type { ExecutionStatus, TriggerType } from '../../events/execution-events';
import type { ExecutionMode, ScheduleConfig, ScheduleType, TaskStatus } from '../../events/task-events';
import { RECENT_RUNS, RECENT_RUNS_PROJECTION, type RecentRunsDoc } from '../../projections/recent-runs-projection';
import type { TaskDoc } from '../../projections/task-read-model';
import { localDayOf } from '../../projections/stats-buckets';
import { nextOccurrences } from '../../schedules/next-occurrences';
import { formatDay } from '../../schedules/civil-time';
import type { QueryServices } from '../query-services';
import { dayTotals } from '../stats-range';
import type { TickJudgement } from '../tick-judge';
import { taskStateOf, type TaskState } from './task-state';

/** One of a task's last runs, as its overview mark shows it. */
export interface OverviewRun {
  execution_id: string;
  status: ExecutionStatus;
  trigger_type: TriggerType;
  scheduled_at: string;
  created_at: string;
  ended_at: string | null;
  duration_ms: number | null;
}

/** A task as the project overview lists it. */
export interface OverviewRow {
  task_id: string;
  name: string;
  group_id: string | null;
  group_name: string | null;
  tags: string[];
  mode: ExecutionMode;
  task_status: TaskStatus;
  /** The status dot: failing, late, missed, running, ok, never_run or paused (see task-state.ts). */
  state: TaskState;
  schedule_type: ScheduleType;
  /** As the task has it; `timezone` is the zone the schedule runs in. */
  schedule_config: ScheduleConfig;
  timezone: string;
  /** The next run that fires (calendars, windows, snoozes and the group held back), null when none is coming or the task is paused. */
  next_run_at: string | null;
  /** Newest first, at most 20 (kept by the recent-runs read model). */
  runs: OverviewRun[];
  last_run_at: string | null;
  /** The newest run with a duration. */
  last_duration_ms: number | null;
  /** Over the last 7 days of the project's zone (today included), from the daily buckets. */
  p95_ms_7d: number | null;
  success_rate_7d: number | null;
  runs_7d: number;
}

/** How many upcoming ticks to look at for one that fires. */
const NEXT_LOOKAHEAD = 10;

/** What a row needs beyond the task: its group's name, the project's zone and how ticks are judged. */
export interface RowContext {
  nowMs: number;
  projectZone: string;
  groupName: (groupId: string | null) => string | null;
  judge: (task: TaskDoc) => (ms: number) => TickJudgement;
}

export function nextRunOf(task: TaskDoc, context: RowContext): string | null {
  if (task.status !== 'ACTIVE') return null;
  try {
    const judge = context.judge(task);
    const upcoming = nextOccurrences(task.scheduleType, task.scheduleConfig, new Date(context.nowMs), NEXT_LOOKAHEAD, new Date(task.createdAt));
    return upcoming.find((o) => judge(o.at.getTime()).fires)?.at.toISOString() ?? null;
  } catch {
    // A schedule the current rules can no longer compile has no next run (the task page says why).
    return null;
  }
}

/** A task's row: its ring (one document) and its last 7 days (one id range of day buckets). */
export async function overviewRow(services: QueryServices, task: TaskDoc, context: RowContext): Promise<OverviewRow> {
  const ring = await services.reads.get<RecentRunsDoc>(services.registry.collection(RECENT_RUNS_PROJECTION, RECENT_RUNS), task.id);
  const today = localDayOf(context.nowMs, context.projectZone);
  const week = await dayTotals(services, task.projectId, task.id, formatDay(today - 6), formatDay(today));
  const runs = (ring?.runs ?? []).map(
    (run): OverviewRun => ({
      execution_id: run.id,
      status: run.status,
      trigger_type: run.triggerType,
      scheduled_at: run.scheduledAt,
      created_at: run.createdAt,
      ended_at: run.endedAt,
      duration_ms: run.durationMs,
    }),
  );
  return {
    task_id: task.id,
    name: task.name,
    group_id: task.taskGroupId,
    group_name: context.groupName(task.taskGroupId),
    tags: task.tags ?? [],
    mode: task.executionMode,
    task_status: task.status,
    state: taskStateOf(task, context.nowMs),
    schedule_type: task.scheduleType,
    schedule_config: task.scheduleConfig,
    timezone: task.scheduleConfig.timezone,
    next_run_at: nextRunOf(task, context),
    runs,
    last_run_at: task.lastExecution ? task.lastExecution.endedAt ?? task.lastExecution.scheduledAt : null,
    last_duration_ms: runs.find((run) => run.duration_ms !== null)?.duration_ms ?? null,
    p95_ms_7d: week.duration.p95_ms,
    success_rate_7d: week.success_rate,
    runs_7d: week.total,
  };
}
