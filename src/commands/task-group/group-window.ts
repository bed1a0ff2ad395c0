import { ValidationError } from '../../errors/app-error';
import { parseHourMinute } from '../../schedules/civil-time';
import { quoted } from '../../errors/quoted';

/**
 * A group's daily window: both ends or neither, each "HH:MM" (24 h). The rules are those of a task's
 * `time_range` (src/schedules/daily-window.ts), so one window means the same thing everywhere: an end
 * before the start crosses midnight (22:00–06:00), an end equal to the start is the whole day.
 */
export function validateGroupWindow(startTime: string | null, endTime: string | null): void {
  const details: string[] = [];
  if ((startTime === null) !== (endTime === null)) details.push('start_time and end_time: give both or neither');
  for (const [field, value] of [['start_time', startTime], ['end_time', endTime]] as const) {
    if (value !== null && parseHourMinute(value) === undefined) {
      details.push(`${field}: ${quoted(value)} is not a time of day as HH:MM (00:00 to 23:59)`);
    }
  }
  if (details.length > 0) throw new ValidationError('Invalid task group window', details);
}
