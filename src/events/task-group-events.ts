import { type DomainEventOf, eventTypeNames } from './event';
import type { OverlapPolicy } from './overlap-policy';
import type { CalendarUse } from './schedule-rule-events';

export type TaskGroupStatus = 'ACTIVE' | 'DISABLED';
export type TaskGroupDeletionMode = 'detach' | 'delete_tasks';

/** Everything a PUT sets (a full update). The window is one daily interval in the group's zone. */
export interface TaskGroupDefinition {
  name: string;
  description: string | null;
  status: TaskGroupStatus;
  /** "HH:MM"; both times or neither (rules of src/schedules/daily-window.ts). null: no window (always open while ACTIVE). */
  startTime: string | null;
  endTime: string | null;
  timezone: string;
  /**
   * Overlap and concurrency, each present only when set: `overlap` is the default of the group's tasks
   * that set none; `maxConcurrent` limits the open runs of all its tasks together.
   */
  overlap?: OverlapPolicy;
  maxConcurrent?: number;
  /** The project calendar its tasks skip or run only on, unless a task has its own; present only when set. */
  calendar?: CalendarUse;
}

export type TaskGroupCreated = DomainEventOf<
  'TaskGroupCreated',
  { groupId: string; projectId: string } & TaskGroupDefinition & { createdAt: string }
>;

/** The full definition after the update. */
export type TaskGroupUpdated = DomainEventOf<
  'TaskGroupUpdated',
  { groupId: string; projectId: string } & TaskGroupDefinition & { updatedAt: string }
>;

/**
 * A manual start: the group runs until the next window boundary. Only the fact is recorded; the group
 * window manager decides what it means at that instant.
 */
export type TaskGroupStarted = DomainEventOf<'TaskGroupStarted', { groupId: string; projectId: string; manual: true; at: string }>;

/** A manual stop, until the next window boundary. */
export type TaskGroupStopped = DomainEventOf<'TaskGroupStopped', { groupId: string; projectId: string; manual: true; at: string }>;

/** The group is gone; a process manager detaches its tasks or requests their deletion, per `mode`. */
export type TaskGroupDeleted = DomainEventOf<
  'TaskGroupDeleted',
  { groupId: string; projectId: string; mode: TaskGroupDeletionMode; deletedAt: string }
>;

export type TaskGroupEvent = TaskGroupCreated | TaskGroupUpdated | TaskGroupStarted | TaskGroupStopped | TaskGroupDeleted;

export const TASK_GROUP_EVENT_TYPES = eventTypeNames<TaskGroupEvent>({
  TaskGroupCreated: true,
  TaskGroupUpdated: true,
  TaskGroupStarted: true,
  TaskGroupStopped: true,
  TaskGroupDeleted: true,
});
