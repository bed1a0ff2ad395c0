import type { TaskGroupDefinitionInput } from '../../commands/task-group/task-group-commands';
import { ValidationError } from '../../errors/app-error';
import type { TaskGroupStatus } from '../../events/task-group-events';
import { checkTimeZone } from '../../schedules/time-zone';
import { absentIfEmpty } from './empty-means-absent';
import { calendarUseFromBody, type CalendarUseBody } from './calendar-use-body';
import { quoted } from '../../errors/quoted';
import { overlapFromBody, type OverlapFieldsBody } from './overlap-body';

/** What a client sets on a group (a full definition, on create and on PUT). */
export interface TaskGroupFieldsBody extends OverlapFieldsBody {
  /**
   * @minLength 1
   * @maxLength 255
   */
  name: string;
  /** @maxLength 1000 */
  description?: string | null;
  /** Default ACTIVE on create; kept on PUT when left out. */
  status?: TaskGroupStatus;
  /**
   * "HH:MM"; give both ends of the window or neither ("" is neither).
   * @maxLength 5
   */
  start_time?: string | null;
  /** @maxLength 5 */
  end_time?: string | null;
  /**
   * IANA time zone of the window. Default (also for ""): UTC.
   * @maxLength 64
   */
  timezone?: string | null;
  /** The project calendar its tasks `skip` or run `only` on (a task's own wins); null or left out: none. */
  calendar?: CalendarUseBody | null;
}

export interface CreateTaskGroupBody extends TaskGroupFieldsBody {
  /**
   * If sent (and not ""), it must be the project of the path.
   * @maxLength 100
   */
  project_id?: string;
}

/** A body exactly as GET returned it is accepted: the read-only fields are ignored. */
export interface UpdateTaskGroupBody extends TaskGroupFieldsBody {
  /** Read-only, ignored. */
  id?: unknown;
  /** Read-only, ignored. */
  uuid?: unknown;
  /** Read-only, ignored. */
  project_id?: unknown;
  /** Read-only, ignored. */
  state?: unknown;
  /** Read-only, ignored. */
  created_at?: unknown;
  /** Read-only, ignored. */
  updated_at?: unknown;
}

/** The definition a request states; the window itself is checked by the group decider. */
export function taskGroupDefinitionFromBody(body: TaskGroupFieldsBody): TaskGroupDefinitionInput {
  const name = body.name.trim();
  const details: string[] = [];
  if (name === '') details.push('name: must not be blank');
  const timezone = absentIfEmpty(body.timezone) ?? 'UTC';
  const zone = checkTimeZone(timezone);
  if (!zone.ok) {
    details.push(`timezone: ${quoted(timezone)} is not an IANA time zone${zone.suggestion ? ` (did you mean "${zone.suggestion}"?)` : ''}`);
  }
  const calendar = calendarUseFromBody(body.calendar, 'calendar', details);
  if (details.length > 0) throw new ValidationError('Invalid task group', details);
  return {
    name,
    description: body.description ?? null,
    status: body.status,
    startTime: absentIfEmpty(body.start_time),
    endTime: absentIfEmpty(body.end_time),
    timezone,
    ...overlapFromBody(body),
    calendar: calendar ?? undefined,
  };
}
