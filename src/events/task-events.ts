import { type DomainEventOf, eventTypeNames } from './event';
import type { ScheduleConfig, ScheduleType } from '../schedules/schedule-config';
import type { JsonObject } from './json';
import type { AlertPolicy } from './project-events';
import type { OverlapPolicy } from './overlap-policy';
import type { CalendarUse } from './schedule-rule-events';
import type { RetryPolicy } from './retry-policy';

/**
 * `scheduleConfig` is the task's `schedule_config` exactly as src/schedules validated it (snake_case
 * keys, as in the API): events store it as is and never interpret it.
 */
export type { ScheduleConfig, ScheduleType };
export type ExecutionMode = 'push' | 'pull' | 'external';

/** The statuses a client may set. */
export type TaskClientStatus = 'ACTIVE' | 'DISABLED';
/** Every status a task can have; the deletion saga sets the last two. */
export type TaskStatus = TaskClientStatus | 'PENDING_DELETE' | 'DELETE_FAILED';

/** Everything a PUT sets. Optional fields are null when absent (a PUT is a full update). */
export interface TaskDefinition {
  taskGroupId: string | null;
  name: string;
  description: string | null;
  scheduleType: ScheduleType;
  scheduleConfig: ScheduleConfig;
  timeoutSeconds: number | null;
  metadata: JsonObject | null;
  /** Resolved by the caller (default: push when the project has an endpoint, else pull). */
  executionMode: ExecutionMode;
  startDeadlineSeconds: number | null;
  /** null: the project's policy applies. */
  alertPolicy: AlertPolicy | null;
  /**
   * Lowercase slugs, sorted, no duplicates (src/commands/task/task-tags.ts). Present only when there are some, so
   * definitions stored before tags existed and those without any compare equal.
   */
  tags?: string[];
  /** Duration and lateness alerts; present only when at least one threshold is set. */
  durationAlerts?: DurationAlerts;
  /**
   * Overlap and concurrency (README, "Overlap and concurrency"), each present only when set: absent
   * `overlap` inherits the group's, then the project's policy; absent `maxConcurrent` means no limit.
   */
  overlap?: OverlapPolicy;
  maxConcurrent?: number;
  /**
   * The project calendar the task skips or runs only on (its own wins over its group's); present only
   * when set, so definitions stored before calendars compare equal.
   */
  calendar?: CalendarUse;
  /**
   * Retries: a failed run is attempted again, as a new attempt of the same execution. Present only when
   * set, so definitions stored before retries existed compare equal.
   */
  retry?: RetryPolicy;
}

/**
 * A task's duration and lateness alerts (each threshold null when off). They never open or close a
 * failure incident: a slow SUCCESS is still a success.
 */
export interface DurationAlerts {
  /** "Ran longer than X": alerted once a run has been RUNNING this long, while it still runs. */
  maxRunSeconds: number | null;
  /** "Slower than k × p95 of the last N successful runs": alerted when a run ends. */
  slowerThanP95Factor: number | null;
  /** N, the successful runs the p95 is taken over (it applies from the fifth). */
  p95WindowRuns: number;
  /** "Started more than X after its scheduled time": alerted when the run starts. */
  maxStartDelaySeconds: number | null;
}

export type TaskCreated = DomainEventOf<
  'TaskCreated',
  { taskId: string; projectId: string } & TaskDefinition & { status: TaskClientStatus; createdAt: string }
>;

/** The full definition after the update (not a diff), so a read model replaces rather than merges. */
export type TaskUpdated = DomainEventOf<'TaskUpdated', { taskId: string; projectId: string } & TaskDefinition & { updatedAt: string }>;

/** A client's ACTIVE/DISABLED switch. Deletion statuses have events of their own. */
export type TaskStatusChanged = DomainEventOf<
  'TaskStatusChanged',
  { taskId: string; projectId: string; status: TaskClientStatus; updatedAt: string }
>;

/** Status becomes PENDING_DELETE; the deletion saga takes over. Also a retry after DELETE_FAILED. */
export type TaskDeletionRequested = DomainEventOf<
  'TaskDeletionRequested',
  { taskId: string; projectId: string; requestedBy: string; requestedAt: string }
>;

/** Status becomes DELETE_FAILED; a new deletion request retries. */
export type TaskDeletionFailed = DomainEventOf<
  'TaskDeletionFailed',
  { taskId: string; projectId: string; reason: string; failedAt: string }
>;

/** The saga finished: schedules, executions and logs are gone. */
export type TaskDeleted = DomainEventOf<'TaskDeleted', { taskId: string; projectId: string; deletedAt: string }>;

/**
 * The task's Healthchecks-style ping URL (`/ping/<pingId>`), given once when the task is first in external
 * mode. The id is random: it is the URL's only credential.
 */
export type TaskPingUrlAssigned = DomainEventOf<'TaskPingUrlAssigned', { taskId: string; projectId: string; pingId: string; assignedAt: string }>;

export type TaskEvent =
  | TaskCreated
  | TaskUpdated
  | TaskStatusChanged
  | TaskDeletionRequested
  | TaskDeletionFailed
  | TaskDeleted
  | TaskPingUrlAssigned;

export const TASK_EVENT_TYPES = eventTypeNames<TaskEvent>({
  TaskCreated: true,
  TaskUpdated: true,
  TaskStatusChanged: true,
  TaskDeletionRequested: true,
  TaskDeletionFailed: true,
  TaskDeleted: true,
  TaskPingUrlAssigned: true,
});
