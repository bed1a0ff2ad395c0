import type { ExecutionStatus, TriggerType } from '../events/execution-events';
import type { JsonObject } from '../events/json';
import type { AlertPolicy } from '../events/project-events';
import type { CalendarUse } from '../events/schedule-rule-events';
import type { RetryPolicy } from '../events/retry-policy';
import type { DurationAlerts, ExecutionMode, ScheduleConfig, ScheduleType, TaskEvent, TaskStatus } from '../events/task-events';
import type { Doc } from '../stores/read/read-store';
import type { OverlapPolicy } from '../events/overlap-policy';

/** The newest execution of a task, as task lists show it. */
export interface LastExecutionSummary {
  executionId: string;
  status: ExecutionStatus;
  triggerType: TriggerType;
  scheduledAt: string;
  createdAt: string;
  endedAt: string | null;
}

/** A task in the `tasks` read model: its definition as of its last event, plus its newest execution. */
export interface TaskDoc extends Doc {
  projectId: string;
  taskGroupId: string | null;
  name: string;
  description: string | null;
  scheduleType: ScheduleType;
  scheduleConfig: ScheduleConfig;
  timeoutSeconds: number | null;
  metadata: JsonObject | null;
  executionMode: ExecutionMode;
  startDeadlineSeconds: number | null;
  alertPolicy: AlertPolicy | null;
  /** Absent: none (the event left them out). */
  tags?: string[];
  /** Absent: none (the event left them out). */
  durationAlerts?: DurationAlerts;
  /** Absent: inherited (the event left it out). */
  overlap?: OverlapPolicy;
  /** Absent: no limit. */
  maxConcurrent?: number;
  /** Absent: none (the event left it out). */
  calendar?: CalendarUse;
  /** Absent: one attempt. */
  retry?: RetryPolicy;
  status: TaskStatus;
  createdAt: string;
  updatedAt: string;
  lastExecution: LastExecutionSummary | null;
  /** Why the deletion saga gave up (DELETE_FAILED); null otherwise. Absent on documents older than it: read as null. */
  deletionError?: string | null;
  /** The id of its ping URL (TaskPingUrlAssigned); absent until it has one: read as null. */
  pingId?: string;
  /** Revision of the task's stream this document reflects (its ETag); set by the projection, absent in `as_of` folds and older generations. */
  revision?: number;
}

/**
 * Folds one task event into the task's document; null once the task is gone (TaskDeleted). Pure and
 * built from event data only, so the projection and the `as_of` query (which folds a task's stream up
 * to an instant) give the same document.
 */
export function evolveTaskDoc(doc: TaskDoc | null, event: TaskEvent): TaskDoc | null {
  switch (event.type) {
    case 'TaskCreated': {
      const { taskId, createdAt, ...fields } = event.data;
      return { id: taskId, ...fields, createdAt, updatedAt: createdAt, lastExecution: null, deletionError: null };
    }
    case 'TaskUpdated': {
      if (!doc) return null;
      const { taskId: _taskId, updatedAt, ...definition } = event.data;
      // A definition without tags (or duration alerts) has none: the previous ones must not survive the spread.
      const { tags: _previousTags, durationAlerts: _previousAlerts, overlap: _overlap, maxConcurrent: _maxConcurrent, calendar: _previousCalendar, retry: _previousRetry, ...rest } = doc;
      return { ...rest, ...definition, updatedAt };
    }
    case 'TaskStatusChanged':
      return doc && { ...doc, status: event.data.status, updatedAt: event.data.updatedAt };
    case 'TaskDeletionRequested':
      return doc && { ...doc, status: 'PENDING_DELETE', deletionError: null, updatedAt: event.data.requestedAt };
    case 'TaskDeletionFailed':
      return doc && { ...doc, status: 'DELETE_FAILED', deletionError: event.data.reason, updatedAt: event.data.failedAt };
    case 'TaskDeleted':
      return null;
    case 'TaskPingUrlAssigned':
      return doc && { ...doc, pingId: event.data.pingId };
  }
}
