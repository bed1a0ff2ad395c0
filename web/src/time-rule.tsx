/**
 * The one rule for showing times: every time shown says its zone, and the person chooses whether times
 * are shown in the zone of the task (or project) they belong to, or in their own zone (the default: the
 * browser's). Every component that shows a time goes through useTimeDisplay().
 *
 * The choice is kept in this browser's storage, per signed-in person (setTimeRuleOwner), so two people
 * sharing a browser each keep their own; it does not follow a person to another browser.
 */
import { useSyncExternalStore } from 'react';
import { browserZone, dayIn } from './format';

export type TimeRule = 'mine' | 'task';

const STORAGE_KEY = 'cron-observer.time-rule';
const listeners = new Set<() => void>();
let owner = '';

function storageKey(): string {
  return owner ? `${STORAGE_KEY}.${owner}` : STORAGE_KEY;
}

function readRule(): TimeRule {
  try {
    return window.localStorage.getItem(storageKey()) === 'task' ? 'task' : 'mine';
  } catch {
    return 'mine';
  }
}

function notify(): void {
  for (const listener of listeners) listener();
}

/**
 * Whose choice is read and written from now on (the signed-in person's id; '' when nobody is). Called
 * while the app renders, before the components that show times, so they read it without a notification.
 */
export function setTimeRuleOwner(userId: string): void {
  owner = userId;
}

export function setTimeRule(rule: TimeRule): void {
  try {
    window.localStorage.setItem(storageKey(), rule);
  } catch {
    // Storage refused (private mode): the choice lasts until the page is left.
  }
  notify();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener('storage', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('storage', listener);
  };
}

export interface TimeDisplay {
  rule: TimeRule;
  /** The person's own zone (the browser's). */
  mine: string;
  /** The zone a time belonging to something in `ownZone` (a task's or project's zone) is shown in. */
  zoneFor(ownZone?: string | null): string;
  /** The shown zone in words: `Asia/Tokyo (the task's zone)` or `America/New_York (your zone)`. */
  zoneLabel(ownZone?: string | null, whose?: 'task' | 'project'): string;
  /** Date and time with the zone's short name, e.g. `Dec 4, 2026, 5:00:00 PM GMT+1`; `—` for none. */
  dateTime(iso: string | null | undefined, ownZone?: string | null): string;
  /** Date and time to the minute with the zone's short name, e.g. `Dec 4, 2026, 5:00 PM GMT+1`. */
  dateTimeShort(iso: string | null | undefined, ownZone?: string | null): string;
  /** The time of day with the zone's short name, e.g. `5:00:03 PM GMT+1`. */
  time(iso: string | null | undefined, ownZone?: string | null): string;
  /** The calendar day (YYYY-MM-DD) of an instant in the shown zone. */
  day(iso: string | Date, ownZone?: string | null): string;
  /** Today (YYYY-MM-DD) in the shown zone. */
  today(ownZone?: string | null, now?: Date): string;
}

const DATE: Intl.DateTimeFormatOptions = { year: 'numeric', month: 'short', day: 'numeric' };

function format(iso: string | null | undefined, options: Intl.DateTimeFormatOptions): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, { ...options, timeZoneName: 'short' });
}

export function timeDisplay(rule: TimeRule, mine = browserZone()): TimeDisplay {
  const zoneFor = (ownZone?: string | null) => (rule === 'task' && ownZone ? ownZone : mine);
  return {
    rule,
    mine,
    zoneFor,
    zoneLabel: (ownZone, whose = 'task') => (rule === 'task' && ownZone ? `${ownZone} (the ${whose}'s zone)` : `${mine} (your zone)`),
    // dateStyle/timeStyle cannot be combined with timeZoneName: the same fields, spelled out.
    dateTime: (iso, ownZone) => format(iso, { ...DATE, hour: 'numeric', minute: '2-digit', second: '2-digit', timeZone: zoneFor(ownZone) }),
    dateTimeShort: (iso, ownZone) => format(iso, { ...DATE, hour: 'numeric', minute: '2-digit', timeZone: zoneFor(ownZone) }),
    time: (iso, ownZone) => format(iso, { hour: 'numeric', minute: '2-digit', second: '2-digit', timeZone: zoneFor(ownZone) }),
    day: (iso, ownZone) => dayIn(typeof iso === 'string' ? new Date(iso) : iso, zoneFor(ownZone)),
    today: (ownZone, now = new Date()) => dayIn(now, zoneFor(ownZone)),
  };
}

export function useTimeDisplay(): TimeDisplay {
  const rule = useSyncExternalStore(subscribe, readRule, () => 'mine' as const);
  return timeDisplay(rule);
}
