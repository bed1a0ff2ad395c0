import type { EventStore } from '../../stores/events/event-store';
import type { Clock } from '../../time/clock';
import type { TaskDoc } from '../../projections/task-read-model';
import type { TaskGroupDoc } from '../../projections/task-group-read-model';
import { projectRules } from '../../schedules/tick-rules';
import { NotFoundError } from '../../errors/app-error';
import { listTaskGroups } from '../list-task-groups';
import { listProjectTasks } from '../list-tasks';
import type { QueryServices } from '../query-services';
import { scheduleRulesOf } from '../schedule-rules';
import { statsZoneOf } from '../stats-range';
import { judgeWith } from '../tick-judge';
import type { OverviewParams, OverviewSort } from './overview-params';
import { nextRunOf, overviewRow, type OverviewRow, type RowContext } from './overview-row';
import { stateRank, taskStateOf, type TaskState } from './task-state';

/** A group as the overview heads its rows: its tasks that match the filters, and how many of them are failing, late or missed. */
export interface OverviewGroup {
  /** null: the tasks without a group. */
  id: string | null;
  name: string | null;
  tasks: number;
  attention: number;
}

export interface ProjectOverview {
  project_id: string;
  /** The project's zone (the days of the 7-day figures). */
  timezone: string;
  /** Tasks matching the filters, on every page. */
  total: number;
  /** The groups of the matching tasks, in the order their rows come. */
  groups: OverviewGroup[];
  /** Every tag of the project's tasks (for a tag filter), sorted. */
  tags: string[];
  rows: OverviewRow[];
  /** Pass as `cursor` for the next page; null on the last. */
  next_cursor: string | null;
}

type Services = QueryServices & { events: EventStore; clock: Clock };

/**
 * A project's tasks for the overview: filtered and ordered over the tasks read model (one document per
 * task), rows grouped by their group (groups with failing, late or missed tasks first), then one page
 * of rows built from each task's ring of recent runs and its 7 daily buckets. Ordering by a figure of
 * the row (last duration, p95, success rate) builds the rows of every matching task first; nothing
 * reads the execution history, so the cost follows the number of tasks, never of executions.
 */
export async function projectOverview(services: Services, projectId: string, params: OverviewParams): Promise<ProjectOverview> {
  const { tasks, context } = await overviewContext(services, projectId);
  const matching = tasks.filter(matches(params, context.nowMs));
  const ordered = await order(services, matching, params, context);
  const pageRows = ordered.slice(params.offset, params.offset + params.limit);
  const rows = await Promise.all(pageRows.map((entry) => entry.row ?? overviewRow(services, entry.task, context)));
  const end = params.offset + params.limit;
  return {
    project_id: projectId,
    timezone: context.projectZone,
    total: ordered.length,
    groups: groupsOf(ordered, context),
    tags: [...new Set(tasks.flatMap((task) => task.tags ?? []))].sort(),
    rows,
    next_cursor: end < ordered.length ? String(end) : null,
  };
}

/** One task's row (a live update of one row), or 404 when the task is not the project's. */
export async function projectOverviewRow(services: Services, projectId: string, taskId: string): Promise<OverviewRow> {
  const { tasks, context } = await overviewContext(services, projectId);
  const task = tasks.find((t) => t.id === taskId);
  if (!task) throw new NotFoundError('Task not found');
  return overviewRow(services, task, context);
}

async function overviewContext(services: Services, projectId: string): Promise<{ tasks: TaskDoc[]; context: RowContext & { groups: Map<string, TaskGroupDoc> } }> {
  const [tasks, groupList, stored, projectZone] = await Promise.all([
    listProjectTasks(services, projectId),
    listTaskGroups(services, projectId),
    scheduleRulesOf(services.events, projectId),
    statsZoneOf(services, projectId),
  ]);
  const groups = new Map(groupList.map((group) => [group.id, group]));
  const rules = projectRules(stored.calendars, stored.windows);
  return {
    // A task whose group was deleted a moment ago counts as without a group (as the scheduler has it).
    tasks: tasks.filter((task) => task.status !== 'PENDING_DELETE').map((task) => (task.taskGroupId && !groups.has(task.taskGroupId) ? { ...task, taskGroupId: null } : task)),
    context: {
      nowMs: services.clock.now().getTime(),
      projectZone,
      groups,
      groupName: (id) => (id ? (groups.get(id)?.name ?? null) : null),
      judge: (task) => judgeWith(rules, task.taskGroupId ? (groups.get(task.taskGroupId) ?? null) : null, task),
    },
  };
}

function matches(params: OverviewParams, nowMs: number): (task: TaskDoc) => boolean {
  const q = params.q?.toLowerCase();
  return (task) =>
    (q === undefined || task.name.toLowerCase().includes(q)) &&
    (params.mode === undefined || task.executionMode === params.mode) &&
    (params.group === undefined || task.taskGroupId === params.group) &&
    (params.tag === undefined || (task.tags ?? []).includes(params.tag)) &&
    (params.states === undefined || params.states.includes(taskStateOf(task, nowMs)));
}

interface Entry {
  task: TaskDoc;
  state: TaskState;
  groupKey: string;
  row?: OverviewRow;
  key: string | number | null;
}

const ROW_FIGURES: Partial<Record<OverviewSort, (row: OverviewRow) => number | null>> = {
  last_duration: (row) => row.last_duration_ms,
  p95: (row) => row.p95_ms_7d,
  success_rate: (row) => row.success_rate_7d,
};

async function order(services: Services, tasks: TaskDoc[], params: OverviewParams, context: RowContext & { groups: Map<string, TaskGroupDoc> }): Promise<Entry[]> {
  const entries: Entry[] = tasks.map((task) => ({ task, state: taskStateOf(task, context.nowMs), groupKey: task.taskGroupId ?? '', key: null }));
  const figure = ROW_FIGURES[params.sort];
  for (const entry of entries) {
    if (figure) {
      entry.row = await overviewRow(services, entry.task, context);
      entry.key = figure(entry.row);
    } else entry.key = sortKeyOf(params.sort, entry, context);
  }
  // Groups (the tasks without one among them) come worst first, then by name; rows keep to their group.
  const groupRank = new Map<string, number>();
  for (const entry of entries) groupRank.set(entry.groupKey, Math.min(groupRank.get(entry.groupKey) ?? Infinity, stateRank(entry.state)));
  const groupName = (key: string) => (key ? (context.groupName(key) ?? key) : '\uffff');
  const direction = params.order === 'desc' ? -1 : 1;
  return entries.sort(
    (a, b) =>
      groupRank.get(a.groupKey)! - groupRank.get(b.groupKey)! ||
      groupName(a.groupKey).localeCompare(groupName(b.groupKey)) ||
      a.groupKey.localeCompare(b.groupKey) ||
      compareKeys(a.key, b.key, direction) ||
      (params.sort === 'state' ? 0 : stateRank(a.state) - stateRank(b.state)) ||
      a.task.name.localeCompare(b.task.name) ||
      a.task.id.localeCompare(b.task.id),
  );
}

function sortKeyOf(sort: OverviewSort, entry: Entry, context: RowContext): string | number | null {
  const task = entry.task;
  switch (sort) {
    case 'state':
      return stateRank(entry.state);
    case 'name':
      return task.name.toLowerCase();
    case 'group':
      return context.groupName(task.taskGroupId)?.toLowerCase() ?? null;
    case 'mode':
      return task.executionMode;
    case 'next_run':
      return nextRunOf(task, context);
    case 'last_run':
      return task.lastExecution ? (task.lastExecution.endedAt ?? task.lastExecution.scheduledAt) : null;
    default:
      return null;
  }
}

/** Ascending or descending, with absent values last either way. */
function compareKeys(a: string | number | null, b: string | number | null, direction: number): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return (typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b))) * direction;
}

function groupsOf(entries: Entry[], context: RowContext): OverviewGroup[] {
  const groups = new Map<string, OverviewGroup>();
  for (const entry of entries) {
    const group = groups.get(entry.groupKey) ?? { id: entry.task.taskGroupId, name: context.groupName(entry.task.taskGroupId), tasks: 0, attention: 0 };
    group.tasks += 1;
    if (stateRank(entry.state) <= stateRank('missed')) group.attention += 1;
    groups.set(entry.groupKey, group);
  }
  return [...groups.values()];
}
