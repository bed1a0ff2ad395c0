import type { TaskDoc } from '../projections/task-read-model';
import type { TaskGroupDoc } from '../projections/task-group-read-model';
import { SECONDS_PER_DAY, parseHourMinute } from '../schedules/civil-time';
import { compileSchedule } from '../schedules/compile-schedule';
import { zoneRules } from '../schedules/time-zone';

/** The original API's `state`: whether the scheduler runs the task's (or group's) ticks now. */
export type RunState = 'RUNNING' | 'NOT_RUNNING';

/**
 * Computed at query time, not stored: it depends on the clock, and read models hold event data only.
 * An ACTIVE group runs inside its daily window [start_time, end_time) in its zone (always, without a
 * window), unless a manual start or stop has happened since the last window boundary: that override
 * holds until the next boundary (for a group without a window, until the next override).
 */
export function groupRunState(group: TaskGroupDoc, now: Date): RunState {
  if (group.status !== 'ACTIVE') return 'NOT_RUNNING';
  const override = group.manualOverride;
  if (override && !windowBoundaryBetween(group, Date.parse(override.at), now.getTime())) {
    return override.action === 'start' ? 'RUNNING' : 'NOT_RUNNING';
  }
  return insideWindow(group, now.getTime()) ? 'RUNNING' : 'NOT_RUNNING';
}

/** A task runs when it is ACTIVE and, if it belongs to a group, the group runs. */
export function taskRunState(task: TaskDoc, group: TaskGroupDoc | null, now: Date): RunState {
  if (task.status !== 'ACTIVE') return 'NOT_RUNNING';
  return group ? groupRunState(group, now) : 'RUNNING';
}

function insideWindow(group: TaskGroupDoc, nowMs: number): boolean {
  if (group.startTime === null || group.endTime === null) return true;
  const seconds = Math.floor(nowMs / 1000);
  const local = seconds + zoneRules(group.timezone).offsetAt(seconds);
  const timeOfDay = ((local % SECONDS_PER_DAY) + SECONDS_PER_DAY) % SECONDS_PER_DAY;
  const start = parseHourMinute(group.startTime)!;
  const end = parseHourMinute(group.endTime)!;
  // end before start: the window crosses midnight.
  return start < end ? timeOfDay >= start && timeOfDay < end : timeOfDay >= start || timeOfDay < end;
}

/** Did the window open or close in (fromMs, toMs]? Each boundary is a daily time in the group's zone. */
function windowBoundaryBetween(group: TaskGroupDoc, fromMs: number, toMs: number): boolean {
  if (group.startTime === null || group.endTime === null || !(toMs > fromMs)) return false;
  return [group.startTime, group.endTime].some((time) => {
    const [hours, minutes] = time.split(':').map(Number);
    const daily = compileSchedule('RECURRING', { cron_expression: `${minutes} ${hours} * * *`, timezone: group.timezone });
    return daily.countBetween(fromMs, toMs) > 0;
  });
}
