import type { ExecutionStatus, TriggerType } from '../../events/execution-events';
import type { ExecutionMode, ScheduleType, TaskStatus } from '../../events/task-events';
import type { TaskDoc } from '../../projections/task-read-model';
import type { RunState } from '../../queries/group-run-state';
import { alertPolicyBody, type AlertPolicyBody } from './alert-policy-body';
import { durationAlertsBody, type DurationAlertsBody } from './duration-alerts-body';
import { calendarUseBody, type CalendarUseBody } from './calendar-use-body';
import { retryBody, type RetryBody } from './retry-body';
import { absentIfEmpty } from './empty-means-absent';
import type { ScheduleConfigBody } from './schedule-config-body';
import { overlapResponse, type OverlapFieldsResponse } from './overlap-body';

/** A task as the original API shows it (`id` and `uuid` are the same UUID), with the added fields. */
export interface TaskResponse extends OverlapFieldsResponse {
  id: string;
  uuid: string;
  project_id: string;
  task_group_id: string | null;
  name: string;
  description: string | null;
  schedule_type: ScheduleType;
  status: TaskStatus;
  /** RUNNING while the scheduler runs the task: ACTIVE, and its group (if any) is running. */
  state: RunState;
  schedule_config: ScheduleConfigBody;
  timeout_seconds: number | null;
  metadata: Record<string, unknown> | null;
  execution_mode: ExecutionMode;
  start_deadline_seconds: number | null;
  /** null: the project's policy applies. */
  alert_policy: AlertPolicyBody | null;
  /** Lowercase slugs, sorted; per-tag badges count the tasks carrying a tag. */
  tags: string[];
  /** Duration and lateness alerts; null: none. */
  duration_alerts: Required<DurationAlertsBody> | null;
  /** The project calendar the task skips or runs only on; null: none (its group's may apply). */
  calendar: CalendarUseBody | null;
  /** The retry policy; null: one attempt. */
  retry: Required<RetryBody> | null;
  /** The newest execution; null before the first. */
  last_execution: LastExecutionResponse | null;
  /**
   * External mode: the task's Healthchecks-compatible ping URL (`…/ping/<uuid>`, add `/start`, `/fail`,
   * `/log` or `/<exit status>`); no credential needed, the URL is one. null for other modes, and for
   * callers who may not report (viewers, `read` keys).
   */
  ping_url: string | null;
  /** With status DELETE_FAILED: why the deletion failed (a new DELETE retries it); null otherwise. */
  deletion_error: string | null;
  created_at: string;
  updated_at: string;
}

export interface LastExecutionResponse {
  execution_uuid: string;
  status: ExecutionStatus;
  trigger_type: TriggerType;
  scheduled_at: string;
  started_at: string;
  ended_at: string | null;
}

/** The one mapping from the tasks read model to the API. */
export function toTaskResponse(task: TaskDoc, state: RunState, pingUrlBase: string | null): TaskResponse {
  const last = task.lastExecution;
  return {
    id: task.id,
    uuid: task.id,
    project_id: task.projectId,
    // Tasks stored before "" was read as no group answer null too.
    task_group_id: absentIfEmpty(task.taskGroupId),
    name: task.name,
    description: task.description,
    schedule_type: task.scheduleType,
    status: task.status,
    state,
    schedule_config: task.scheduleConfig,
    timeout_seconds: task.timeoutSeconds,
    metadata: task.metadata,
    execution_mode: task.executionMode,
    start_deadline_seconds: task.startDeadlineSeconds,
    alert_policy: task.alertPolicy && alertPolicyBody(task.alertPolicy),
    tags: task.tags ?? [],
    duration_alerts: task.durationAlerts ? durationAlertsBody(task.durationAlerts) : null,
    ...overlapResponse(task),
    calendar: calendarUseBody(task.calendar),
    retry: task.retry ? retryBody(task.retry) : null,
    last_execution: last && {
      execution_uuid: last.executionId,
      status: last.status,
      trigger_type: last.triggerType,
      scheduled_at: last.scheduledAt,
      started_at: last.createdAt,
      ended_at: last.endedAt,
    },
    ping_url: pingUrlBase !== null && task.pingId ? `${pingUrlBase}${task.pingId}` : null,
    deletion_error: task.deletionError ?? null,
    created_at: task.createdAt,
    updated_at: task.updatedAt,
  };
}
