/**
 * The project's calendars (dates entered by hand or imported from an .ics file) and maintenance
 * windows (one-off or recurring; pause or silence), for admins and editors. Snoozes show among the
 * windows and can be ended from here.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { api, type Schemas, unwrap } from '../api/client';
import { idFromName } from '../format';
import { useTimeDisplay } from '../time-rule';
import { ConfirmButton, Empty, ErrorMessage, Loading } from './ui';

type WindowBody = Schemas['MaintenanceWindowBody'];

/** A chosen file's text (FileReader: older browsers and test DOMs have no Blob.text()). */
function textOf(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error('could not read the file'));
    reader.readAsText(file);
  });
}

/** "2026-12-25, 2026-12-26" or one a line: the dates, as the server checks them. */
const datesOf = (text: string) => text.split(/[\s,;]+/).filter(Boolean);

export function CalendarSettings({ projectId }: { projectId: string }) {
  const id = useId();
  const queryClient = useQueryClient();
  const calendars = useQuery({ queryKey: ['calendars', projectId], queryFn: () => unwrap(api.GET('/projects/{project_id}/calendars', { params: { path: { project_id: projectId } } })) });
  const [name, setName] = useState('');
  const [dates, setDates] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [zone, setZone] = useState('UTC');
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['calendars', projectId] });
  const params = (calendarId: string) => ({ params: { path: { project_id: projectId, calendar_id: calendarId } } });
  const save = useMutation({
    mutationFn: async () => {
      const calendarId = idFromName(name, 'calendar');
      if (file) return unwrap(api.POST('/projects/{project_id}/calendars/{calendar_id}/import', { ...params(calendarId), body: { ics: await textOf(file), timezone: zone, name: name.trim() || null } }));
      return unwrap(api.PUT('/projects/{project_id}/calendars/{calendar_id}', { ...params(calendarId), body: { name: name.trim(), dates: datesOf(dates) } }));
    },
    onSuccess: async () => {
      setName('');
      setDates('');
      setFile(null);
      await refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (calendarId: string) => unwrap(api.DELETE('/projects/{project_id}/calendars/{calendar_id}', params(calendarId))),
    onSuccess: refresh,
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Calendars</h2>
      <p className="small muted">Dates tasks and groups skip, or run only on (by the run's local date in the task's zone). A name already used replaces that calendar.</p>
      {calendars.isPending ? <Loading what="calendars" /> : null}
      <ErrorMessage error={calendars.error} title="Could not load the calendars" />
      {calendars.data?.data.length === 0 ? <Empty>No calendars.</Empty> : null}
      <ul className="members">
        {calendars.data?.data.map((calendar) => (
          <li key={calendar.calendar_id}>
            <span>
              <strong>{calendar.name}</strong> <span className="mono small">{calendar.calendar_id}</span>{' '}
              <span className="small muted">
                {calendar.dates.length} dates{calendar.dates.length > 0 ? `: ${calendar.dates.slice(0, 4).join(', ')}${calendar.dates.length > 4 ? ', …' : ''}` : ''}
              </span>
            </span>
            <ConfirmButton label="Remove" question={`Remove the calendar “${calendar.name}”? Tasks that skip it run on its dates again; tasks that run only on it stop.`} onConfirm={() => remove.mutate(calendar.calendar_id)} />
          </li>
        ))}
      </ul>
      <ErrorMessage error={remove.error} title="Could not remove the calendar" />
      <form onSubmit={submit} className="inline-form" aria-label="Add a calendar">
        <label htmlFor={`${id}-name`}>Calendar name</label>
        <input id={`${id}-name`} required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
        <label htmlFor={`${id}-dates`}>Dates (YYYY-MM-DD, one a line or separated by commas)</label>
        <textarea id={`${id}-dates`} rows={3} disabled={file !== null} value={dates} onChange={(e) => setDates(e.target.value)} />
        <label htmlFor={`${id}-file`}>…or import an .ics file</label>
        <input id={`${id}-file`} type="file" accept=".ics,text/calendar" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        {file ? (
          <>
            <label htmlFor={`${id}-zone`}>Zone of its timed events</label>
            <input id={`${id}-zone`} value={zone} onChange={(e) => setZone(e.target.value)} />
          </>
        ) : null}
        <button type="submit" disabled={save.isPending}>
          {file ? 'Import calendar' : 'Save calendar'}
        </button>
      </form>
      <ErrorMessage error={save.error} title="Could not save the calendar" />
    </section>
  );
}

export function MaintenanceWindowSettings({ projectId, ownZone }: { projectId: string; ownZone?: string }) {
  const times = useTimeDisplay();
  const id = useId();
  const queryClient = useQueryClient();
  const windows = useQuery({
    queryKey: ['maintenance-windows', projectId],
    queryFn: () => unwrap(api.GET('/projects/{project_id}/maintenance-windows', { params: { path: { project_id: projectId } } })),
  });
  const [name, setName] = useState('');
  const [effect, setEffect] = useState<WindowBody['effect']>('pause');
  const [recurring, setRecurring] = useState(false);
  const [start, setStart] = useState('');
  const [end, setEnd] = useState('');
  const [cron, setCron] = useState('0 2 * * 0');
  const [zone, setZone] = useState('UTC');
  const [minutes, setMinutes] = useState('60');
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['maintenance-windows', projectId] });
  const params = (windowId: string) => ({ params: { path: { project_id: projectId, window_id: windowId } } });
  const save = useMutation({
    mutationFn: () => {
      const body: WindowBody = recurring
        ? { name: name.trim(), scope: 'project', effect, cron_expression: cron.trim(), timezone: zone.trim(), duration_minutes: Number(minutes) }
        : // datetime-local is the browser's own zone: sent as the instant it names.
          { name: name.trim(), scope: 'project', effect, start: new Date(start).toISOString(), end: new Date(end).toISOString() };
      return unwrap(api.PUT('/projects/{project_id}/maintenance-windows/{window_id}', { ...params(idFromName(name, 'window')), body }));
    },
    onSuccess: async () => {
      setName('');
      await refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (windowId: string) => unwrap(api.DELETE('/projects/{project_id}/maintenance-windows/{window_id}', params(windowId))),
    onSuccess: refresh,
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  const when = (w: Schemas['MaintenanceWindowResponse']) =>
    w.cron_expression ? `${w.cron_expression} (${w.timezone}) for ${w.duration_minutes} min` : `${times.dateTime(w.start, ownZone)} – ${times.dateTime(w.end, ownZone)}`;
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Maintenance windows</h2>
      <p className="small muted">Pause: no runs inside the window (none owed afterwards) and no alerts. Silence: runs go on, alerts are not sent. Snoozed tasks and groups show here too.</p>
      {windows.isPending ? <Loading what="maintenance windows" /> : null}
      <ErrorMessage error={windows.error} title="Could not load the maintenance windows" />
      {windows.data?.data.length === 0 ? <Empty>No maintenance windows.</Empty> : null}
      <ul className="members">
        {windows.data?.data.map((w) => (
          <li key={w.window_id}>
            <span>
              <strong>{w.name}</strong> <span className="badge">{w.snooze ? 'snooze' : w.effect}</span> <span className="small muted">{w.scope}</span>{' '}
              <span className="small">{when(w)}</span>
            </span>
            <ConfirmButton label={w.snooze ? 'End snooze' : 'Remove'} question={`Remove “${w.name}”?`} onConfirm={() => remove.mutate(w.window_id)} />
          </li>
        ))}
      </ul>
      <ErrorMessage error={remove.error} title="Could not remove the window" />
      <form onSubmit={submit} className="inline-form" aria-label="Add a maintenance window">
        <label htmlFor={`${id}-name`}>Window name</label>
        <input id={`${id}-name`} required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
        <label htmlFor={`${id}-effect`}>Effect</label>
        <select id={`${id}-effect`} value={effect} onChange={(e) => setEffect(e.target.value as WindowBody['effect'])}>
          <option value="pause">Pause runs and alerts</option>
          <option value="silence">Silence alerts only</option>
        </select>
        <label htmlFor={`${id}-recurring`}>Recurring</label>
        <input id={`${id}-recurring`} type="checkbox" checked={recurring} onChange={(e) => setRecurring(e.target.checked)} />
        {recurring ? (
          <>
            <label htmlFor={`${id}-cron`}>Opens at (cron)</label>
            <input id={`${id}-cron`} required value={cron} onChange={(e) => setCron(e.target.value)} />
            <label htmlFor={`${id}-zone`}>Zone</label>
            <input id={`${id}-zone`} required value={zone} onChange={(e) => setZone(e.target.value)} />
            <label htmlFor={`${id}-minutes`}>Open for (minutes)</label>
            <input id={`${id}-minutes`} type="number" min={1} max={10080} required value={minutes} onChange={(e) => setMinutes(e.target.value)} />
          </>
        ) : (
          <>
            <label htmlFor={`${id}-start`}>From</label>
            <input id={`${id}-start`} type="datetime-local" required value={start} onChange={(e) => setStart(e.target.value)} />
            <label htmlFor={`${id}-end`}>To</label>
            <input id={`${id}-end`} type="datetime-local" required value={end} onChange={(e) => setEnd(e.target.value)} />
          </>
        )}
        <button type="submit" disabled={save.isPending}>
          Add window
        </button>
      </form>
      <ErrorMessage error={save.error} title="Could not save the window" />
    </section>
  );
}
