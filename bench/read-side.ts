/**
 * `npm run bench -- read-side [--executions 1000000] [--log-lines 10000000] [--tasks 1000] [--projects 10]
 *                             [--days 60] [--queries 2000] [--dir PATH]`
 *
 * The read side at scale in the embedded stores. The event store is filled with batched appends (real
 * event shapes: projects, tasks, executions with their status events, log batches of 100 lines, one
 * execution with 100,000 lines); the read models are then built from zero by the real projections
 * (a rebuild), and the queries the API runs are timed in-process, each beside a baseline from the same
 * run: the raw SQL of the same page on the same table, and for stats the aggregation over the history
 * that the pre-aggregates replace (whose cost grows with the history). Each rebuild rate stands beside
 * its ceiling, the raw SQLite insert of the same rows in the same run (rawInsertCeiling), and beside the
 * rate at which the same events are merely read. Targets: every query p99 < 10 ms, stats independent of
 * history size (issue 5); history and stats rebuilds ≥ 60,000 events/s at 1M executions (issue 19).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createLogger } from '../src/logging/logger';
import { EXECUTIONS, HISTORY_PROJECTION, LOG_CHUNKS, historyProjection } from '../src/projections/history-projection';
import type { Projection } from '../src/projections/projection';
import { ProjectionRegistry } from '../src/projections/projection-registry';
import { ProjectionRunner } from '../src/projections/projection-runner';
import { localDayOf, localDayStartMs } from '../src/projections/stats-buckets';
import { STATS_PROJECTION, statsProjection } from '../src/projections/stats-projection';
import { tasksProjection } from '../src/projections/tasks-projection';
import { executionHistory } from '../src/queries/history-range';
import { logLinesPage } from '../src/queries/log-lines';
import { compatExecutionStats, dailyStats, hourlyStats } from '../src/queries/stats-range';
import type { QueryServices } from '../src/queries/query-services';
import { SqliteEventStore } from '../src/stores/events/sqlite-event-store';
import { SqliteReadStore } from '../src/stores/read/sqlite-read-store';
import { DAY_MS, type HistoryShape, ZONES, populate } from './generated-history';
import { fileSize, rawInsertCeiling, readRateOf, tableBytes, usedBytes } from './read-side-measures';
import { type BenchRow, formatTable } from './report';
import { seededRandom as seeded } from '../test/support/seeded-random';

interface Settings extends HistoryShape {
  queries: number;
  dir: string;
}

const REBUILD_BASELINE = 'one upsert per event, stats events (runner + store baseline)';

export async function readSideBench(args: string[]): Promise<void> {
  const settings = parseArgs(args);
  const dir = settings.dir || mkdtempSync(join(tmpdir(), 'read-side-bench-'));
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  const rssAtStart = process.memoryUsage().rss;
  const rows: BenchRow[] = [];
  try {
    const events = SqliteEventStore.open({ file: join(dir, 'events.db'), synchronous: 'NORMAL' });
    const world = await populate(events, settings);
    const reads = SqliteReadStore.open({ file: join(dir, 'read.db') });
    const registry = new ProjectionRegistry(reads);
    const services: QueryServices = { reads, registry };

    // ---- rebuild ------------------------------------------------------------------------------
    // Beside each real projection: the same rows it ends with inserted raw into a fresh database of the
    // same schema (the ceiling), merely reading its events, and a one-write-per-event projection over
    // the same events (what the runner and the read store do at best per write).
    const oneWrite: Projection = {
      name: 'benchonewrite',
      version: 1,
      collections: [{ name: 'streams', indexes: [] }],
      filter: statsProjection.filter,
      handle: (event) => [{ op: 'upsert', collection: 'streams', id: event.streamId, doc: { id: event.streamId, revision: event.revision, type: event.type } }],
    };
    const projections = [historyProjection, statsProjection, tasksProjection, oneWrite];
    const runner = new ProjectionRunner(projections, events, reads, registry, createLogger('silent'));
    for (const projection of projections) {
      const readRate = await readRateOf(events, projection);
      const isBaseline = projection === oneWrite;
      const readOnly = `${projection.name}: read its events only (baseline)`;
      if (!isBaseline) rows.push({ figure: readOnly, value: readRate.perSecond, unit: 'events/s' });
      const started = performance.now();
      const cpu = process.cpuUsage();
      await runner.rebuild(projection.name, { stayLive: false });
      const seconds = (performance.now() - started) / 1000;
      // Live from here, its WAL copied on another thread: the copy's CPU counts, its time does not.
      await reads.checkpointed();
      const used = process.cpuUsage(cpu);
      const cpuSeconds = (used.user + used.system) / 1e6;
      console.error(`rebuilt ${projection.name} in ${seconds.toFixed(1)} s (${cpuSeconds.toFixed(1)} s CPU)`);
      if (isBaseline) {
        rows.push({ figure: REBUILD_BASELINE, value: readRate.count / seconds, unit: 'events/s' });
        continue;
      }
      const raw = rawInsertCeiling(join(dir, 'read.db'), join(dir, `ceiling-${projection.name}.db`), projection.collections.map((c) => registry.collection(projection.name, c.name)));
      console.error(`inserted its ${raw.rows.toLocaleString('en-US')} rows raw in ${raw.seconds.toFixed(1)} s (${raw.cpuSeconds.toFixed(1)} s CPU)`);
      const ceiling = `${projection.name}: raw SQLite insert of the ${raw.rows.toLocaleString('en-US')} rows it ends with, per event (ceiling)`;
      const ceilingCpu = `${projection.name}: raw SQLite insert, per CPU second (ceiling)`;
      const rebuilt = `${projection.name}: rebuild from zero (${readRate.count.toLocaleString('en-US')} events)`;
      rows.push(
        { figure: ceiling, value: readRate.count / raw.seconds, unit: 'events/s' },
        { figure: ceilingCpu, value: readRate.count / raw.cpuSeconds, unit: 'events/s' },
        { figure: rebuilt, value: readRate.count / seconds, unit: 'events/s', baseline: ceiling },
        { figure: `${projection.name}: rebuild, per CPU second`, value: readRate.count / cpuSeconds, unit: 'events/s', baseline: ceilingCpu },
        { figure: `${rebuilt}, against reading its events`, value: readRate.count / seconds, unit: 'events/s', baseline: readOnly },
        { figure: `${projection.name}: rebuild, per CPU second, against one write per event`, value: readRate.count / cpuSeconds, unit: 'events/s', baseline: REBUILD_BASELINE },
      );
    }
    await runner.stop();
    const rssAfterBuild = process.memoryUsage().rss;

    // ---- queries ------------------------------------------------------------------------------
    const raw = new Database(join(dir, 'read.db'), { readonly: true });
    const executionsTable = registry.collection(HISTORY_PROJECTION, EXECUTIONS);
    const logsTable = registry.collection(HISTORY_PROJECTION, LOG_CHUNKS);
    const random = seeded(7);
    const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)]!;
    const lastDay = world.lastDay;
    const randomDayOf = (zone: string) => {
      const day = localDayOf(world.startMs, zone) + 1 + Math.floor(random() * (settings.days - 2));
      return Math.min(day, lastDay);
    };
    const n = settings.queries;

    // History: a project's calendar day in its zone, newest first, 50 a page; first pages and pages deep in a day.
    const rawHistory = raw.prepare(
      `SELECT doc FROM "${executionsTable}" WHERE "$.projectId" = ? AND "$.scheduledAt" >= ? AND "$.scheduledAt" < ? ORDER BY "$.scheduledAt" DESC, id DESC LIMIT 51`,
    );
    const dayRange = (projectIndex: number) => {
      const zone = ZONES[projectIndex % ZONES.length]!;
      const day = randomDayOf(zone);
      // Local midnight, as the API computes it.
      const startOf = (d: number) => new Date(localDayStartMs(d, zone)).toISOString();
      return { from: startOf(day), to: startOf(day + 1) };
    };
    rows.push(
      ...(await timed('history page: raw SQL, project day, 50 rows (baseline)', n, async () => {
        const p = Math.floor(random() * world.projects.length);
        const { from, to } = dayRange(p);
        rawHistory.all(world.projects[p]!, from, to).map((r) => JSON.parse((r as { doc: string }).doc));
      })),
    );
    rows.push(
      ...(await timed(
        'history page: project day, first page of 50',
        n,
        async () => {
          const p = Math.floor(random() * world.projects.length);
          await executionHistory(services, { projectId: world.projects[p]!, ...dayRange(p), limit: 50 });
        },
        'history page: raw SQL, project day, 50 rows (baseline)',
      )),
    );
    const deepCursors: Array<{ projectId: string; from: string; to: string; cursor: string }> = [];
    for (let i = 0; i < Math.min(n, 200); i++) {
      const p = Math.floor(random() * world.projects.length);
      const range = dayRange(p);
      let page = await executionHistory(services, { projectId: world.projects[p]!, ...range, limit: 50 });
      for (let k = 0; k < 2 && page.nextCursor; k++) page = await executionHistory(services, { projectId: world.projects[p]!, ...range, limit: 50, cursor: page.nextCursor });
      if (page.nextCursor) deepCursors.push({ projectId: world.projects[p]!, ...range, cursor: page.nextCursor });
    }
    if (deepCursors.length > 0) {
      rows.push(
        ...(await timed(
          'history page: project day, 4th page (cursor)',
          n,
          async () => {
            const c = pick(deepCursors);
            await executionHistory(services, { projectId: c.projectId, from: c.from, to: c.to, limit: 50, cursor: c.cursor });
          },
          'history page: raw SQL, project day, 50 rows (baseline)',
        )),
      );
    }
    rows.push(
      ...(await timed(
        'history page: task, all time, status FAILED,TIMED_OUT',
        n,
        async () => {
          const task = pick(world.tasks);
          await executionHistory(services, { projectId: task.projectId, taskId: task.taskId, statuses: ['FAILED', 'TIMED_OUT'], limit: 50 });
        },
        'history page: raw SQL, project day, 50 rows (baseline)',
      )),
    );

    // Logs: the tail of the 100,000-line execution and of ordinary ones, and a page deep into the big one.
    // The chunks from the last, until they hold the 100 lines of a page and the line after it.
    // An execution's chunks are a range of the id index (logChunkId).
    const rawLogs = raw.prepare(`SELECT doc FROM "${logsTable}" WHERE id >= @execution || ':' AND id < @execution || ';' ORDER BY id DESC`);
    rows.push(
      ...(await timed('logs page: raw SQL, tail of 100 lines (baseline)', n, async () => {
        const lines: unknown[] = [];
        for (const row of rawLogs.iterate({ execution: random() < 0.5 ? world.bigLogExecution : pick(world.loggedExecutions) })) {
          lines.push(...(JSON.parse((row as { doc: string }).doc) as { lines: unknown[] }).lines.reverse());
          if (lines.length > 100) break;
        }
      })),
    );
    rows.push(
      ...(await timed(
        'logs page: tail of 100 lines',
        n,
        async () => {
          await logLinesPage(services, random() < 0.5 ? world.bigLogExecution : pick(world.loggedExecutions), { order: 'desc', limit: 100 });
        },
        'logs page: raw SQL, tail of 100 lines (baseline)',
      )),
    );
    const logCursors: string[] = [];
    {
      let page = await logLinesPage(services, world.bigLogExecution, { order: 'asc', limit: 100 });
      for (let i = 0; page.nextCursor && i < 1000; i++) {
        if (i % 10 === 0) logCursors.push(page.nextCursor);
        page = await logLinesPage(services, world.bigLogExecution, { order: 'asc', limit: 100, cursor: page.nextCursor });
      }
    }
    rows.push(
      ...(await timed(
        'logs page: 100 lines deep in a 100,000-line log (cursor)',
        n,
        async () => {
          await logLinesPage(services, world.bigLogExecution, { order: 'asc', limit: 100, cursor: pick(logCursors) });
        },
        'logs page: raw SQL, tail of 100 lines (baseline)',
      )),
    );

    // Stats: ranges of pre-aggregates beside the same figures aggregated from the history.
    const rawAggregate = raw.prepare(
      `SELECT json_extract(doc, '$.status') AS status, count(*) AS n, sum(json_extract(doc, '$.durationMs')) AS ms
         FROM "${executionsTable}" WHERE "$.projectId" = ? AND "$.scheduledAt" >= ? AND "$.scheduledAt" < ? GROUP BY 1`,
    );
    const nowMs = world.endMs;
    rows.push(
      ...(await timed('stats: raw SQL aggregation of a project\'s last 30 days from the history (baseline)', Math.max(5, Math.floor(n / 100)), async () => {
        rawAggregate.all(pick(world.projects), new Date(nowMs - 30 * DAY_MS).toISOString(), new Date(nowMs).toISOString());
      })),
    );
    const statsBaseline = "stats: raw SQL aggregation of a project's last 30 days from the history (baseline)";
    rows.push(
      ...(await timed(
        'stats: project, 30 days, daily in its zone',
        n,
        async () => {
          const p = Math.floor(random() * world.projects.length);
          const zone = ZONES[p % ZONES.length]!;
          const toDay = localDayOf(nowMs, zone);
          await dailyStats(services, { projectId: world.projects[p]!, taskId: null, fromDay: toDay - 29, toDay });
        },
        statsBaseline,
      )),
      ...(await timed(
        'stats: project, 30 days, daily in another zone (from 720 hours)',
        n,
        async () => {
          const toDay = localDayOf(nowMs, 'America/Chicago');
          await dailyStats(services, { projectId: pick(world.projects), taskId: null, fromDay: toDay - 29, toDay, timezone: 'America/Chicago' });
        },
        statsBaseline,
      )),
      ...(await timed(
        'stats: task, 7 days hourly (168 buckets)',
        n,
        async () => {
          const task = pick(world.tasks);
          await hourlyStats(services, { projectId: task.projectId, taskId: task.taskId, fromMs: nowMs - 7 * DAY_MS, toMs: nowMs });
        },
        statsBaseline,
      )),
      ...(await timed(
        'stats: original executions/stats?days=30',
        n,
        async () => {
          await compatExecutionStats(services, pick(world.projects), 30, new Date(nowMs));
        },
        statsBaseline,
      )),
    );
    raw.close();

    // ---- memory and disk ----------------------------------------------------------------------
    const rssEnd = process.memoryUsage().rss;
    rows.push({ figure: 'RSS at start (baseline)', value: rssAtStart / 2 ** 20, unit: 'MiB' });
    rows.push({ figure: 'RSS after the rebuilds', value: rssAfterBuild / 2 ** 20, unit: 'MiB', baseline: 'RSS at start (baseline)' });
    rows.push({ figure: 'RSS after the queries', value: rssEnd / 2 ** 20, unit: 'MiB', baseline: 'RSS at start (baseline)' });
    await reads.close();
    await events.close();
    const eventsSize = fileSize(join(dir, 'events.db'));
    rows.push({ figure: 'events.db on disk (baseline)', value: eventsSize / 2 ** 20, unit: 'MiB' });
    rows.push({ figure: 'read.db on disk', value: fileSize(join(dir, 'read.db')) / 2 ** 20, unit: 'MiB', baseline: 'events.db on disk (baseline)' });
    rows.push({ figure: '  of which stats', value: tableBytes(join(dir, 'read.db'), `${STATS_PROJECTION}_g`) / 2 ** 20, unit: 'MiB', baseline: 'events.db on disk (baseline)' });

    const title = `Read side, ${settings.executions.toLocaleString('en-US')} executions (${world.events.toLocaleString('en-US')} events), ${world.logLines.toLocaleString('en-US')} log lines, ${settings.tasks} tasks in ${settings.projects} projects over ${settings.days} days, in ${dir}`;
    console.log(formatTable(title, rows));
    console.log('(query rows: p50 and p99 over in-process calls of the query functions the API uses; a ratio compares with the baseline row named)');
  } finally {
    if (!settings.dir) rmSync(dir, { recursive: true, force: true });
  }
}

// ---- measuring ----------------------------------------------------------------------------------

async function timed(figure: string, iterations: number, run: () => Promise<void>, baseline?: string): Promise<BenchRow[]> {
  for (let i = 0; i < Math.min(50, iterations); i++) await run(); // warm up
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const started = process.hrtime.bigint();
    await run();
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.ceil(q * samples.length) - 1)]!;
  return [
    { figure: `${figure} p50`, value: at(0.5), unit: 'ms', ...(baseline ? { baseline: `${baseline} p50` } : {}) },
    { figure: `${figure} p99`, value: at(0.99), unit: 'ms', ...(baseline ? { baseline: `${baseline} p99` } : {}) },
  ];
}

function parseArgs(args: string[]): Settings {
  const settings: Settings = { executions: 1_000_000, 'log-lines': 10_000_000, tasks: 1000, projects: 10, days: 60, queries: 2000, dir: '' };
  for (let i = 0; i < args.length; i += 2) {
    const name = args[i]!.replace(/^--/, '') as keyof Settings;
    const text = args[i + 1];
    if (!(name in settings) || text === undefined) throw new Error(`Unknown option ${args[i]}; expected --executions N --log-lines N --tasks N --projects N --days N --queries N --dir PATH`);
    if (name === 'dir') settings.dir = text;
    else {
      const value = Number(text);
      if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`Invalid ${args[i]} ${text}`);
      settings[name] = value;
    }
  }
  if (settings.days < 3) throw new Error('--days must be at least 3');
  return settings;
}
