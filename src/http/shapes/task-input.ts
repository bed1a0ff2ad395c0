import type { TaskDraft } from '../../commands/flows/task-draft';
import { ValidationError } from '../../errors/app-error';
import type { JsonObject } from '../../events/json';
import type { ExecutionMode, ScheduleType, TaskStatus } from '../../events/task-events';
import { validateScheduleConfig } from '../../schedules/schedule-config';
import { alertPolicyFromBody, type AlertPolicyBody } from './alert-policy-body';
import { durationAlertsFromBody, type DurationAlertsBody } from './duration-alerts-body';
import { calendarUseFromBody, type CalendarUseBody } from './calendar-use-body';
import { checkTaskTags } from '../../commands/task/task-tags';
import { absentIfEmpty } from './empty-means-absent';
import { retryPolicyFromBody, type RetryBody } from './retry-body';
import type { ScheduleConfigBody } from './schedule-config-body';
import { overlapFromBody, type OverlapFieldsBody } from './overlap-body';

/** The fields a client sets on a task; left out or null clears an optional field. */
export interface TaskFieldsBody extends OverlapFieldsBody {
  /**
   * Unique within the project, case-insensitively (executors route by it).
   * @minLength 1
   * @maxLength 255
   */
  name: string;
  /** @maxLength 1000 */
  description?: string | null;
  schedule_type: ScheduleType;
  schedule_config: ScheduleConfigBody;
  /** Only ACTIVE (default) and DISABLED can be set; the others belong to deletion. */
  status?: TaskStatus;
  /**
   * A group of the same project; null, "" or left out: no group.
   * @maxLength 100
   */
  task_group_id?: string | null;
  /**
   * At most 31 days.
   * @isInt
   * @minimum 1
   * @maximum 2678400
   */
  timeout_seconds?: number | null;
  /** Free-form JSON sent with every dispatch and claim: at most 16 KiB once serialised (and the whole body nests at most 32 levels). */
  metadata?: Record<string, unknown> | null;
  /** Default: push when the project has an execution endpoint, else pull. */
  execution_mode?: ExecutionMode | null;
  /**
   * How long a run may stay PENDING before it is MISSED; at most 31 days.
   * @isInt
   * @minimum 1
   * @maximum 2678400
   */
  start_deadline_seconds?: number | null;
  alert_policy?: AlertPolicyBody | null;
  /**
   * Lowercase slugs (`a-z`, `0-9`, single inner hyphens), each at most 32 characters; stored sorted.
   * Left out, null or []: none.
   * @maxItems 10
   */
  tags?: string[] | null;
  /** Duration and lateness alerts (README, "Alerts"); null or left out: none. */
  duration_alerts?: DurationAlertsBody | null;
  /** The project calendar to `skip` or run `only` on, by the tick's date in the task's zone; null or left out: none (the group's applies). */
  calendar?: CalendarUseBody | null;
  /** Retries (README "Retries"): failed runs attempted again; null or left out: one attempt. */
  retry?: RetryBody | null;
}

export interface CreateTaskBody extends TaskFieldsBody {
  /**
   * If sent (and not ""), it must be the project of the path.
   * @maxLength 100
   */
  project_id?: string;
  /** The original API's trigger settings: accepted and ignored. */
  trigger_config?: unknown;
}

/**
 * PUT is a full update. A body exactly as GET returned it is accepted: the read-only fields below are
 * ignored, not rejected (COMPAT.md).
 */
export interface UpdateTaskBody extends TaskFieldsBody {
  /** Read-only, ignored. */
  id?: unknown;
  /** Read-only, ignored. */
  uuid?: unknown;
  /** Read-only, ignored. */
  project_id?: unknown;
  /** Read-only, ignored. */
  state?: unknown;
  /** Read-only, ignored. */
  trigger_config?: unknown;
  /** Read-only, ignored. */
  created_at?: unknown;
  /** Read-only, ignored. */
  updated_at?: unknown;
  /** Read-only, ignored. */
  api_key?: unknown;
  /** Read-only, ignored. */
  last_execution?: unknown;
  /** Read-only, ignored. */
  deletion_error?: unknown;
  /** Read-only, ignored. */
  ping_url?: unknown;
}

/** Metadata travels with every dispatch and claim of the task, and sits in its read models. */
export const MAX_METADATA_BYTES = 16 * 1024;

/**
 * The task definition a request states, checked beyond what the OpenAPI schema can say: the
 * schedule (cron syntax, time zone, combinations, all problems at once in `details`) and the name.
 * The schedule is stored in its normal form (nulls dropped, lists sorted).
 */
export function taskDraftFromBody(body: TaskFieldsBody): TaskDraft {
  const name = body.name.trim();
  const details: string[] = [];
  if (name === '') details.push('name: must not be blank');
  const metadataBytes = body.metadata ? Buffer.byteLength(JSON.stringify(body.metadata)) : 0;
  if (metadataBytes > MAX_METADATA_BYTES) details.push(`metadata: is ${metadataBytes} bytes as JSON; at most ${MAX_METADATA_BYTES} are allowed`);
  const tags = checkTaskTags(body.tags ?? []);
  if (!tags.ok) details.push(...tags.details);
  const schedule = validateScheduleConfig(body.schedule_type, body.schedule_config);
  if (!schedule.ok) details.push(...schedule.details);
  const calendar = calendarUseFromBody(body.calendar, 'calendar', details);
  const retry = retryPolicyFromBody(body.retry, body.execution_mode, details);
  if (details.length > 0 || !schedule.ok || !tags.ok) throw new ValidationError('Invalid task', details);
  return {
    name,
    description: body.description ?? null,
    scheduleType: body.schedule_type,
    scheduleConfig: schedule.value,
    taskGroupId: absentIfEmpty(body.task_group_id),
    timeoutSeconds: body.timeout_seconds ?? null,
    metadata: (body.metadata ?? null) as JsonObject | null,
    executionMode: body.execution_mode ?? null,
    startDeadlineSeconds: body.start_deadline_seconds ?? null,
    alertPolicy: body.alert_policy ? alertPolicyFromBody(body.alert_policy) : null,
    tags: tags.value,
    durationAlerts: durationAlertsFromBody(body.duration_alerts) ?? undefined,
    ...overlapFromBody(body),
    calendar: calendar ?? undefined,
    retry,
  };
}
