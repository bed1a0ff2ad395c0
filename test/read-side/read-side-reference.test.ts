/**
 * The read side against a reference: a generated history of tens of thousands of executions across
 * projects in three zones (one of which changes zone half-way), tasks, days, DST changes, every trigger
 * type and outcome, written straight to the event store of a real server. Every answer of the history,
 * stats, calendar and compatibility routes must equal what test/read-side/support/history-generator.ts
 * computes from the generated events alone; every stats bucket must equal the counts of the history;
 * and a rebuild of every projection must give identical read models.
 */
import { allProjections } from '../../src/projections/all-projections';
import type { ExecutionDoc } from '../../src/projections/execution-read-model';
import { EXECUTIONS, HISTORY_PROJECTION } from '../../src/projections/history-projection';
import { readModelHash } from '../../src/projections/read-model-hash';
import type { FailureDayDoc, StatsBucketDoc } from '../../src/projections/stats-buckets';
import { STATS_BUCKETS, STATS_FAILURE_DAYS, STATS_PROJECTION } from '../../src/projections/stats-projection';
import type { Doc } from '../../src/stores/read/read-store';
import type { ApiClient } from '../support/api-client';
import { ManualClock } from '../support/manual-clock';
import { startServerWithAdmin } from '../support/signed-in';
import { createProject, createTask } from '../support/task-fixtures';
import type { TestServer } from '../support/test-server';
import { waitFor } from '../support/wait-for';
import {
  type GeneratedExecution,
  type RefCounts,
  type RefExecution,
  type TaskRef,
  appendExecutions,
  bucketInstant,
  emptyRef,
  generateExecutions,
  generateOne,
  refCount,
  refDayStart,
  refGroup,
  refLocalDay,
  refHistogramIndex,
  refOrder,
} from './support/history-generator';
import { seededRandom } from '../support/seeded-random';

const NOW = '2026-03-31T12:34:56.000Z';
const FIRST = Date.parse('2026-02-10T00:00:00.000Z');
const LAST = Date.parse('2026-03-31T12:00:00.000Z');
/** Executions generated (READ_SIDE_EXECUTIONS to change it), 60 % before the zone change and 40 % after. */
const SCALE = Number(process.env.READ_SIDE_EXECUTIONS ?? 20_000);
const PHASE_ONE = Math.round(SCALE * 0.6);
const PHASE_TWO = SCALE - PHASE_ONE;
const YEARLY = { schedule_config: { cron_expression: '0 0 1 1 *', timezone: 'UTC' } };

jest.setTimeout(180_000);

describe('read side against a reference built from the events', () => {
  let server: TestServer;
  let admin: ApiClient;
  const clock = new ManualClock(NOW);
  const random = seededRandom(20260331);
  const zones = new Map<string, string>();
  const projects: Record<'utc' | 'ny' | 'kolkata', string> = { utc: '', ny: '', kolkata: '' };
  const tasks: TaskRef[] = [];
  const executions = new Map<string, RefExecution>();

  const record = (generated: GeneratedExecution[]) => generated.forEach((g) => executions.set(g.ref.id, g.ref));
  const all = () => [...executions.values()];
  const ofProject = (projectId: string) => all().filter((e) => e.projectId === projectId);

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin({ clock }));
    for (const [name, zone] of [['utc', 'UTC'], ['ny', 'America/New_York'], ['kolkata', 'Asia/Kolkata']] as const) {
      const project = await createProject(admin, { timezone: zone });
      projects[name] = project.id;
      zones.set(project.id, zone);
      for (let i = 0; i < 4; i++) {
        const task = await createTask(admin, project.id, YEARLY);
        tasks.push({ projectId: project.id, taskId: task.id, taskName: task.name });
      }
    }
    const zoneOf = (projectId: string) => zones.get(projectId)!;
    const started = Date.now();
    const first = generateExecutions(random, tasks, PHASE_ONE, { fromMs: FIRST, toMs: LAST }, zoneOf);
    record(first);
    await appendExecutions(server.services.events, first);
    const appendedFirst = Date.now();
    // Half-way, New York moves to Berlin: later executions' days are Berlin days.
    const moved = await admin.put(`/projects/${projects.ny}`, { timezone: 'Europe/Berlin' });
    expect(moved.status).toBe(200);
    zones.set(projects.ny, 'Europe/Berlin');
    const second = generateExecutions(random, tasks, PHASE_TWO, { fromMs: FIRST, toMs: LAST }, zoneOf);
    record(second);
    await appendExecutions(server.services.events, second);
    const appended = Date.now();
    await server.services.projections.whenCaughtUp(120_000);
    console.log(
      `${executions.size} executions: first phase appended in ${appendedFirst - started} ms, all in ${appended - started} ms, projected ${Date.now() - appended} ms later`,
    );
  });
  afterAll(() => server?.stop());

  /**
   * GET as the super admin. A keep-alive socket the server is just closing (idle for its keepAliveTimeout
   * while the test computed) fails with ECONNRESET: that request never reached a handler, so it is sent again.
   */
  async function get(path: string) {
    try {
      return await admin.get(path);
    } catch (err) {
      if (!String((err as { cause?: unknown }).cause).includes('ECONNRESET')) throw err;
      return admin.get(path);
    }
  }

  /** Every page of a history route, with the page size given. */
  async function allPages(path: string, limit: number): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const sep: string = path.includes('?') ? '&' : '?';
      const response = await get(`${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(response.status).toBe(200);
      expect(response.body.data.length).toBeLessThanOrEqual(limit);
      ids.push(...response.body.data.map((e: { id: string }) => e.id));
      cursor = response.body.next_cursor;
    } while (cursor);
    return ids;
  }

  it('answers every history query as the reference does, page boundaries included', async () => {
    const inRange = (e: RefExecution, from: string, to: string) => e.scheduledAt >= from && e.scheduledAt < to;
    const day = (d: string, zone: string) => [refDayStart(d, zone), refDayStart(nextDay(d), zone)] as const;
    const [utcTask, nyTask] = [tasks[0]!, tasks[4]!];
    const cases: Array<{ path: string; expected: RefExecution[] }> = [
      { path: `/projects/${projects.utc}/executions`, expected: ofProject(projects.utc) },
      { path: `/projects/${projects.kolkata}/executions?status=FAILED`, expected: ofProject(projects.kolkata).filter((e) => e.status === 'FAILED') },
      {
        path: `/projects/${projects.ny}/executions?status=failed,TIMED_OUT,MISSED&trigger_type=SCHEDULED,CATCH_UP`,
        expected: ofProject(projects.ny).filter((e) => ['FAILED', 'TIMED_OUT', 'MISSED'].includes(e.status) && ['SCHEDULED', 'CATCH_UP'].includes(e.triggerType)),
      },
      { path: `/projects/${projects.ny}/tasks/${nyTask.taskId}/history`, expected: all().filter((e) => e.taskId === nyTask.taskId) },
      {
        path: `/projects/${projects.utc}/tasks/${utcTask.taskId}/history?status=PENDING,RUNNING`,
        expected: all().filter((e) => e.taskId === utcTask.taskId && (e.status === 'PENDING' || e.status === 'RUNNING')),
      },
      {
        path: `/projects/${projects.utc}/executions?trigger_type=MANUAL&from=2026-03-01T00:00:00Z&to=2026-03-15T06:30:00%2B02:00`,
        expected: ofProject(projects.utc).filter((e) => e.triggerType === 'MANUAL' && inRange(e, '2026-03-01T00:00:00.000Z', '2026-03-15T04:30:00.000Z')),
      },
    ];
    // Calendar days in the project's zone (the default; Berlin now for the moved project), in others, across DST changes.
    for (const [projectId, date, tz] of [
      [projects.ny, '2026-03-29', undefined],
      [projects.ny, '2026-03-08', 'America/New_York'],
      [projects.kolkata, '2026-03-20', undefined],
      [projects.utc, '2026-02-28', 'Asia/Kathmandu'],
      [projects.utc, '2026-03-29', 'Europe/Berlin'],
    ] as const) {
      const zone = tz ?? zones.get(projectId)!;
      const [from, to] = day(date, zone);
      cases.push({
        path: `/projects/${projectId}/executions?date=${date}${tz ? `&tz=${encodeURIComponent(tz)}` : ''}`,
        expected: ofProject(projectId).filter((e) => inRange(e, from, to)),
      });
    }
    for (const { path, expected } of cases) {
      expect(expected.length).toBeGreaterThan(0);
      const ids = await allPages(path, 137);
      expect({ path, ids }).toEqual({ path, ids: [...expected].sort(refOrder).map((e) => e.id) });
    }
  });

  it('shows each execution as the reference has it', async () => {
    const response = await get(`/projects/${projects.kolkata}/executions?limit=500`);
    for (const row of response.body.data) {
      const ref = executions.get(row.id)!;
      expect(row).toMatchObject({
        id: ref.id,
        task_id: ref.taskId,
        project_id: ref.projectId,
        status: ref.status,
        scheduled_at: ref.scheduledAt,
        started_at: ref.createdAt,
        trigger_type: ref.triggerType,
        duration_ms: ref.durationMs,
        logs_count: ref.logLines,
      });
      expect(row.logs).toBeUndefined();
    }
  });

  it('loses and repeats no row while executions keep arriving between pages', async () => {
    const projectId = projects.kolkata;
    const projectTasks = tasks.filter((t) => t.projectId === projectId);
    const snapshot = ofProject(projectId).sort(refOrder);
    const seen: RefExecution[] = [];
    const mustAppear: RefExecution[] = [];
    let cursor: string | null = null;
    let last: RefExecution | null = null;
    let pages = 0;
    const limit = Math.min(500, Math.max(13, Math.floor(snapshot.length / 25)));
    do {
      const response = await get(`/projects/${projectId}/executions?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(response.status).toBe(200);
      for (const row of response.body.data) seen.push(executions.get(row.id)!);
      cursor = response.body.next_cursor;
      last = seen[seen.length - 1] ?? null;
      pages++;
      if (!cursor || !last) break;
      // New executions: newer than everything, in the middle of the range, and tied with the cursor's instant.
      const arriving = [
        generateOne(random, projectTasks[0]!, LAST + 60_000 * pages, 'Asia/Kolkata', 'PENDING'),
        generateOne(random, projectTasks[1]!, FIRST + Math.floor(random() * (LAST - FIRST) / 60_000) * 60_000, 'Asia/Kolkata', 'SUCCESS'),
        generateOne(random, projectTasks[2]!, Date.parse(last.scheduledAt), 'Asia/Kolkata', 'FAILED'),
        generateOne(random, projectTasks[3]!, Date.parse(last.scheduledAt), 'Asia/Kolkata', 'SUCCESS'),
      ];
      record(arriving);
      const position = await appendExecutions(server.services.events, arriving);
      await server.services.projections.waitForPosition(position);
      // Those that sort after the cursor row must show up on a later page.
      for (const g of arriving) if (refOrder(last, g.ref) < 0) mustAppear.push(g.ref);
    } while (cursor);
    expect(pages).toBeGreaterThan(10);
    const ids = seen.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < seen.length; i++) expect(refOrder(seen[i - 1]!, seen[i]!)).toBeLessThan(0);
    const got = new Set(ids);
    expect(snapshot.filter((e) => !got.has(e.id))).toEqual([]);
    expect(mustAppear.length).toBeGreaterThan(0);
    expect(mustAppear.filter((e) => !got.has(e.id))).toEqual([]);
  });

  /**
   * Every stats bucket and failure day against the reference counts. After a task's deletion, a project
   * bucket's min and max may be narrowed estimates (within the true value's histogram bucket): `loose`.
   */
  async function expectBucketsMatchReference(loose = false): Promise<Map<string, StatsBucketDoc>> {
    const reads = server.services.reads;
    const { items } = await reads.find<StatsBucketDoc>(server.services.registry.collection(STATS_PROJECTION, STATS_BUCKETS), {});
    const actual = new Map(items.map((b) => [`${b.series}|${b.taskId ?? b.projectId}|${b.granularity}|${b.key}`, b]));
    const expected = new Map<string, RefCounts>();
    const add = (key: string, e: RefExecution) => {
      let counts = expected.get(key);
      if (!counts) expected.set(key, (counts = emptyRef()));
      refCount(counts, e);
    };
    for (const e of all()) {
      const instant = bucketInstant(e);
      const keys = { hour: instant.slice(0, 13), day: refLocalDay(instant, e.zoneAtCreation) };
      for (const [granularity, key] of Object.entries(keys)) {
        add(`project|${e.projectId}|${granularity}|${key}`, e);
        add(`task|${e.taskId}|${granularity}|${key}`, e);
      }
    }
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [key, ref] of expected) {
      const bucket = countsOfBucket(actual.get(key)!);
      const want = countsOfRef(ref);
      if (loose && key.startsWith('project|') && want.durationMinMs !== null) {
        expect({ key, min: bucket.durationMinMs! <= want.durationMinMs && refHistogramIndex(bucket.durationMinMs!) === refHistogramIndex(want.durationMinMs) }).toEqual({ key, min: true });
        expect({ key, max: bucket.durationMaxMs! >= want.durationMaxMs! && refHistogramIndex(bucket.durationMaxMs!) === refHistogramIndex(want.durationMaxMs!) }).toEqual({ key, max: true });
        bucket.durationMinMs = want.durationMinMs;
        bucket.durationMaxMs = want.durationMaxMs;
      }
      expect({ key, counts: bucket }).toEqual({ key, counts: want });
    }

    // Failures per task and UTC day, kept apart for the original API's failures?date=.
    const failureDays = await reads.find<FailureDayDoc>(server.services.registry.collection(STATS_PROJECTION, STATS_FAILURE_DAYS), {});
    const expectedFailureDays = [...refGroup(all(), (e) => `${bucketInstant(e).slice(0, 10)}|${e.taskId}`)]
      .filter(([, c]) => c.failures > 0)
      .map(([id, c]) => ({ id, failures: c.failures }))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(failureDays.items.map((d) => ({ id: `${d.day}|${d.taskId}`, failures: d.failures })).sort((a, b) => (a.id < b.id ? -1 : 1))).toEqual(expectedFailureDays);
    return actual;
  }

  it('keeps every stats bucket equal to the counts from the events and from the history read model', async () => {
    const actual = await expectBucketsMatchReference();

    // The same status counts from the history read model's documents.
    const history = await server.services.reads.find<ExecutionDoc>(server.services.registry.collection(HISTORY_PROJECTION, EXECUTIONS), {});
    expect(history.items.length).toBe(executions.size);
    const fromHistory = new Map<string, Record<string, number>>();
    for (const doc of history.items) {
      const instant = doc.triggerType === 'MANUAL' ? doc.createdAt : doc.scheduledAt;
      const key = `task|${doc.taskId}|hour|${instant.slice(0, 13)}`;
      const counts = fromHistory.get(key) ?? {};
      counts.total = (counts.total ?? 0) + 1;
      counts[doc.status] = (counts[doc.status] ?? 0) + 1;
      fromHistory.set(key, counts);
    }
    for (const [key, counts] of fromHistory) {
      const b = actual.get(key)!;
      expect({ key, total: b.total, success: b.success, failed: b.failed, timedOut: b.timedOut, missed: b.missed, cancelled: b.cancelled }).toEqual({
        key,
        total: counts.total,
        success: counts.SUCCESS ?? 0,
        failed: counts.FAILED ?? 0,
        timedOut: counts.TIMED_OUT ?? 0,
        missed: counts.MISSED ?? 0,
        cancelled: counts.CANCELLED ?? 0,
      });
    }
  });

  it('answers stats range queries by hour and by day, in any zone, as the reference does', async () => {
    type Case = { path: string; pick: (e: RefExecution) => boolean; keyOf: (e: RefExecution) => string | null; expectedKeys: string[]; source: string };
    const cases: Case[] = [];
    const hourKeys = (from: string, hours: number) => Array.from({ length: hours }, (_, i) => new Date(Date.parse(from) + i * 3_600_000).toISOString().slice(0, 13));
    const dayKeys = (from: string, to: string) => {
      const keys: string[] = [];
      for (let d = from; d <= to; d = nextDay(d)) keys.push(d);
      return keys;
    };
    const task = tasks[9]!;
    cases.push({
      path: `/projects/${projects.utc}/stats?granularity=hour&from=2026-03-07T22:00:00Z&to=2026-03-09T23:59:59Z`,
      pick: (e) => e.projectId === projects.utc,
      keyOf: (e) => bucketInstant(e).slice(0, 13),
      expectedKeys: hourKeys('2026-03-07T22:00:00Z', 50),
      source: 'hourly_buckets',
    });
    cases.push({
      path: `/projects/${task.projectId}/stats?granularity=hour&task_id=${task.taskId}&from=2026-03-20T10:30:00Z&to=2026-03-22T10:30:00Z`,
      pick: (e) => e.taskId === task.taskId,
      keyOf: (e) => bucketInstant(e).slice(0, 13),
      expectedKeys: hourKeys('2026-03-20T10:00:00Z', 49),
      source: 'hourly_buckets',
    });
    // Days in the project's zone: its daily buckets, each day in the zone of its executions' creation.
    for (const projectId of [projects.utc, projects.ny, projects.kolkata]) {
      cases.push({
        path: `/projects/${projectId}/stats?granularity=day&from=2026-02-09&to=2026-04-01`,
        pick: (e) => e.projectId === projectId,
        keyOf: (e) => refLocalDay(bucketInstant(e), e.zoneAtCreation),
        expectedKeys: dayKeys('2026-02-09', '2026-04-01'),
        source: 'daily_buckets',
      });
    }
    // UTC days: exact, from the hours.
    cases.push({
      path: `/projects/${projects.ny}/stats?granularity=day&tz=UTC&from=2026-03-01&to=2026-03-31&task_id=${tasks[5]!.taskId}`,
      pick: (e) => e.taskId === tasks[5]!.taskId,
      keyOf: (e) => bucketInstant(e).slice(0, 10),
      expectedKeys: dayKeys('2026-03-01', '2026-03-31'),
      source: 'hourly_buckets',
    });
    // Another whole-hour zone (with a DST change in range): exact days from the hours.
    cases.push({
      path: `/projects/${projects.kolkata}/stats?granularity=day&tz=America/Chicago&from=2026-03-01&to=2026-03-20`,
      pick: (e) => e.projectId === projects.kolkata,
      keyOf: (e) => refLocalDay(bucketInstant(e), 'America/Chicago'),
      expectedKeys: dayKeys('2026-03-01', '2026-03-20'),
      source: 'hourly_buckets',
    });
    // A :30 zone: each UTC hour counts for the local day it starts in (the documented approximation).
    cases.push({
      path: `/projects/${projects.utc}/stats?granularity=day&tz=Asia/Kolkata&from=2026-03-01&to=2026-03-20`,
      pick: (e) => e.projectId === projects.utc,
      keyOf: (e) => refLocalDay(`${bucketInstant(e).slice(0, 13)}:00:00.000Z`, 'Asia/Kolkata'),
      expectedKeys: dayKeys('2026-03-01', '2026-03-20'),
      source: 'hourly_buckets',
    });

    for (const c of cases) {
      const response = await get(c.path);
      expect({ path: c.path, status: response.status }).toEqual({ path: c.path, status: 200 });
      expect(response.body.source).toBe(c.source);
      const members = new Map<string, RefExecution[]>();
      for (const e of all()) {
        const key = c.pick(e) ? c.keyOf(e) : null;
        if (key !== null) members.set(key, [...(members.get(key) ?? []), e]);
      }
      expect(response.body.buckets.map((b: { key: string }) => b.key)).toEqual(c.expectedKeys);
      const totals = emptyRef();
      const inRange: RefExecution[] = [];
      for (const bucket of response.body.buckets) {
        const mine = members.get(bucket.key) ?? [];
        expectFigures(c.path, bucket.key, bucket, refGroup(mine, () => 'all').get('all') ?? emptyRef(), mine);
        for (const e of mine) refCount(totals, e);
        inRange.push(...mine);
      }
      expectFigures(c.path, 'totals', response.body.totals, totals, inRange);
    }
  });

  it("answers the original API's three stats endpoints as the reference does", async () => {
    for (const projectId of Object.values(projects)) {
      const mine = ofProject(projectId);
      const byDay = refGroup(mine, (e) => bucketInstant(e).slice(0, 10));
      for (const days of [undefined, 1, 30]) {
        const n = days ?? 7;
        const window = new Set(Array.from({ length: n }, (_, i) => new Date(Date.parse(NOW) - i * 86_400_000).toISOString().slice(0, 10)));
        const expectedRows = [...byDay.entries()]
          .filter(([date, c]) => window.has(date) && c.total > 0)
          .sort(([a], [b]) => (a < b ? 1 : -1));
        const query = days === undefined ? '' : `?days=${days}`;
        const stats = await get(`/projects/${projectId}/executions/stats${query}`);
        expect(stats.status).toBe(200);
        expect(stats.body).toEqual({ stats: expectedRows.map(([date, c]) => ({ date, failures: c.failures, success: c.success, total: c.total })) });
        const failed = await get(`/projects/${projectId}/executions/failed-stats${query}`);
        const failedRows = expectedRows.filter(([, c]) => c.failures > 0).map(([date, c]) => ({ date, count: c.failures }));
        expect(failed.body).toEqual({ stats: failedRows, total: failedRows.reduce((s, r) => s + r.count, 0) });
      }
      for (const date of ['2026-02-10', '2026-03-08', '2026-03-31', '2026-04-01']) {
        const perTask = refGroup(
          mine.filter((e) => bucketInstant(e).startsWith(date)),
          (e) => e.taskId,
        );
        const expectedTasks = [...perTask.entries()]
          .filter(([, c]) => c.failures > 0)
          .map(([taskId, c]) => ({ taskId, failures: c.failures }))
          .sort((a, b) => b.failures - a.failures || (a.taskId < b.taskId ? -1 : 1));
        const failures = await get(`/projects/${projectId}/failures?date=${date}`);
        expect(failures.body).toEqual({ date, tasks: expectedTasks, total: expectedTasks.reduce((s, t) => s + t.failures, 0), calculated_at: NOW });
      }
    }
    // Out of range is clamped, not refused, as in the original API.
    expect((await get(`/projects/${projects.utc}/executions/stats?days=31`)).body).toEqual((await get(`/projects/${projects.utc}/executions/stats?days=30`)).body);
    expect((await get(`/projects/${projects.utc}/executions/failed-stats?days=0`)).body).toEqual((await get(`/projects/${projects.utc}/executions/failed-stats?days=1`)).body);
    expect((await get(`/projects/${projects.utc}/failures`)).body).toMatchObject({ error: expect.any(String), details: [expect.stringContaining('date')] });
  });

  it('answers the calendar as the reference does', async () => {
    const task = tasks[2]!;
    for (const [projectId, query, pick, keyOf] of [
      [projects.ny, 'month=2026-03', (e: RefExecution) => e.projectId === projects.ny, (e: RefExecution) => refLocalDay(bucketInstant(e), e.zoneAtCreation)],
      [projects.kolkata, 'month=2026-02&tz=UTC', (e: RefExecution) => e.projectId === projects.kolkata, (e: RefExecution) => bucketInstant(e).slice(0, 10)],
      [
        task.projectId,
        `month=2026-03&task_id=${task.taskId}&tz=America/Los_Angeles`,
        (e: RefExecution) => e.taskId === task.taskId,
        (e: RefExecution) => refLocalDay(bucketInstant(e), 'America/Los_Angeles'),
      ],
    ] as const) {
      const month = /month=(\d{4}-\d{2})/.exec(query)![1]!;
      const groups = refGroup(all().filter(pick), (e) => (keyOf(e).startsWith(month) ? keyOf(e) : null));
      const expectedDays = [...groups.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([date, c]) => ({ date, total: c.total, success: c.success, failures: c.failures, cancelled: c.cancelled, in_progress: c.in_progress }));
      const response = await get(`/projects/${projectId}/calendar?${query}`);
      expect(response.status).toBe(200);
      expect(response.body.days).toEqual(expectedDays);
    }
  });

  it("forgets a deleted task's statistics, in its project's too", async () => {
    const victim = tasks[6]!;
    expect(ofProject(victim.projectId).filter((e) => e.taskId === victim.taskId).length).toBeGreaterThan(0);
    expect((await admin.delete(`/projects/${victim.projectId}/tasks/${victim.taskId}`)).status).toBe(202);
    await waitFor(async () => (await get(`/projects/${victim.projectId}/tasks/${victim.taskId}`)).status === 404, { timeoutMs: 60_000, what: 'the deletion' });
    await server.services.projections.whenCaughtUp();
    for (const e of all()) if (e.taskId === victim.taskId) executions.delete(e.id);
    tasks.splice(6, 1);
    await expectBucketsMatchReference(true);
    expect((await get(`/projects/${victim.projectId}/stats?task_id=${victim.taskId}`)).status).toBe(404);
  });

  it('rebuilds every projection into read models identical to the live ones', async () => {
    const { projections, registry, reads } = server.services;
    // The alerts manager is still working through the failures of the history, and its records are part
    // of the audit read model: stop it (this is the last test) so the live models stand still.
    await server.processManagers.stop();
    await projections.whenCaughtUp();
    for (const projection of allProjections()) {
      const live = await readModelHash(reads, projection, registry.generationOf(projection.name)!.generation);
      const started = Date.now();
      await projections.rebuild(projection.name);
      const rebuilt = await readModelHash(reads, projection, registry.generationOf(projection.name)!.generation);
      expect({ projection: projection.name, hash: rebuilt }).toEqual({ projection: projection.name, hash: live });
      console.log(`rebuilt ${projection.name} in ${Date.now() - started} ms`);
    }
  });
});

function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

function countsOfBucket(b: StatsBucketDoc & Doc) {
  return {
    total: b.total,
    success: b.success,
    failed: b.failed,
    timedOut: b.timedOut,
    missed: b.missed,
    cancelled: b.cancelled,
    durationCount: b.durationCount,
    durationSumMs: b.durationSumMs,
    durationMinMs: b.durationMinMs,
    durationMaxMs: b.durationMaxMs,
    histogram: b.histogram,
  };
}

function countsOfRef(r: RefCounts) {
  return {
    total: r.total,
    success: r.success,
    failed: r.failed,
    timedOut: r.timed_out,
    missed: r.missed,
    cancelled: r.cancelled,
    durationCount: r.duration_count,
    durationSumMs: r.duration_sum,
    durationMinMs: r.duration_min,
    durationMaxMs: r.duration_max,
    histogram: r.histogram,
  };
}

/** A bucket (or the totals) of a stats answer against the reference counts and the exact durations. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function expectFigures(path: string, key: string, figures: any, ref: RefCounts, members: RefExecution[]): void {
  const ended = ref.success + ref.failures;
  expect({ path, key, figures: { ...figures, duration: undefined } }).toEqual({
    path,
    key,
    figures: {
      ...(figures.start !== undefined ? { key: figures.key, start: figures.start, end: figures.end } : {}),
      total: ref.total,
      success: ref.success,
      failed: ref.failed,
      timed_out: ref.timed_out,
      missed: ref.missed,
      cancelled: ref.cancelled,
      // The generated history has no retry policies: one attempt per execution.
      attempts: ref.total,
      retries: 0,
      in_progress: ref.in_progress,
      failures: ref.failures,
      success_rate: ended === 0 ? null : ref.success / ended,
      duration: undefined,
    },
  });
  const d = figures.duration;
  expect({ path, key, count: d.count, sum: d.sum_ms, min: d.min_ms, max: d.max_ms }).toEqual({
    path,
    key,
    count: ref.duration_count,
    sum: ref.duration_sum,
    min: ref.duration_min,
    max: ref.duration_max,
  });
  const durations = members.flatMap((e) => (e.durationMs === null ? [] : [e.durationMs])).sort((a, b) => a - b);
  expect(durations.length).toBe(ref.duration_count);
  for (const [q, field] of [[0.5, 'p50_ms'], [0.95, 'p95_ms'], [0.99, 'p99_ms']] as const) {
    if (durations.length === 0) {
      expect(d[field]).toBeNull();
      continue;
    }
    const exact = durations[Math.max(1, Math.ceil(q * durations.length)) - 1]!;
    // The estimate lies in the exact value's histogram bucket: within 2^(1/16) − 1 ≈ 4.4 % (plus rounding).
    expect({ path, key, field, off: Math.abs(d[field] - exact) <= Math.max(1, 0.045 * exact) }).toEqual({ path, key, field, off: true });
  }
}
