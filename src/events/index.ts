/** The whole event catalogue, for code that reads `$all` (projections, process managers). */
import type { AlertChannelEvent } from './alert-channel-events';
import type { AlertEvent } from './alert-events';
import type { ApiKeyUsageEvent } from './api-key-usage-events';
import type { DeletionEvent, ProjectTaskDeleted } from './deletion-events';
import type { DispatchEvent } from './dispatch-events';
import type { ExecutionEvent } from './execution-events';
import type { ExecutionLogEvent } from './execution-log-events';
import type { NameReservationEvent } from './name-reservation-events';
import type { ProjectEvent } from './project-events';
import type { RetentionApplied } from './retention-events';
import type { ScheduleRuleEvent } from './schedule-rule-events';
import type { SchedulerEvent } from './scheduler-events';
import type { TaskEvent } from './task-events';
import type { TaskGroupEvent } from './task-group-events';
import type { UserEvent } from './user-events';

export * from './event';
export * from './json';
export * from './streams';
export * from './project-events';
export * from './api-key-usage-events';
export * from './task-events';
export * from './task-group-events';
export * from './execution-events';
export * from './execution-log-events';
export * from './dispatch-events';
export * from './user-events';
export * from './name-reservation-events';
export * from './deletion-events';
export * from './retention-events';
export * from './alert-events';
export * from './alert-channel-events';
export * from './scheduler-events';
export * from './schedule-rule-events';

export type AnyDomainEvent =
  | ProjectEvent
  | ApiKeyUsageEvent
  | TaskEvent
  | TaskGroupEvent
  | ExecutionEvent
  | ExecutionLogEvent
  | DispatchEvent
  | UserEvent
  | NameReservationEvent
  | DeletionEvent
  | ProjectTaskDeleted
  | RetentionApplied
  | SchedulerEvent
  | AlertEvent
  | AlertChannelEvent
  | ScheduleRuleEvent;
