/**
 * The overview's view (search, filters, sort) as the address holds it, so a view can be shared and a
 * reload keeps it: `?q=backup&status=failing&mode=pull&group=<id>|none&tag=eu&sort=name&order=desc`.
 */
import type { Schemas } from '../../api/client';

export type TaskState = Schemas['TaskState'];
export type OverviewSort = 'state' | 'name' | 'group' | 'mode' | 'next_run' | 'last_run' | 'last_duration' | 'p95' | 'success_rate';

export interface OverviewView {
  q: string;
  status: TaskState | '';
  mode: 'push' | 'pull' | 'external' | '';
  /** A group's id, `none` for the tasks without a group, or '' for all. */
  group: string;
  tag: string;
  sort: OverviewSort;
  order: 'asc' | 'desc';
}

export const DEFAULT_VIEW: OverviewView = { q: '', status: '', mode: '', group: '', tag: '', sort: 'state', order: 'asc' };

export const STATE_LABELS: Record<TaskState, string> = {
  failing: 'Failing',
  late: 'Late',
  missed: 'Missed',
  running: 'Running',
  ok: 'OK',
  never_run: 'Never run',
  paused: 'Paused',
};

const SORTS: readonly OverviewSort[] = ['state', 'name', 'group', 'mode', 'next_run', 'last_run', 'last_duration', 'p95', 'success_rate'];
const MODES = ['push', 'pull', 'external'] as const;

/** The view an address asks for; values the page does not know fall back to the default. */
export function viewOf(search: string): OverviewView {
  const params = new URLSearchParams(search);
  const get = (name: string) => params.get(name) ?? '';
  const status = get('status') as TaskState;
  const mode = get('mode') as OverviewView['mode'];
  const sort = get('sort') as OverviewSort;
  return {
    q: get('q'),
    status: status in STATE_LABELS ? status : '',
    mode: (MODES as readonly string[]).includes(mode) ? mode : '',
    group: get('group'),
    tag: get('tag'),
    sort: SORTS.includes(sort) ? sort : 'state',
    order: get('order') === 'desc' ? 'desc' : 'asc',
  };
}

/** The query string of a view (defaults left out), `?…` or ''. */
export function searchOf(view: OverviewView): string {
  const params = new URLSearchParams();
  for (const key of Object.keys(DEFAULT_VIEW) as Array<keyof OverviewView>) {
    if (view[key] !== DEFAULT_VIEW[key]) params.set(key, view[key]);
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The API's query for a view (empty values left out). */
export function apiQueryOf(view: OverviewView) {
  return {
    q: view.q.trim() || undefined,
    status: view.status || undefined,
    mode: view.mode || undefined,
    group: view.group || undefined,
    tag: view.tag || undefined,
    sort: view.sort,
    order: view.order,
  };
}

export function isFiltered(view: OverviewView): boolean {
  return Boolean(view.q.trim() || view.status || view.mode || view.group || view.tag);
}
