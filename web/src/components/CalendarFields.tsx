/**
 * A task's calendar (`calendar`): none (its group's applies), or one of the project's calendars to
 * skip or to run only on, by the run's local date in the task's zone.
 */
import { useId } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api, type Schemas, unwrap } from '../api/client';

export type CalendarUse = Schemas['CalendarUseBody'];

export function CalendarFields({ projectId, value, onChange }: { projectId: string; value: CalendarUse | null; onChange: (use: CalendarUse | null) => void }) {
  const id = useId();
  const calendars = useQuery({
    queryKey: ['calendars', projectId],
    queryFn: () => unwrap(api.GET('/projects/{project_id}/calendars', { params: { path: { project_id: projectId } } })),
  });
  const options = calendars.data?.data ?? [];
  return (
    <fieldset className="calendar-fields">
      <legend>Calendar</legend>
      <div className="row-pair">
        <div className="row">
          <label htmlFor={`${id}-calendar`}>Calendar (none: the group's, if any)</label>
          <select
            id={`${id}-calendar`}
            value={value?.calendar_id ?? ''}
            onChange={(e) => onChange(e.target.value ? { calendar_id: e.target.value, mode: value?.mode ?? 'skip' } : null)}
          >
            <option value="">None</option>
            {options.map((calendar) => (
              <option key={calendar.calendar_id} value={calendar.calendar_id}>
                {calendar.name} ({calendar.dates.length} dates)
              </option>
            ))}
            {value && !options.some((c) => c.calendar_id === value.calendar_id) ? <option value={value.calendar_id}>{value.calendar_id} (missing)</option> : null}
          </select>
        </div>
        <div className="row">
          <label htmlFor={`${id}-mode`}>On its dates</label>
          <select id={`${id}-mode`} disabled={!value} value={value?.mode ?? 'skip'} onChange={(e) => value && onChange({ ...value, mode: e.target.value as CalendarUse['mode'] })}>
            <option value="skip">Skip (do not run on these dates)</option>
            <option value="only">Only (run on these dates only)</option>
          </select>
        </div>
      </div>
    </fieldset>
  );
}
