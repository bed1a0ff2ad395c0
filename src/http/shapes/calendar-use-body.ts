import type { CalendarUse } from '../../events/schedule-rule-events';

/** Which project calendar a task or group follows: `skip` its dates, or run `only` on them (in the task's zone). */
export interface CalendarUseBody {
  /** A calendar of the task's project (GET /projects/{id}/calendars). */
  calendar_id: string;
  mode: 'skip' | 'only';
}

const CALENDAR_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** null (or left out): no calendar. Problems go to `details`, named under `field`. */
export function calendarUseFromBody(body: CalendarUseBody | null | undefined, field: string, details: string[]): CalendarUse | null {
  if (body == null) return null;
  if (typeof body !== 'object') {
    details.push(`${field}: must be an object {calendar_id, mode} or null`);
    return null;
  }
  if (typeof body.calendar_id !== 'string' || !CALENDAR_ID.test(body.calendar_id)) details.push(`${field}.calendar_id: required, a calendar id (lowercase letters, digits, - or _)`);
  if (body.mode !== 'skip' && body.mode !== 'only') details.push(`${field}.mode: must be skip or only`);
  return { calendarId: body.calendar_id, mode: body.mode };
}

export function calendarUseBody(use: CalendarUse | undefined | null): CalendarUseBody | null {
  return use ? { calendar_id: use.calendarId, mode: use.mode } : null;
}
