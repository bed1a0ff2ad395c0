/** The whole event catalogue, for code that reads `$all` (projections, process managers). */
import type { ExecutionEvent } from './execution-events';
import type { ExecutionLogEvent } from './execution-log-events';
import type { NameReservationEvent } from './name-reservation-events';
import type { ProjectEvent } from './project-events';
import type { TaskEvent } from './task-events';
import type { TaskGroupEvent } from './task-group-events';
import type { UserEvent } from './user-events';

export * from './event';
export * from './json';
export * from './streams';
export * from './project-events';
export * from './task-events';
export * from './task-group-events';
export * from './execution-events';
export * from './execution-log-events';
export * from './user-events';
export * from './name-reservation-events';

export type AnyDomainEvent =
  | ProjectEvent
  | TaskEvent
  | TaskGroupEvent
  | ExecutionEvent
  | ExecutionLogEvent
  | UserEvent
  | NameReservationEvent;
