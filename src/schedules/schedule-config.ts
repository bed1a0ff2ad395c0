/**
 * The `schedule_config` of a task: its shape and its validation.
 *
 * What a RECURRING schedule is made of (exactly one source of ticks):
 * - `cron_expression` — 5 fields (minute hour day-of-month month day-of-week) or 6 (second first),
 *   croner syntax (ranges, steps, names, L, W, #), in `timezone`;
 * - `interval` — every n s/m/h of elapsed time from the anchor (the task's creation), or every n
 *   calendar days at the anchor's wall-clock time (`d`);
 * - `time_range` alone — every `frequency` from `start` while inside the window, each day.
 * Modifiers:
 * - `time_range` next to `cron_expression` is a window: only the cron ticks inside it run
 *   (`frequency`, which the original API required, is then accepted and not used);
 * - `days_of_week` (allowed weekdays, 0 = Sunday), `exclusions` (excluded weekdays) and
 *   `excluded_dates` (YYYY-MM-DD in `timezone`) filter any recurring kind; with a window they decide
 *   whether the window opens (a window belongs to the day it opens), otherwise they apply to the
 *   tick's own date. An empty list means "no filter", as in the original API;
 * - window rules: both ends included, end before start crosses midnight, end equal to start is the
 *   whole day (daily-window.ts);
 * - `dst` overrides the DST policy (dst-policy.ts), `catch_up` says what to run after downtime.
 * A ONEOFF schedule is `run_at` (an ISO 8601 instant with Z or an offset) and `timezone` (for
 * display), optionally `catch_up`. `null` is read as "absent" everywhere, and so is an empty
 * `cron_expression`, because clients of the original API send both.
 */
import { cut, quoted } from '../errors/quoted';
import { CronSyntaxError, cronTimesFor } from './cron-times';
import { daysInMonth, parseHourMinute, parseIsoDate } from './civil-time';
import { checkTimeZone } from './time-zone';
import { buildLocalTimes, dayFilterOf } from './schedule-times';

export type ScheduleType = 'RECURRING' | 'ONEOFF';
export type FrequencyUnit = 's' | 'm' | 'h';
export type IntervalUnit = 's' | 'm' | 'h' | 'd';

export interface Frequency {
  value: number;
  unit: FrequencyUnit;
}

export interface TimeRange {
  /** `HH:MM`, 00:00–23:59 */
  start: string;
  /** `HH:MM`; before `start` crosses midnight; equal to `start` is the whole day */
  end: string;
  /** Required when the time range is the schedule; ignored when it is a window on a cron expression. */
  frequency?: Frequency;
}

export interface ScheduleConfig {
  cron_expression?: string;
  timezone: string;
  time_range?: TimeRange;
  days_of_week?: number[];
  exclusions?: number[];
  excluded_dates?: string[];
  interval?: { value: number; unit: IntervalUnit };
  run_at?: string;
  dst?: { gap?: 'shift' | 'skip'; repeat?: 'once' | 'twice' };
  catch_up?: 'none' | 'latest';
}

export type ScheduleConfigValidation = { ok: true; value: ScheduleConfig } | { ok: false; details: string[] };

const FIELDS = [
  'cron_expression',
  'timezone',
  'time_range',
  'days_of_week',
  'exclusions',
  'excluded_dates',
  'interval',
  'run_at',
  'dst',
  'catch_up',
] as const;
const RECURRING_ONLY = [
  'cron_expression',
  'time_range',
  'interval',
  'days_of_week',
  'exclusions',
  'excluded_dates',
  'dst',
] as const;
const UNIT_SECONDS: Record<IntervalUnit, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
const MAX_INTERVAL_SECONDS = 3650 * 86_400;
const MAX_EXCLUDED_DATES = 1000;
const WEEKDAYS = '0–6, 0 = Sunday';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPositiveInteger = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1;

/** Collects messages, each prefixed with the path of the field it is about. */
class Problems {
  readonly details: string[] = [];
  add(path: string, message: string): void {
    this.details.push(`schedule_config${path ? '.' + path : ''}: ${message}`);
  }
  unknownKeys(path: string, value: Json, allowed: readonly string[]): void {
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) {
        this.add(path ? `${path}.${cut(key)}` : cut(key), `unknown field (allowed: ${allowed.join(', ')})`);
      }
    }
  }
}

export function validateScheduleConfig(type: ScheduleType, config: unknown): ScheduleConfigValidation {
  const problems = new Problems();
  if (type !== 'RECURRING' && type !== 'ONEOFF') {
    return { ok: false, details: [`schedule_type: ${quoted(type)} is not RECURRING or ONEOFF`] };
  }
  if (!isObject(config)) {
    return { ok: false, details: ['schedule_config: must be an object'] };
  }
  problems.unknownKeys('', config, FIELDS);
  // null and "" mean "absent" (see the module comment).
  const raw: Json = {};
  for (const key of FIELDS) {
    const v = config[key];
    if (v === null || v === undefined) continue;
    if (key === 'cron_expression' && typeof v === 'string' && v.trim() === '') continue;
    raw[key] = v;
  }

  const value: ScheduleConfig = { timezone: '' };
  const timezone = validateTimezone(raw.timezone, problems);
  if (timezone) value.timezone = timezone;
  if (raw.catch_up !== undefined) {
    if (raw.catch_up === 'none' || raw.catch_up === 'latest') value.catch_up = raw.catch_up;
    else problems.add('catch_up', `${quoted(raw.catch_up)} is not one of none, latest`);
  }

  if (type === 'ONEOFF') {
    for (const key of RECURRING_ONLY) {
      if (raw[key] !== undefined) problems.add(key, 'not used by ONEOFF schedules (they run once, at run_at)');
    }
    if (raw.run_at === undefined) {
      problems.add('run_at', 'required for ONEOFF schedules (an ISO 8601 instant, e.g. "2026-03-08T09:00:00Z")');
    } else {
      const runAt = validateInstant(raw.run_at, 'run_at', problems);
      if (runAt !== undefined) value.run_at = runAt;
    }
    return problems.details.length ? { ok: false, details: problems.details } : { ok: true, value };
  }

  if (raw.run_at !== undefined) problems.add('run_at', 'only for ONEOFF schedules');
  let cronValid = false;
  if (raw.cron_expression !== undefined) {
    if (typeof raw.cron_expression !== 'string') {
      problems.add('cron_expression', 'must be a string');
    } else {
      try {
        cronTimesFor(raw.cron_expression);
        value.cron_expression = raw.cron_expression.trim();
        cronValid = true;
      } catch (error) {
        if (!(error instanceof CronSyntaxError)) throw error;
        // The parser's explanation may quote a field of the expression: cut like any quoted value.
        problems.add('cron_expression', `${quoted(raw.cron_expression)} is not a valid cron expression: ${cut(error.message, 200)}`);
      }
    }
  }
  if (raw.interval !== undefined) {
    const interval = validateInterval(raw.interval, problems);
    if (interval) value.interval = interval;
  }
  if (raw.time_range !== undefined) {
    const timeRange = validateTimeRange(
      raw.time_range,
      raw.cron_expression === undefined && raw.interval === undefined,
      problems,
    );
    if (timeRange) value.time_range = timeRange;
  }
  if (raw.cron_expression === undefined && raw.interval === undefined && raw.time_range === undefined) {
    problems.add('', 'a RECURRING schedule needs one of cron_expression, interval or time_range (with frequency)');
  }
  if (raw.cron_expression !== undefined && raw.interval !== undefined) {
    problems.add('interval', 'cannot be combined with cron_expression; use one of them');
  }
  if (raw.interval !== undefined && raw.time_range !== undefined) {
    problems.add('time_range', 'cannot be combined with interval; for repeats inside a daily window use time_range.frequency');
  }

  const daysOfWeek = raw.days_of_week === undefined ? undefined : validateWeekdays(raw.days_of_week, 'days_of_week', problems);
  const exclusions = raw.exclusions === undefined ? undefined : validateWeekdays(raw.exclusions, 'exclusions', problems);
  if (daysOfWeek?.length) value.days_of_week = daysOfWeek;
  if (exclusions?.length) value.exclusions = exclusions;
  if (daysOfWeek && exclusions) {
    const allowed = (daysOfWeek.length ? daysOfWeek : [0, 1, 2, 3, 4, 5, 6]).filter((d) => !exclusions.includes(d));
    if (allowed.length === 0) {
      problems.add(
        'exclusions',
        daysOfWeek.length
          ? 'excludes every weekday listed in days_of_week, so the schedule would never run'
          : 'excludes all seven weekdays, so the schedule would never run',
      );
    }
  }
  if (raw.excluded_dates !== undefined) {
    const dates = validateDates(raw.excluded_dates, problems);
    if (dates?.length) value.excluded_dates = dates;
  }
  if (raw.dst !== undefined) {
    const dst = validateDst(raw.dst, problems);
    if (dst) value.dst = dst;
  }

  if (problems.details.length === 0 && cronValid) checkCronCanRun(value, problems);
  return problems.details.length ? { ok: false, details: problems.details } : { ok: true, value };
}

function validateTimezone(v: unknown, problems: Problems): string | undefined {
  if (v === undefined) {
    problems.add('timezone', 'required (an IANA time zone such as "Europe/London" or "UTC")');
    return undefined;
  }
  if (typeof v !== 'string') {
    problems.add('timezone', 'must be a string (an IANA time zone such as "Europe/London")');
    return undefined;
  }
  const check = checkTimeZone(v);
  if (check.ok) return v;
  problems.add(
    'timezone',
    `${quoted(v)} is not an IANA time zone` + (check.suggestion ? ` (did you mean "${check.suggestion}"?)` : ''),
  );
  return undefined;
}

const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|([+-])(\d{2}):?(\d{2}))?$/;

/** An ISO 8601 instant: a real date and time with Z or an explicit offset. */
function validateInstant(v: unknown, path: string, problems: Problems): string | undefined {
  const example = 'e.g. "2026-03-08T09:00:00Z" or "2026-03-08T09:00:00-05:00"';
  if (typeof v !== 'string') {
    problems.add(path, `must be an ISO 8601 instant string (${example})`);
    return undefined;
  }
  const m = INSTANT.exec(v);
  if (!m) {
    problems.add(path, `${quoted(v)} is not an ISO 8601 instant (${example})`);
    return undefined;
  }
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number);
  const offsetHours = Number(m[10] ?? 0);
  const offsetMinutes = Number(m[11] ?? 0);
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    offsetHours > 18 ||
    offsetMinutes > 59
  ) {
    problems.add(path, `${quoted(v)} is not a real date and time (${example})`);
    return undefined;
  }
  if (m[8] === undefined) {
    problems.add(path, `${quoted(v)} has no offset; add Z or one such as -05:00 (timezone is only used for display)`);
    return undefined;
  }
  return v;
}

/** The epoch milliseconds of a run_at that passed validation. */
export function instantOf(runAt: string): number {
  const m = INSTANT.exec(runAt);
  if (!m) throw new RangeError(`not an ISO 8601 instant: ${runAt}`);
  const ms = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  // setUTCFullYear, not Date.UTC, which would read years 0–99 as 1900–1999.
  const utc = new Date(0);
  utc.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  utc.setUTCHours(Number(m[4]), Number(m[5]), Number(m[6] ?? 0), ms);
  const offset = m[8] === 'Z' ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11])) * 60_000;
  return utc.getTime() - offset;
}

function validateInterval(v: unknown, problems: Problems): ScheduleConfig['interval'] {
  if (!isObject(v)) {
    problems.add('interval', 'must be an object {value, unit} with unit s, m, h or d');
    return undefined;
  }
  problems.unknownKeys('interval', v, ['value', 'unit']);
  const okValue = isPositiveInteger(v.value);
  const okUnit = v.unit === 's' || v.unit === 'm' || v.unit === 'h' || v.unit === 'd';
  if (!okValue) problems.add('interval.value', `${quoted(v.value)} is not a whole number ≥ 1`);
  if (!okUnit) problems.add('interval.unit', `${quoted(v.unit)} is not one of s, m, h, d`);
  if (!okValue || !okUnit) return undefined;
  const unit = v.unit as IntervalUnit;
  const value = v.value as number;
  if (value * UNIT_SECONDS[unit] > MAX_INTERVAL_SECONDS) {
    problems.add('interval', `${value}${unit} is longer than the maximum of 3650 days`);
    return undefined;
  }
  return { value, unit };
}

function validateTimeRange(v: unknown, isTheSchedule: boolean, problems: Problems): TimeRange | undefined {
  if (!isObject(v)) {
    problems.add('time_range', 'must be an object {start: "HH:MM", end: "HH:MM", frequency: {value, unit}}');
    return undefined;
  }
  problems.unknownKeys('time_range', v, ['start', 'end', 'frequency']);
  let ok = true;
  for (const key of ['start', 'end'] as const) {
    const t = v[key];
    if (t === undefined || t === null) {
      problems.add(`time_range.${key}`, 'required ("HH:MM", 00:00–23:59)');
      ok = false;
    } else if (typeof t !== 'string' || parseHourMinute(t) === undefined) {
      problems.add(`time_range.${key}`, `${quoted(t)} is not a time of day "HH:MM" (00:00–23:59)`);
      ok = false;
    }
  }
  let frequency: Frequency | undefined;
  if (v.frequency === undefined || v.frequency === null) {
    if (isTheSchedule) {
      problems.add('time_range.frequency', 'required when time_range is the schedule (without cron_expression)');
      ok = false;
    }
  } else if (!isObject(v.frequency)) {
    problems.add('time_range.frequency', 'must be an object {value, unit} with unit s, m or h');
    ok = false;
  } else {
    const f = v.frequency;
    problems.unknownKeys('time_range.frequency', f, ['value', 'unit']);
    const okValue = isPositiveInteger(f.value);
    const okUnit = f.unit === 's' || f.unit === 'm' || f.unit === 'h';
    if (!okValue) problems.add('time_range.frequency.value', `${quoted(f.value)} is not a whole number ≥ 1`);
    if (!okUnit) problems.add('time_range.frequency.unit', `${quoted(f.unit)} is not one of s, m, h`);
    if (okValue && okUnit) {
      const unit = f.unit as FrequencyUnit;
      const value = f.value as number;
      if (value * UNIT_SECONDS[unit] > 86_400) {
        problems.add('time_range.frequency', `${value}${unit} is longer than a day`);
        ok = false;
      } else {
        frequency = { value, unit };
      }
    } else {
      ok = false;
    }
  }
  if (!ok) return undefined;
  const range: TimeRange = { start: v.start as string, end: v.end as string };
  if (frequency) range.frequency = frequency;
  return range;
}

function validateWeekdays(v: unknown, path: string, problems: Problems): number[] | undefined {
  if (!Array.isArray(v)) {
    problems.add(path, `must be an array of weekdays (${WEEKDAYS})`);
    return undefined;
  }
  let ok = true;
  v.forEach((d: unknown, i) => {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0 || d > 6) {
      problems.add(`${path}[${i}]`, `${quoted(d)} is not a weekday (${WEEKDAYS})`);
      ok = false;
    }
  });
  return ok ? [...new Set(v as number[])].sort((a, b) => a - b) : undefined;
}

function validateDates(v: unknown, problems: Problems): string[] | undefined {
  if (!Array.isArray(v)) {
    problems.add('excluded_dates', 'must be an array of dates "YYYY-MM-DD"');
    return undefined;
  }
  if (v.length > MAX_EXCLUDED_DATES) {
    problems.add('excluded_dates', `has ${v.length} dates; at most ${MAX_EXCLUDED_DATES} are allowed`);
    return undefined;
  }
  let ok = true;
  v.forEach((d: unknown, i) => {
    if (typeof d !== 'string' || parseIsoDate(d) === undefined) {
      problems.add(`excluded_dates[${i}]`, `${quoted(d)} is not a date "YYYY-MM-DD"`);
      ok = false;
    }
  });
  return ok ? [...new Set(v as string[])].sort() : undefined;
}

function validateDst(v: unknown, problems: Problems): ScheduleConfig['dst'] {
  if (!isObject(v)) {
    problems.add('dst', 'must be an object {gap: shift|skip, repeat: once|twice}');
    return undefined;
  }
  problems.unknownKeys('dst', v, ['gap', 'repeat']);
  const dst: NonNullable<ScheduleConfig['dst']> = {};
  let ok = true;
  if (v.gap !== undefined && v.gap !== null) {
    if (v.gap === 'shift' || v.gap === 'skip') dst.gap = v.gap;
    else {
      problems.add('dst.gap', `${quoted(v.gap)} is not one of shift, skip`);
      ok = false;
    }
  }
  if (v.repeat !== undefined && v.repeat !== null) {
    if (v.repeat === 'once' || v.repeat === 'twice') dst.repeat = v.repeat;
    else {
      problems.add('dst.repeat', `${quoted(v.repeat)} is not one of once, twice`);
      ok = false;
    }
  }
  return ok ? dst : undefined;
}

/**
 * A cron expression can be valid and still never run: February 30, or Mondays filtered to
 * Tuesdays, or 12:00 inside a 09:00–10:00 window. Every combination of weekday, month length and
 * leap day appears in 2001–2028, so finding no run there means there never is one. Checked in
 * stages so the message names the field that makes it impossible.
 */
function checkCronCanRun(value: ScheduleConfig, problems: Problems): void {
  const expression = value.cron_expression as string;
  const from = Date.UTC(2001, 0, 1) / 1000 - 1;
  const stages: { config: ScheduleConfig; path: string; message: string }[] = [
    {
      config: { timezone: value.timezone, cron_expression: expression },
      path: 'cron_expression',
      message: `${quoted(expression)} never matches a real date`,
    },
    value.time_range
      ? {
          // With a window the day filters decide which windows open, so check them together.
          config: value,
          path: 'time_range',
          message: `no time of ${quoted(expression)} falls inside ${value.time_range.start}–${value.time_range.end} on the allowed days`,
        }
      : {
          config: value,
          path: value.days_of_week ? 'days_of_week' : 'exclusions',
          message: `${quoted(expression)} never runs on the weekdays that days_of_week and exclusions allow`,
        },
  ];
  for (const stage of stages) {
    const times = buildLocalTimes(stage.config, dayFilterOf(stage.config));
    if (times !== null && Number.isNaN(times.nextAfter(from))) {
      problems.add(stage.path, stage.message);
      return;
    }
  }
}
