import { ValidationError } from '../../errors/app-error';
import { quoted } from '../../errors/quoted';
import type { ExecutionMode } from '../../events/task-events';
import { TASK_STATES, type TaskState } from './task-state';

export const OVERVIEW_SORTS = ['state', 'name', 'group', 'mode', 'next_run', 'last_run', 'last_duration', 'p95', 'success_rate'] as const;
export type OverviewSort = (typeof OVERVIEW_SORTS)[number];
const MODES: readonly ExecutionMode[] = ['push', 'pull', 'external'];
export const OVERVIEW_LIMIT = { min: 1, max: 200, fallback: 50 };

/** What the overview's query string asks for, checked. */
export interface OverviewParams {
  q?: string;
  states?: TaskState[];
  mode?: ExecutionMode;
  /** A group's id, or null for the tasks without a group. */
  group?: string | null;
  tag?: string;
  sort: OverviewSort;
  order: 'asc' | 'desc';
  offset: number;
  limit: number;
}

export interface OverviewQueryText {
  q?: string;
  status?: string;
  mode?: string;
  group?: string;
  tag?: string;
  sort?: string;
  order?: string;
  cursor?: string;
  limit?: number;
}

const invalid = (name: string, rule: string) => new ValidationError(`Invalid ${name}`, [`${name}: ${rule}`]);

/** The one check of the overview's parameters; each bad value is a 400 naming its parameter and rule. */
export function overviewParams(text: OverviewQueryText): OverviewParams {
  const q = text.q?.trim();
  if (q && q.length > 200) throw invalid('q', 'must be at most 200 characters');
  let states: TaskState[] | undefined;
  if (text.status) {
    states = [...new Set(text.status.split(',').map((s) => s.trim()))] as TaskState[];
    const unknown = states.find((s) => !TASK_STATES.includes(s));
    if (unknown !== undefined) throw invalid('status', `must be states among ${TASK_STATES.join(', ')}, separated by commas (got ${quoted(unknown)})`);
  }
  if (text.mode && !MODES.includes(text.mode as ExecutionMode)) throw invalid('mode', `must be one of ${MODES.join(', ')} (got ${quoted(text.mode)})`);
  if (text.tag !== undefined && text.tag.length > 100) throw invalid('tag', 'must be at most 100 characters');
  if (text.group !== undefined && text.group.length > 100) throw invalid('group', 'must be a group id or "none"');
  if (text.sort && !(OVERVIEW_SORTS as readonly string[]).includes(text.sort)) throw invalid('sort', `must be one of ${OVERVIEW_SORTS.join(', ')} (got ${quoted(text.sort)})`);
  if (text.order && text.order !== 'asc' && text.order !== 'desc') throw invalid('order', `must be asc or desc (got ${quoted(text.order)})`);
  if (text.cursor && !/^\d{1,9}$/.test(text.cursor)) throw invalid('cursor', 'must be a cursor returned by a previous page');
  const limit = text.limit ?? OVERVIEW_LIMIT.fallback;
  if (!Number.isInteger(limit) || limit < OVERVIEW_LIMIT.min || limit > OVERVIEW_LIMIT.max) {
    throw invalid('limit', `must be a whole number from ${OVERVIEW_LIMIT.min} to ${OVERVIEW_LIMIT.max} (got ${quoted(limit)})`);
  }
  return {
    ...(q ? { q } : {}),
    ...(states ? { states } : {}),
    ...(text.mode ? { mode: text.mode as ExecutionMode } : {}),
    ...(text.group ? { group: text.group === 'none' ? null : text.group } : {}),
    ...(text.tag ? { tag: text.tag } : {}),
    sort: (text.sort as OverviewSort | undefined) || 'state',
    order: (text.order as 'asc' | 'desc' | undefined) || 'asc',
    offset: text.cursor ? Number(text.cursor) : 0,
    limit,
  };
}
