/**
 * The cost curves' query timings: each API read query the dashboard and the original API use, beside raw
 * SQL that reads the same kind of rows from the same table, their calls alternated (query-timing.ts).
 */
import type Database from 'better-sqlite3';
import { EXECUTIONS, HISTORY_PROJECTION, LOG_CHUNKS } from '../src/projections/history-projection';
import { logChunkId } from '../src/projections/log-read-model';
import { bucketId, keysBetween } from '../src/projections/stats-bucket-ids';
import { hourKeyOf, localDayOf, localDayStartMs } from '../src/projections/stats-buckets';
import { STATS_BUCKETS, STATS_PROJECTION } from '../src/projections/stats-projection';
import { TASKS, TASKS_PROJECTION } from '../src/projections/tasks-projection';
import { executionHistory } from '../src/queries/history-range';
import { listProjectTasks, projectTasksPage } from '../src/queries/list-tasks';
import { logLinesPage } from '../src/queries/log-lines';
import type { QueryServices } from '../src/queries/query-services';
import { compatExecutionStats, dailyStats, hourlyStats } from '../src/queries/stats-range';
import { formatDay, parseIsoDate } from '../src/schedules/civil-time';
import { seededRandom } from '../test/support/seeded-random';
import type { QueryFigure } from './cost-curves-report';
import { summarize, timeAlternated } from './query-timing';
import { BIG_LOG, DAY_MS, ZONES, type World } from './generated-history';

export interface QueryTimingSettings {
  /** Calls per query (and as many of its baseline). */
  queries: number;
  /** Days of generated history. */
  days: number;
  /** Each query call made this many times slower (1: not at all). */
  slowdown: number;
}

const RAW_HISTORY = 'raw SQL, project-day page of 50';
const RAW_FAILED = "raw SQL, a task's FAILED and TIMED_OUT page of 50";
const RAW_LOGS = 'raw SQL, log tail of 100 lines';
const RAW_BIG_LOG = 'raw SQL, 100 lines from a position in the 100,000-line log';
const RAW_PROJECT_DAYS = "raw SQL, a project's daily buckets for 30 days";
const RAW_TASK_HOURS = "raw SQL, a task's hourly buckets for 7 days";
const RAW_PROJECT_HOURS = "raw SQL, a project's hourly buckets for 30 days";
const RAW_TASKS = "raw SQL, the project's tasks";
const RAW_TASK_PAGE = "raw SQL, 10 of a project's tasks from a position";
/**
 * The task page's size: the smallest scale's projects hold 10 tasks each, and a page must answer as many
 * rows at every scale for its curve to say anything.
 */
const TASK_PAGE = 10;

/**
 * Each query's baseline reads rows of the same table through the same index as the query does, so that
 * what the machine does to that table's pages (where they lie in the file, whether they are cached)
 * moves both alike: a baseline on another table left the stats queries' ratios moving by 40% between
 * identical runs at 1M executions.
 */
export async function timeQueries(services: QueryServices, raw: Database.Database, world: World, settings: QueryTimingSettings): Promise<QueryFigure[]> {
  const random = seededRandom(7);
  const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)]!;
  const n = settings.queries;
  const table = (projection: string, collection: string) => services.registry.collection(projection, collection);
  const nowMs = world.endMs;

  // A random project and one of its calendar days in its zone, from local midnight as the API computes it.
  const projectDay = () => {
    const p = Math.floor(random() * world.projects.length);
    const zone = ZONES[p % ZONES.length]!;
    const day = Math.min(localDayOf(world.startMs, zone) + 1 + Math.floor(random() * (settings.days - 2)), world.lastDay);
    const midnight = (d: number) => new Date(localDayStartMs(d, zone)).toISOString();
    return { projectId: world.projects[p]!, from: midnight(day), to: midnight(day + 1) };
  };
  // A random project and its last 30 days in its zone, as the daily stats query counts them.
  const project30Days = () => {
    const p = Math.floor(random() * world.projects.length);
    const toDay = localDayOf(nowMs, ZONES[p % ZONES.length]!);
    return { projectId: world.projects[p]!, fromDay: toDay - 29, toDay };
  };
  // Ordinary logs only: a mix with the big log would make the medians fall between two kinds of call.
  const anyLog = () => pick(world.loggedExecutions);
  const bigLogCursors: string[] = [];
  for (let page = await logLinesPage(services, world.bigLogExecution, { order: 'asc', limit: 100 }), i = 0; page.nextCursor; i++) {
    if (i % 10 === 0) bigLogCursors.push(page.nextCursor);
    page = await logLinesPage(services, world.bigLogExecution, { order: 'asc', limit: 100, cursor: page.nextCursor });
  }
  // The task list is the whole project (the original API does not page it): fewer calls at large scales.
  const tasksPerProject = world.tasks.length / world.projects.length;
  const taskListCalls = Math.max(100, Math.min(n, Math.round((n * 100) / tasksPerProject)));
  // Pages of the first project's tasks, every 25th page's cursor kept with the task it follows (where
  // the raw keyset starts): a page from anywhere in the list.
  const taskPages: Array<{ cursor?: string; after: { createdAt: string; id: string } }> = [{ after: { createdAt: '', id: '' } }];
  for (let page = await projectTasksPage(services, world.projects[0]!, { limit: TASK_PAGE }), i = 1; page.nextCursor; i++) {
    const last = page.items[page.items.length - 1]!;
    if (i % 25 === 0) taskPages.push({ cursor: page.nextCursor, after: { createdAt: last.createdAt, id: last.id } });
    page = await projectTasksPage(services, world.projects[0]!, { limit: TASK_PAGE, cursor: page.nextCursor });
  }

  const executions = table(HISTORY_PROJECTION, EXECUTIONS);
  const rawHistory = raw.prepare(
    `SELECT doc FROM "${executions}" WHERE "$.projectId" = ? AND "$.scheduledAt" >= ? AND "$.scheduledAt" < ? ORDER BY "$.scheduledAt" DESC, id DESC LIMIT 51`,
  );
  const rawFailed = raw.prepare(
    `SELECT doc FROM "${executions}" WHERE "$.taskId" = ? AND "$.status" = ? ORDER BY "$.scheduledAt" DESC, id DESC LIMIT 51`,
  );
  const chunks = table(HISTORY_PROJECTION, LOG_CHUNKS);
  // An execution's chunks are a range of the id index (logChunkId).
  const rawLogs = raw.prepare(`SELECT doc FROM "${chunks}" WHERE id >= @execution || ':' AND id < @execution || ';' ORDER BY id DESC`);
  const rawLogFrom = raw.prepare(`SELECT doc FROM "${chunks}" WHERE id >= @from AND id < @execution || ';' ORDER BY id`);
  const hundredLines = (rows: Iterable<unknown>) => {
    const lines: unknown[] = [];
    for (const row of rows) {
      lines.push(...(JSON.parse((row as { doc: string }).doc) as { lines: unknown[] }).lines);
      if (lines.length >= 100) break;
    }
  };
  const rawBuckets = raw.prepare(`SELECT doc FROM "${table(STATS_PROJECTION, STATS_BUCKETS)}" WHERE id >= ? AND id <= ? ORDER BY id`);
  const rawTasks = raw.prepare(`SELECT doc FROM "${table(TASKS_PROJECTION, TASKS)}" WHERE "$.projectId" = ? ORDER BY "$.createdAt", id`);
  const rawTaskPage = raw.prepare(
    `SELECT doc FROM "${table(TASKS_PROJECTION, TASKS)}" WHERE "$.projectId" = ? AND ("$.createdAt", id) > (?, ?) ORDER BY "$.createdAt", id LIMIT ${TASK_PAGE + 1}`,
  );
  const parsed = (rows: unknown[]) => rows.map((row) => JSON.parse((row as { doc: string }).doc) as unknown);
  // A project's buckets are one id range.
  const buckets = (projectId: string, granularity: 'hour' | 'day', fromKey: string, toKey: string) =>
    void parsed(rawBuckets.all(bucketId({ projectId, taskId: null }, granularity, fromKey), bucketId({ projectId, taskId: null }, granularity, toKey)));
  const rawBucketsById = raw.prepare(`SELECT doc FROM "${table(STATS_PROJECTION, STATS_BUCKETS)}" WHERE id IN (SELECT value FROM json_each(?))`);
  // A task's hours are found by id through its day buckets, a day more each side, which list them (stats-bucket-reads.ts).
  const taskHours = (series: { projectId: string; taskId: string }, fromKey: string, toKey: string) => {
    const dayIds = keysBetween('day', formatDay(dayOfKey(fromKey) - 1), formatDay(dayOfKey(toKey) + 1), Number.POSITIVE_INFINITY)!.map((day) => bucketId(series, 'day', day));
    const hours = new Set<string>();
    for (const day of parsed(rawBucketsById.all(JSON.stringify(dayIds))) as Array<{ hours?: string[] }>) {
      for (const hour of day.hours ?? []) if (hour >= fromKey && hour <= toKey) hours.add(hour);
    }
    if (hours.size > 0) parsed(rawBucketsById.all(JSON.stringify([...hours].map((hour) => bucketId(series, 'hour', hour)))));
  };
  const dayOfKey = (hourKey: string) => parseIsoDate(hourKey.slice(0, 10))!;
  const baselines: Record<string, () => void> = {
    [RAW_HISTORY]: () => {
      const { projectId, from, to } = projectDay();
      parsed(rawHistory.all(projectId, from, to));
    },
    // One index range per status, as the query reads them.
    [RAW_FAILED]: () => {
      const { taskId } = pick(world.tasks);
      for (const status of ['FAILED', 'TIMED_OUT']) parsed(rawFailed.all(taskId, status));
    },
    [RAW_LOGS]: () => hundredLines(rawLogs.iterate({ execution: anyLog() })),
    [RAW_BIG_LOG]: () => {
      const execution = world.bigLogExecution;
      return hundredLines(rawLogFrom.iterate({ from: logChunkId(execution, Math.floor(random() * (BIG_LOG - 200))), execution }));
    },
    [RAW_PROJECT_DAYS]: () => {
      const { projectId, fromDay, toDay } = project30Days();
      buckets(projectId, 'day', formatDay(fromDay), formatDay(toDay));
    },
    [RAW_TASK_HOURS]: () => taskHours(pick(world.tasks), hourKeyOf(nowMs - 7 * DAY_MS), hourKeyOf(nowMs - 1)),
    [RAW_PROJECT_HOURS]: () => {
      const today = Math.floor(nowMs / DAY_MS);
      buckets(pick(world.projects), 'hour', `${formatDay(today - 29)}T00`, `${formatDay(today)}T23`);
    },
    [RAW_TASKS]: () => void parsed(rawTasks.all(pick(world.projects))),
    [RAW_TASK_PAGE]: () => {
      const { after } = pick(taskPages);
      parsed(rawTaskPage.all(world.projects[0]!, after.createdAt, after.id));
    },
  };

  const specs: Array<{ name: string; baseline: string; calls?: number; rows?: number; run: () => Promise<unknown> }> = [
    { name: 'history page: project day, first 50', baseline: RAW_HISTORY, run: () => executionHistory(services, { ...projectDay(), limit: 50 }) },
    {
      name: 'history page: task, all time, FAILED,TIMED_OUT',
      baseline: RAW_FAILED,
      run: () => {
        const task = pick(world.tasks);
        return executionHistory(services, { projectId: task.projectId, taskId: task.taskId, statuses: ['FAILED', 'TIMED_OUT'], limit: 50 });
      },
    },
    { name: 'log lines page: tail of 100', baseline: RAW_LOGS, run: () => logLinesPage(services, anyLog(), { order: 'desc', limit: 100 }) },
    {
      name: 'log lines page: 100 deep in a 100,000-line log',
      baseline: RAW_BIG_LOG,
      run: () => logLinesPage(services, world.bigLogExecution, { order: 'asc', limit: 100, cursor: pick(bigLogCursors) }),
    },
    { name: 'stats: project, 30 days daily', baseline: RAW_PROJECT_DAYS, run: () => dailyStats(services, { ...project30Days(), taskId: null }) },
    {
      name: 'stats: task, 7 days hourly',
      baseline: RAW_TASK_HOURS,
      run: () => {
        const task = pick(world.tasks);
        return hourlyStats(services, { projectId: task.projectId, taskId: task.taskId, fromMs: nowMs - 7 * DAY_MS, toMs: nowMs });
      },
    },
    { name: 'compat stats: executions/stats?days=30', baseline: RAW_PROJECT_HOURS, run: () => compatExecutionStats(services, pick(world.projects), 30, new Date(nowMs)) },
    {
      name: "task list: a project's tasks",
      baseline: RAW_TASKS,
      calls: taskListCalls,
      rows: tasksPerProject,
      run: () => listProjectTasks(services, pick(world.projects)),
    },
    {
      name: "task list page: 10 of a project's tasks, from anywhere in it",
      baseline: RAW_TASK_PAGE,
      run: () => projectTasksPage(services, world.projects[0]!, { limit: TASK_PAGE, cursor: pick(taskPages).cursor }),
    },
  ];
  const figures: QueryFigure[] = [];
  for (const spec of specs) {
    const timing = summarize(await timeAlternated(spec.calls ?? n, spec.run, baselines[spec.baseline]!, settings.slowdown));
    figures.push({ name: spec.name, baseline: spec.baseline, ...(spec.rows === undefined ? {} : { rows: spec.rows }), ...timing });
  }
  return figures;
}
