/**
 * The one rule for showing times: every time shown says its zone, and the person chooses whether times
 * are shown in the zone of the task (or project) they belong to, or in their own zone (the default: the
 * browser's). Every component that shows a time goes through useTimeDisplay().
 */
import { useSyncExternalStore } from 'react';
import { browserZone } from './format';

export type TimeRule = 'mine' | 'task';

const STORAGE_KEY = 'cron-observer.time-rule';
const listeners = new Set<() => void>();

function readRule(): TimeRule {
  try {
    return window.localStorage.getItem(STORAGE_KEY) === 'task' ? 'task' : 'mine';
  } catch {
    return 'mine';
  }
}

export function setTimeRule(rule: TimeRule): void {
  try {
    window.localStorage.setItem(STORAGE_KEY, rule);
  } catch {
    // Storage refused (private mode): the choice lasts until the page is left.
  }
  for (const listener of listeners) listener();
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
  /** The zone a time belonging to something in `ownZone` (a task's or project's zone) is shown in. */
  zoneFor(ownZone?: string | null): string;
  /** Date and time with the zone's short name, e.g. `Dec 4, 2026, 5:00:00 PM GMT+1`; `—` for none. */
  dateTime(iso: string | null | undefined, ownZone?: string | null): string;
}

export function timeDisplay(rule: TimeRule, mine = browserZone()): TimeDisplay {
  const zoneFor = (ownZone?: string | null) => (rule === 'task' && ownZone ? ownZone : mine);
  return {
    rule,
    zoneFor,
    dateTime(iso, ownZone) {
      if (!iso) return '—';
      const date = new Date(iso);
      if (Number.isNaN(date.getTime())) return iso;
      // dateStyle/timeStyle refuse timeZoneName (a RangeError in browsers): the same fields spelled out.
      return date.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', second: '2-digit', timeZone: zoneFor(ownZone), timeZoneName: 'short' });
    },
  };
}

export function useTimeDisplay(): TimeDisplay {
  const rule = useSyncExternalStore(subscribe, readRule, () => 'mine' as const);
  return timeDisplay(rule);
}
