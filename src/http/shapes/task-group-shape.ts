import type { TaskGroupStatus } from '../../events/task-group-events';
import type { TaskGroupDoc } from '../../projections/task-group-read-model';
import type { RunState } from '../../queries/group-run-state';
import { overlapResponse, type OverlapFieldsResponse } from './overlap-body';
import { calendarUseBody, type CalendarUseBody } from './calendar-use-body';

/** A task group as the original API shows it. */
export interface TaskGroupResponse extends OverlapFieldsResponse {
  id: string;
  uuid: string;
  project_id: string;
  name: string;
  description: string | null;
  status: TaskGroupStatus;
  /** RUNNING while the group's window is open, or after a manual start until the next window boundary. */
  state: RunState;
  /** "HH:MM"; null: no window (open all day while ACTIVE). */
  start_time: string | null;
  end_time: string | null;
  timezone: string;
  /** The project calendar its tasks skip or run only on (a task's own wins); null: none. */
  calendar: CalendarUseBody | null;
  created_at: string;
  updated_at: string;
}

/** The one mapping from the tasks read model's groups to the API. */
export function toTaskGroupResponse(group: TaskGroupDoc, state: RunState): TaskGroupResponse {
  return {
    id: group.id,
    uuid: group.id,
    project_id: group.projectId,
    name: group.name,
    description: group.description,
    status: group.status,
    state,
    start_time: group.startTime,
    end_time: group.endTime,
    timezone: group.timezone,
    ...overlapResponse(group),
    calendar: calendarUseBody(group.calendar),
    created_at: group.createdAt,
    updated_at: group.updatedAt,
  };
}
