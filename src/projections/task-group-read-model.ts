import type { TaskGroupEvent, TaskGroupStatus } from '../events/task-group-events';
import type { CalendarUse } from '../events/schedule-rule-events';
import type { Doc } from '../stores/read/read-store';
import type { OverlapPolicy } from '../events/overlap-policy';

/** The last manual start or stop of a group; it holds until the next window boundary. */
export interface ManualOverride {
  action: 'start' | 'stop';
  at: string;
}

/** A task group in the `tasks` read model. Whether it runs now is computed at query time (group-run-state.ts). */
export interface TaskGroupDoc extends Doc {
  projectId: string;
  name: string;
  description: string | null;
  status: TaskGroupStatus;
  startTime: string | null;
  endTime: string | null;
  timezone: string;
  /** Absent: not set (the event left it out). */
  overlap?: OverlapPolicy;
  /** Absent: no limit. */
  maxConcurrent?: number;
  /** Absent: none. */
  calendar?: CalendarUse;
  createdAt: string;
  updatedAt: string;
  manualOverride: ManualOverride | null;
  /** Revision of the group's stream this document reflects (its ETag); absent in older generations. */
  revision?: number;
}

/** Folds one group event into the group's document; null once the group is deleted. */
export function evolveTaskGroupDoc(doc: TaskGroupDoc | null, event: TaskGroupEvent): TaskGroupDoc | null {
  switch (event.type) {
    case 'TaskGroupCreated': {
      const { groupId, createdAt, ...fields } = event.data;
      return { id: groupId, ...fields, createdAt, updatedAt: createdAt, manualOverride: null };
    }
    case 'TaskGroupUpdated': {
      if (!doc) return null;
      const { groupId: _groupId, updatedAt, ...definition } = event.data;
      // A definition without overlap fields or a calendar has none: the previous ones must not survive the spread.
      const { overlap: _overlap, maxConcurrent: _maxConcurrent, calendar: _previousCalendar, ...rest } = doc;
      return { ...rest, ...definition, updatedAt };
    }
    case 'TaskGroupStarted':
      return doc && { ...doc, manualOverride: { action: 'start', at: event.data.at } };
    case 'TaskGroupStopped':
      return doc && { ...doc, manualOverride: { action: 'stop', at: event.data.at } };
    case 'TaskGroupDeleted':
      return null;
  }
}
