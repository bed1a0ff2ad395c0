/**
 * Whether a task's tick fires under its project's calendars and maintenance windows, and if not, why
 * and until when. Pure: the scheduler, the schedule preview and the alerts manager all ask here, so a
 * tick the preview shows as skipped is the tick the scheduler does not fire.
 *
 * Dates are local dates in the task's own zone (its schedule's `timezone`), read from the same zone
 * tables as the schedule engine: a 00:30 tick in Pacific/Auckland on 2026-12-25 is on the 25th even
 * though it is still the 24th in UTC.
 */
import type { CalendarUse, MaintenanceWindow, WindowScope, WindowTiming } from '../events/schedule-rule-events';
import { dayOf, formatDay } from './civil-time';
import { compileSchedule } from './compile-schedule';
import type { CompiledSchedule } from './compiled-schedule';
import { zoneRules } from './time-zone';

export interface RuleCalendar {
  name: string;
  dates: ReadonlySet<string>;
  /** The same dates, sorted (to find the next one). */
  sorted: readonly string[];
}

/** A project's calendars and windows by id. */
export interface ProjectRules {
  calendars: ReadonlyMap<string, RuleCalendar>;
  windows: ReadonlyMap<string, MaintenanceWindow>;
}

/** The task a tick belongs to: `calendar` is the task's own use, else its group's, else null. */
export interface RuleSubject {
  taskId: string;
  groupId: string | null;
  calendar: CalendarUse | null;
  timezone: string;
}

export type TickVerdict = { fires: true } | { fires: false; reason: string; untilMs: number };

const FIRES: TickVerdict = { fires: true };

/** The local date (YYYY-MM-DD) of an instant in a zone. */
export function localDateOf(ms: number, timezone: string): string {
  const seconds = Math.floor(ms / 1000);
  return formatDay(dayOf(seconds + zoneRules(timezone).offsetAt(seconds)));
}

/**
 * Does this calendar allow this tick? `skip`: not on its dates; `only`: only on them. `dates` of a
 * calendar that no longer exists are empty (a `skip` then skips nothing, an `only` runs never).
 */
export function calendarAllowsTick(use: CalendarUse, dates: ReadonlySet<string>, tickMs: number, timezone: string): boolean {
  return dates.has(localDateOf(tickMs, timezone)) === (use.mode === 'only');
}

/** Every tick of a task with rules asks these: kept per zone and per window rather than looked up in the engine's cache by key each time. */
const midnights = new Map<string, CompiledSchedule>();
const windowStarts = new WeakMap<WindowTiming, CompiledSchedule>();
const windowInstants = new WeakMap<WindowTiming, { startMs: number; endMs: number }>();

/** The next local midnight strictly after `ms` (the first instant of the next local day). */
export function nextLocalMidnight(ms: number, timezone: string): number {
  let schedule = midnights.get(timezone);
  if (!schedule) midnights.set(timezone, (schedule = compileSchedule('RECURRING', { cron_expression: '0 0 * * *', timezone })));
  return schedule.nextMs(ms);
}

/** A recurring window's starts. */
function startsOf(timing: Extract<WindowTiming, { kind: 'recurring' }>): CompiledSchedule {
  let starts = windowStarts.get(timing);
  if (!starts) windowStarts.set(timing, (starts = compileSchedule('RECURRING', { cron_expression: timing.cronExpression, timezone: timing.timezone })));
  return starts;
}

/** A one-off window's instants. */
function instantsOf(timing: Extract<WindowTiming, { kind: 'once' }>): { startMs: number; endMs: number } {
  let instants = windowInstants.get(timing);
  if (!instants) windowInstants.set(timing, (instants = { startMs: Date.parse(timing.start), endMs: Date.parse(timing.end) }));
  return instants;
}

/** How many back-to-back recurrences one open span may merge (a duration longer than the period). */
const MAX_MERGED_STARTS = 1_000;

/** The open span [start, end) holding `ms`, or null when the window is closed at `ms`. */
export function windowSpanAt(timing: WindowTiming, ms: number): { startMs: number; endMs: number } | null {
  if (timing.kind === 'once') {
    const span = instantsOf(timing);
    return span.startMs <= ms && ms < span.endMs ? span : null;
  }
  const duration = timing.durationMinutes * 60_000;
  const starts = startsOf(timing);
  // The first start in (ms - duration, ms] opens a span holding ms; later starts inside it extend it.
  const startMs = starts.nextMs(ms - duration);
  if (Number.isNaN(startMs) || startMs > ms) return null;
  let endMs = startMs + duration;
  for (let merged = 0, next = starts.nextMs(startMs); !Number.isNaN(next) && next <= endMs && merged < MAX_MERGED_STARTS; merged++, next = starts.nextMs(next)) {
    endMs = Math.max(endMs, next + duration);
  }
  return { startMs, endMs };
}

/** When the window next opens or closes strictly after `ms`; NaN when never. */
export function nextWindowBoundary(timing: WindowTiming, ms: number): number {
  const span = windowSpanAt(timing, ms);
  if (span) return span.endMs;
  const next = timing.kind === 'once' ? instantsOf(timing).startMs : startsOf(timing).nextMs(ms);
  return next > ms ? next : Number.NaN;
}

export function scopeCovers(scope: WindowScope, subject: Pick<RuleSubject, 'taskId' | 'groupId'>): boolean {
  if (scope.kind === 'project') return true;
  return scope.kind === 'task' ? scope.taskId === subject.taskId : scope.groupId === subject.groupId;
}

function windowReason(window: MaintenanceWindow, endMs: number): string {
  return window.snooze ? `snoozed until ${new Date(endMs).toISOString()}` : `maintenance window "${window.name}"`;
}

/** Whether the subject's tick at `ms` fires; when not, the reason and the first instant worth asking again. */
export function tickVerdict(rules: ProjectRules | undefined, subject: RuleSubject, ms: number): TickVerdict {
  if (rules === undefined) return FIRES;
  for (const window of rules.windows.values()) {
    if (window.effect !== 'pause' || !scopeCovers(window.scope, subject)) continue;
    const span = windowSpanAt(window.timing, ms);
    if (span) return { fires: false, reason: windowReason(window, span.endMs), untilMs: span.endMs };
  }
  const use = subject.calendar;
  if (use === null) return FIRES;
  const calendar = rules.calendars.get(use.calendarId);
  if (calendarAllowsTick(use, calendar?.dates ?? EMPTY, ms, subject.timezone)) return FIRES;
  // A skipped date ends at the next local midnight; an `only` calendar waits for its next date (never, past its last).
  const untilMs = use.mode === 'skip' ? nextLocalMidnight(ms, subject.timezone) : startOfNextDate(calendar?.sorted ?? [], ms, subject.timezone);
  return { fires: false, reason: `calendar "${calendar?.name ?? use.calendarId}" (${use.mode})`, untilMs };
}

/** The first instant of the first date in `sorted` after the local date of `ms`; NaN when there is none. */
function startOfNextDate(sorted: readonly string[], ms: number, timezone: string): number {
  const today = localDateOf(ms, timezone);
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (sorted[middle] <= today) low = middle + 1;
    else high = middle;
  }
  if (low === sorted.length) return Number.NaN;
  const date = sorted[low];
  // Local midnights of that date lie within UTC ±15 h of its UTC midnight: step from before it.
  let midnight = nextLocalMidnight(Date.parse(`${date}T00:00:00Z`) - 15 * 3_600_000, timezone);
  while (!Number.isNaN(midnight) && localDateOf(midnight, timezone) < date) midnight = nextLocalMidnight(midnight, timezone);
  return midnight;
}

const EMPTY: ReadonlySet<string> = new Set();

/** The first instant after `ms` at which the subject's verdict may change (a local midnight or a window boundary); NaN when none. */
export function nextRuleChange(rules: ProjectRules | undefined, subject: RuleSubject, ms: number): number {
  if (rules === undefined) return Number.NaN;
  let next = subject.calendar === null ? Number.NaN : nextLocalMidnight(ms, subject.timezone);
  for (const window of rules.windows.values()) {
    if (window.effect !== 'pause' || !scopeCovers(window.scope, subject)) continue;
    const boundary = nextWindowBoundary(window.timing, ms);
    if (!(boundary >= next)) next = Number.isNaN(boundary) ? next : boundary;
  }
  return next;
}

/** The window (pause or silence) that keeps the subject's alerts quiet at `ms`, or null. */
export function silencingWindow(rules: ProjectRules | undefined, subject: Pick<RuleSubject, 'taskId' | 'groupId'>, ms: number): MaintenanceWindow | null {
  if (rules === undefined) return null;
  for (const window of rules.windows.values()) {
    if (scopeCovers(window.scope, subject) && windowSpanAt(window.timing, ms)) return window;
  }
  return null;
}

/** The rules of a project as its decider state holds them (plain records), ready to judge ticks. */
export function projectRules(calendars: Readonly<Record<string, { name: string; dates: string[] }>>, windows: Readonly<Record<string, MaintenanceWindow>>): ProjectRules {
  return {
    calendars: new Map(Object.entries(calendars).map(([id, calendar]) => [id, { name: calendar.name, dates: new Set(calendar.dates), sorted: calendar.dates }])),
    windows: new Map(Object.entries(windows)),
  };
}
