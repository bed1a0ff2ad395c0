/**
 * The schedule part of the task form: cron (with a plain-language description), interval or one-off,
 * a searchable IANA time zone, the DST policy, and a preview of the next runs from the server
 * (POST /schedules/preview) with the days daylight saving time touches flagged.
 */
import { useQuery } from '@tanstack/react-query';
import cronstrue from 'cronstrue';
import { useEffect, useId, useMemo, useState } from 'react';
import { api, type Occurrence, type ScheduleConfig, type ScheduleType, unwrap } from '../api/client';
import { browserZone, isTimeZone, timeZones } from '../format';
import { timeDisplay } from '../time-rule';
import { ErrorMessage } from './ui';

export type RecurringKind = 'cron' | 'interval' | 'window';

/** Every field of `schedule_config` this editor knows; any other field the server returns is kept as it was. */
const KNOWN_FIELDS = ['cron_expression', 'timezone', 'time_range', 'days_of_week', 'exclusions', 'excluded_dates', 'interval', 'run_at', 'dst', 'catch_up'];

export const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export interface ScheduleDraft {
  schedule_type: ScheduleType;
  kind: RecurringKind;
  cron_expression: string;
  interval_value: string;
  interval_unit: 's' | 'm' | 'h' | 'd';
  /** `YYYY-MM-DDTHH:MM`, a wall-clock time in `timezone` (one-off tasks). */
  run_at_local: string;
  timezone: string;
  dst_gap: '' | 'shift' | 'skip';
  dst_repeat: '' | 'once' | 'twice';
  /** With a cron expression: only the ticks inside the daily window run. */
  window_on: boolean;
  window_start: string;
  window_end: string;
  /** Repeats inside the window (kind `window`). */
  frequency_value: string;
  frequency_unit: 's' | 'm' | 'h';
  /** The saved window had a frequency: kept even where the form does not show it (cron window). */
  keep_frequency: boolean;
  days_of_week: number[];
  exclusions: number[];
  /** `YYYY-MM-DD` dates separated by commas, spaces or lines. */
  excluded_dates: string;
  catch_up: '' | 'none' | 'latest';
  /** The config as the server returned it: fields the form does not know are sent back unchanged. */
  original?: Record<string, unknown>;
}

export function emptyDraft(timezone = browserZone()): ScheduleDraft {
  return {
    schedule_type: 'RECURRING',
    kind: 'cron',
    cron_expression: '0 * * * *',
    interval_value: '15',
    interval_unit: 'm',
    run_at_local: '',
    timezone,
    dst_gap: '',
    dst_repeat: '',
    window_on: false,
    window_start: '09:00',
    window_end: '17:00',
    frequency_value: '15',
    frequency_unit: 'm',
    keep_frequency: false,
    days_of_week: [],
    exclusions: [],
    excluded_dates: '',
    catch_up: '',
  };
}

/** The dates of the excluded-dates text. */
export function excludedDatesOf(text: string): string[] {
  return text.split(/[\s,;]+/).filter((d) => d !== '');
}

/** The form's draft from a saved schedule. */
export function draftOf(type: ScheduleType, config: ScheduleConfig): ScheduleDraft {
  const draft = emptyDraft(config.timezone);
  draft.schedule_type = type;
  draft.original = { ...(config as Record<string, unknown>) };
  if (config.cron_expression) draft.cron_expression = config.cron_expression;
  if (config.time_range) {
    draft.window_start = config.time_range.start;
    draft.window_end = config.time_range.end;
    if (config.time_range.frequency) {
      draft.frequency_value = String(config.time_range.frequency.value);
      draft.frequency_unit = config.time_range.frequency.unit;
      draft.keep_frequency = true;
    }
    if (config.cron_expression) draft.window_on = true;
    else draft.kind = 'window';
  }
  draft.days_of_week = [...(config.days_of_week ?? [])];
  draft.exclusions = [...(config.exclusions ?? [])];
  draft.excluded_dates = (config.excluded_dates ?? []).join(', ');
  draft.catch_up = config.catch_up ?? '';
  if (config.interval) {
    draft.kind = 'interval';
    draft.interval_value = String(config.interval.value);
    draft.interval_unit = config.interval.unit;
  }
  if (config.run_at) draft.run_at_local = wallTimeIn(new Date(config.run_at), config.timezone);
  draft.dst_gap = config.dst?.gap ?? '';
  draft.dst_repeat = config.dst?.repeat ?? '';
  return draft;
}

/** The API's schedule from the draft. */
export function scheduleConfigOf(draft: ScheduleDraft): ScheduleConfig {
  const unknown: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(draft.original ?? {})) if (!KNOWN_FIELDS.includes(key)) unknown[key] = v;
  const config: ScheduleConfig = { ...unknown, timezone: draft.timezone };
  if (draft.schedule_type === 'ONEOFF') {
    config.run_at = draft.run_at_local ? instantOfWallTime(draft.run_at_local, draft.timezone) : null;
  } else {
    const frequency = { value: Number(draft.frequency_value), unit: draft.frequency_unit };
    if (draft.kind === 'interval') {
      config.interval = { value: Number(draft.interval_value), unit: draft.interval_unit };
    } else if (draft.kind === 'window') {
      config.time_range = { start: draft.window_start, end: draft.window_end, frequency };
    } else {
      config.cron_expression = draft.cron_expression.trim();
      if (draft.window_on) {
        config.time_range = { start: draft.window_start, end: draft.window_end, ...(draft.keep_frequency ? { frequency } : {}) };
      }
    }
    if (draft.days_of_week.length) config.days_of_week = [...draft.days_of_week].sort();
    if (draft.exclusions.length) config.exclusions = [...draft.exclusions].sort();
    const dates = excludedDatesOf(draft.excluded_dates);
    if (dates.length) config.excluded_dates = dates;
    if (draft.dst_gap || draft.dst_repeat) config.dst = { gap: draft.dst_gap || null, repeat: draft.dst_repeat || null };
  }
  if (draft.catch_up) config.catch_up = draft.catch_up;
  return config;
}

/** Why the recurring-only parts of the draft cannot be sent yet, or null. */
function recurringProblem(draft: ScheduleDraft): string | null {
  const needsWindow = draft.kind === 'window' || (draft.kind === 'cron' && draft.window_on);
  if (needsWindow && (!HH_MM.test(draft.window_start) || !HH_MM.test(draft.window_end))) return 'Give both ends of the daily window as HH:MM.';
  if (draft.kind === 'window' && !(Number(draft.frequency_value) >= 1)) return 'Give how often to run inside the window.';
  const bad = excludedDatesOf(draft.excluded_dates).filter((d) => !ISO_DATE.test(d));
  if (bad.length) return `Not a date YYYY-MM-DD: ${bad.join(', ')}`;
  return null;
}

/** A cron expression in plain language, or why it cannot be read. */
export function describeCron(expression: string): { text: string } | { error: string } {
  const trimmed = expression.trim();
  if (!trimmed) return { error: 'Enter a cron expression, e.g. "0 * * * *" (every hour).' };
  const fields = trimmed.split(/\s+/).length;
  if (fields !== 5 && fields !== 6) return { error: `A cron expression has 5 fields (or 6 with seconds first); this one has ${fields}.` };
  try {
    return { text: cronstrue.toString(trimmed, { use24HourTimeFormat: true, throwExceptionOnParseError: true, verbose: false }) };
  } catch (err) {
    return { error: `Not a valid cron expression: ${typeof err === 'string' ? err : err instanceof Error ? err.message : String(err)}` };
  }
}

export const DST_LABELS: Record<NonNullable<Occurrence['dst']>, string> = {
  gap_shifted: 'DST: time skipped by the clock change, runs at the end of the gap',
  repeated: 'DST: second run of a repeated hour',
  transition_day: 'DST: clock changes this day',
};

const DST_SHORT: Record<NonNullable<Occurrence['dst']>, string> = {
  gap_shifted: 'DST shifted',
  repeated: 'DST repeated',
  transition_day: 'DST change day',
};

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

export function ScheduleEditor({ value, onChange, previewCount = 8 }: { value: ScheduleDraft; onChange: (draft: ScheduleDraft) => void; previewCount?: number }) {
  const id = useId();
  const zones = useMemo(() => timeZones(), []);
  const set = <K extends keyof ScheduleDraft>(key: K, v: ScheduleDraft[K]) => onChange({ ...value, [key]: v });
  const zoneKnown = isTimeZone(value.timezone);
  const description = value.schedule_type === 'RECURRING' && value.kind === 'cron' ? describeCron(value.cron_expression) : null;
  const problem = value.schedule_type === 'RECURRING' ? recurringProblem(value) : null;
  const toggleDay = (key: 'days_of_week' | 'exclusions', day: number, on: boolean) =>
    set(key, on ? [...value[key].filter((d) => d !== day), day] : value[key].filter((d) => d !== day));
  const locallyValid =
    zoneKnown &&
    problem === null &&
    (value.schedule_type === 'ONEOFF'
      ? value.run_at_local !== ''
      : value.kind === 'interval'
        ? Number(value.interval_value) > 0
        : value.kind === 'window'
          ? true
          : description !== null && 'text' in description);
  const body = useDebounced(locallyValid ? { schedule_type: value.schedule_type, schedule_config: scheduleConfigOf(value), count: previewCount } : null, 300);
  const preview = useQuery({
    queryKey: ['schedule-preview', body],
    queryFn: () => unwrap(api.POST('/schedules/preview', { body: body! })),
    enabled: body !== null,
    retry: false,
    staleTime: 30_000,
  });
  const viewerZone = browserZone();

  return (
    <fieldset className="schedule-editor">
      <legend>Schedule</legend>
      <div className="row">
        <label htmlFor={`${id}-type`}>Schedule type</label>
        <select id={`${id}-type`} value={value.schedule_type} onChange={(e) => set('schedule_type', e.target.value as ScheduleType)}>
          <option value="RECURRING">Recurring</option>
          <option value="ONEOFF">One-off</option>
        </select>
      </div>

      {value.schedule_type === 'RECURRING' ? (
        <div className="row">
          <label htmlFor={`${id}-kind`}>Repeat by</label>
          <select id={`${id}-kind`} value={value.kind} onChange={(e) => set('kind', e.target.value as RecurringKind)}>
            <option value="cron">Cron expression</option>
            <option value="interval">Fixed interval</option>
            <option value="window">Repeat inside a daily window</option>
          </select>
        </div>
      ) : null}

      {value.schedule_type === 'RECURRING' && value.kind === 'cron' ? (
        <div className="row">
          <label htmlFor={`${id}-cron`}>Cron expression</label>
          <input
            id={`${id}-cron`}
            className="mono"
            value={value.cron_expression}
            onChange={(e) => set('cron_expression', e.target.value)}
            aria-describedby={`${id}-cron-description`}
            aria-invalid={description !== null && 'error' in description}
            spellCheck={false}
            autoComplete="off"
          />
          <p id={`${id}-cron-description`} className={description && 'error' in description ? 'field-error' : 'hint'} aria-live="polite">
            {description ? ('text' in description ? description.text : description.error) : null}
          </p>
        </div>
      ) : null}

      {value.schedule_type === 'RECURRING' && value.kind === 'interval' ? (
        <div className="row inline">
          <label htmlFor={`${id}-every`}>Every</label>
          <input id={`${id}-every`} type="number" min={1} value={value.interval_value} onChange={(e) => set('interval_value', e.target.value)} />
          <label htmlFor={`${id}-unit`} className="visually-hidden">
            Interval unit
          </label>
          <select id={`${id}-unit`} value={value.interval_unit} onChange={(e) => set('interval_unit', e.target.value as ScheduleDraft['interval_unit'])}>
            <option value="s">seconds</option>
            <option value="m">minutes</option>
            <option value="h">hours</option>
            <option value="d">days</option>
          </select>
        </div>
      ) : null}

      {value.schedule_type === 'RECURRING' && value.kind === 'cron' ? (
        <div className="row checkbox-row">
          <input id={`${id}-window-on`} type="checkbox" checked={value.window_on} onChange={(e) => set('window_on', e.target.checked)} />
          <label htmlFor={`${id}-window-on`}>Only inside a daily window</label>
        </div>
      ) : null}

      {value.schedule_type === 'RECURRING' && (value.kind === 'window' || (value.kind === 'cron' && value.window_on)) ? (
        <div className="row-pair">
          <div className="row">
            <label htmlFor={`${id}-window-start`}>Window start (HH:MM)</label>
            <input id={`${id}-window-start`} type="time" value={value.window_start} onChange={(e) => set('window_start', e.target.value)} />
          </div>
          <div className="row">
            <label htmlFor={`${id}-window-end`}>Window end (HH:MM; before the start crosses midnight)</label>
            <input id={`${id}-window-end`} type="time" value={value.window_end} onChange={(e) => set('window_end', e.target.value)} />
          </div>
        </div>
      ) : null}

      {value.schedule_type === 'RECURRING' && value.kind === 'window' ? (
        <div className="row inline">
          <label htmlFor={`${id}-frequency`}>Inside the window, every</label>
          <input id={`${id}-frequency`} type="number" min={1} value={value.frequency_value} onChange={(e) => set('frequency_value', e.target.value)} />
          <label htmlFor={`${id}-frequency-unit`} className="visually-hidden">
            Window frequency unit
          </label>
          <select id={`${id}-frequency-unit`} value={value.frequency_unit} onChange={(e) => set('frequency_unit', e.target.value as ScheduleDraft['frequency_unit'])}>
            <option value="s">seconds</option>
            <option value="m">minutes</option>
            <option value="h">hours</option>
          </select>
        </div>
      ) : null}

      {value.schedule_type === 'RECURRING' ? (
        <>
          <fieldset className="weekdays">
            <legend>Days of week (none checked: every day)</legend>
            {WEEKDAYS.map((day, i) => (
              <label key={day} className="checkbox" htmlFor={`${id}-dow-${i}`}>
                <input id={`${id}-dow-${i}`} type="checkbox" checked={value.days_of_week.includes(i)} onChange={(e) => toggleDay('days_of_week', i, e.target.checked)} /> {day}
              </label>
            ))}
          </fieldset>
          <fieldset className="weekdays">
            <legend>Excluded weekdays</legend>
            {WEEKDAYS.map((day, i) => (
              <label key={day} className="checkbox" htmlFor={`${id}-exc-${i}`}>
                <input id={`${id}-exc-${i}`} type="checkbox" checked={value.exclusions.includes(i)} onChange={(e) => toggleDay('exclusions', i, e.target.checked)} /> {day}
              </label>
            ))}
          </fieldset>
          <div className="row">
            <label htmlFor={`${id}-excluded-dates`}>Excluded dates (YYYY-MM-DD, separated by commas or spaces)</label>
            <textarea
              id={`${id}-excluded-dates`}
              rows={2}
              className="mono"
              value={value.excluded_dates}
              onChange={(e) => set('excluded_dates', e.target.value)}
              placeholder="2026-12-25, 2027-01-01"
            />
          </div>
          {problem ? (
            <p className="field-error" role="alert">
              {problem}
            </p>
          ) : null}
        </>
      ) : null}

      {value.schedule_type === 'ONEOFF' ? (
        <div className="row">
          <label htmlFor={`${id}-run-at`}>Run at (in the task's time zone)</label>
          <input id={`${id}-run-at`} type="datetime-local" value={value.run_at_local} onChange={(e) => set('run_at_local', e.target.value)} />
        </div>
      ) : null}

      <div className="row">
        <label htmlFor={`${id}-tz`}>Time zone</label>
        <input
          id={`${id}-tz`}
          list={`${id}-zones`}
          value={value.timezone}
          onChange={(e) => set('timezone', e.target.value)}
          aria-invalid={!zoneKnown}
          aria-describedby={`${id}-tz-hint`}
          autoComplete="off"
          placeholder="Type to search, e.g. Europe/Paris"
        />
        <datalist id={`${id}-zones`}>
          {zones.map((zone) => (
            <option key={zone} value={zone} />
          ))}
        </datalist>
        <p id={`${id}-tz-hint`} className={zoneKnown ? 'hint' : 'field-error'}>
          {zoneKnown ? `${zones.length} IANA zones; type part of a name to search.` : `"${value.timezone}" is not an IANA time zone this browser knows.`}
        </p>
      </div>

      <div className="row">
        <label htmlFor={`${id}-catch-up`}>After downtime (catch-up)</label>
        <select id={`${id}-catch-up`} value={value.catch_up} onChange={(e) => set('catch_up', e.target.value as ScheduleDraft['catch_up'])}>
          <option value="">Default</option>
          <option value="none">Skip the runs missed while down</option>
          <option value="latest">Run the latest missed run once</option>
        </select>
      </div>

      {value.schedule_type === 'RECURRING' ? (
      <div className="row-pair">
        <div className="row">
          <label htmlFor={`${id}-gap`}>When DST skips the time (spring forward)</label>
          <select id={`${id}-gap`} value={value.dst_gap} onChange={(e) => set('dst_gap', e.target.value as ScheduleDraft['dst_gap'])}>
            <option value="">Default (classic cron)</option>
            <option value="shift">Shift to the end of the gap</option>
            <option value="skip">Skip that run</option>
          </select>
        </div>
        <div className="row">
          <label htmlFor={`${id}-repeat`}>When DST repeats the time (fall back)</label>
          <select id={`${id}-repeat`} value={value.dst_repeat} onChange={(e) => set('dst_repeat', e.target.value as ScheduleDraft['dst_repeat'])}>
            <option value="">Default (classic cron)</option>
            <option value="once">Run once</option>
            <option value="twice">Run in both hours</option>
          </select>
        </div>
      </div>
      ) : null}

      <section className="preview" aria-labelledby={`${id}-preview-title`}>
        <h3 id={`${id}-preview-title`}>Next runs</h3>
        {!locallyValid ? (
          <p className="muted">Complete the schedule to see its next runs.</p>
        ) : preview.isError ? (
          <ErrorMessage error={preview.error} title="The server refused this schedule" />
        ) : preview.isPending || body === null ? (
          <p className="muted" role="status">
            Computing the next runs…
          </p>
        ) : preview.data.occurrences.length === 0 ? (
          <p className="empty">This schedule has no future runs.</p>
        ) : (
          <ol className="occurrences" aria-label="Next runs">
            {preview.data.occurrences.map((occurrence) => (
              <li key={occurrence.at} className={occurrence.dst ? 'dst' : undefined}>
                <time dateTime={occurrence.at}>{formatLocal(occurrence.local)}</time>
                <span className="muted"> {preview.data.timezone}</span>
                {viewerZone !== preview.data.timezone ? (
                  <span className="muted small"> · your time {timeDisplay('mine', viewerZone).dateTimeShort(occurrence.at)}</span>
                ) : null}
                {occurrence.dst ? (
                  <span className="badge badge-warn" title={DST_LABELS[occurrence.dst]} aria-label={DST_LABELS[occurrence.dst]}>
                    {DST_SHORT[occurrence.dst]}
                  </span>
                ) : null}
              </li>
            ))}
          </ol>
        )}
      </section>
    </fieldset>
  );
}

/** `2026-03-08T03:00:00-04:00` → `Sun, Mar 8, 2026, 03:00 (UTC-04:00)`: the wall-clock time as written, not converted. */
export function formatLocal(local: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|[+-]\d{2}:\d{2})?$/.exec(local);
  if (!match) return local;
  const [, y, mo, d, h, mi, s, offset] = match;
  const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  const date = day.toLocaleDateString('en-US', { timeZone: 'UTC', weekday: 'short', month: 'short', day: 'numeric', year: 'numeric' });
  const time = `${h}:${mi}${s && s !== '00' ? `:${s}` : ''}`;
  return `${date}, ${time} (UTC${!offset || offset === 'Z' ? '' : offset})`;
}

/** The offset (ms) of a zone at an instant. */
function offsetMs(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(instant));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - Math.floor(instant / 1000) * 1000;
}

const DAY_MS = 86_400_000;

/**
 * `YYYY-MM-DDTHH:MM` on the wall clock of `timeZone` → ISO instant. A time the clock reads twice
 * (fall back) is its first reading, at the summer offset; a time the clock skips (spring forward)
 * is read at the offset before the gap, so it lands as far past the gap's start as it was written
 * (02:30 in New York on 2026-03-08 is 03:30 EDT), as RFC 5545 and Temporal's "compatible" do.
 */
export function instantOfWallTime(wall: string, timeZone: string): string {
  const [date, time = '00:00'] = wall.split('T');
  const [y, mo, d] = date!.split('-').map(Number);
  const [h, mi] = time.split(':').map(Number);
  const asUtc = Date.UTC(y!, mo! - 1, d!, h!, mi!);
  // No zone changes offset twice within a day: the offsets a day either side are the candidates.
  const before = offsetMs(asUtc - DAY_MS, timeZone);
  const readings = [before, offsetMs(asUtc + DAY_MS, timeZone)]
    .map((offset) => asUtc - offset)
    .filter((instant) => asUtc - instant === offsetMs(instant, timeZone));
  return new Date(readings.length ? Math.min(...readings) : asUtc - before).toISOString();
}

function wallTimeIn(date: Date, timeZone: string): string {
  const shifted = new Date(date.getTime() + offsetMs(date.getTime(), timeZone));
  return shifted.toISOString().slice(0, 16);
}
