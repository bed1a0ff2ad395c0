import { setFlagsFromString } from 'node:v8';
import { deletionStream } from '../../src/events/deletion-events';
import { missedByStartDeadline } from '../../src/events/execution-events';
import { executionStream, projectStream } from '../../src/events/streams';
import type { ProjectionRegistry } from '../../src/projections/projection-registry';
import type { ProjectionRunner } from '../../src/projections/projection-runner';
import { readModelHash } from '../../src/projections/read-model-hash';
import {
  type StatsBucketDoc,
  addCounters,
  countEnd,
  emptyCounters,
  failureDayId,
  histogramBounds,
  histogramIndex,
  histogramQuantile,
  histogramQuantiles,
  hourKeyOf,
  hourStartIso,
  hourStartMs,
  localDayKeyOf,
  localDayStartMs,
  subtractCounters,
} from '../../src/projections/stats-buckets';
import { bucketId, keysBetween } from '../../src/projections/stats-bucket-ids';
import { STATS_BUCKETS, STATS_FAILURE_DAYS, STATS_INFLIGHT, STATS_PROJECTION, STATS_TASK_DAYS, statsProjection } from '../../src/projections/stats-projection';
import type { EventStore } from '../../src/stores/events/event-store';
import type { ReadStore } from '../../src/stores/read/read-store';
import { seededRandom } from '../support/seeded-random';
import { P, T, useStatsFixture } from '../support/stats-fixture';

describe('stats projection', () => {
  const stats = useStatsFixture();
  const { append, project, created, ref, bucket } = stats;
  let events: EventStore;
  let reads: ReadStore;
  let registry: ProjectionRegistry;
  let runner: ProjectionRunner;
  beforeEach(() => ({ events, reads, registry, runner } = stats));

  it('counts an execution once at creation and once at its first end; later ends and late reports change nothing', async () => {
    await project('UTC');
    await created('e1', '2026-03-10T05:00:00.000Z');
    expect(await bucket('task', 'hour', '2026-03-10T05')).toMatchObject({ total: 1, success: 0, failed: 0, durationCount: 0 });
    await append(executionStream('e1'), 'ExecutionStarted', { ...ref('e1'), at: '2026-03-10T05:00:01.000Z', claimedBy: 'w1' });
    await append(executionStream('e1'), 'ExecutionStarted', { ...ref('e1'), at: '2026-03-10T05:00:02.000Z', claimedBy: 'w2' });
    await append(executionStream('e1'), 'ExecutionFailed', { ...ref('e1'), at: '2026-03-10T05:00:09.000Z', exitCode: 1, durationMs: 7000, metrics: null, error: 'x' });
    // Neither a contradicting end (the decider never writes one) nor a late report counts again.
    await append(executionStream('e1'), 'ExecutionSucceeded', { ...ref('e1'), at: '2026-03-10T05:00:10.000Z', exitCode: 0, durationMs: 1, metrics: null });
    await append(executionStream('e1'), 'ExecutionLateReportReceived', { ...ref('e1'), at: '2026-03-10T05:00:11.000Z', reportedStatus: 'SUCCESS', error: null, currentStatus: 'FAILED' });
    for (const [series, granularity, key] of [
      ['project', 'hour', '2026-03-10T05'],
      ['task', 'hour', '2026-03-10T05'],
      ['project', 'day', '2026-03-10'],
      ['task', 'day', '2026-03-10'],
    ] as const) {
      expect(await bucket(series, granularity, key)).toMatchObject({
        total: 1,
        success: 0,
        failed: 1,
        timedOut: 0,
        missed: 0,
        cancelled: 0,
        durationCount: 1,
        durationSumMs: 7000,
        durationMinMs: 7000,
        durationMaxMs: 7000,
        histogram: { [String(histogramIndex(7000))]: 1 },
      });
    }
    expect(await reads.get(registry.collection(STATS_PROJECTION, STATS_INFLIGHT), 'e1')).toBeNull();
    expect(await reads.get(registry.collection(STATS_PROJECTION, STATS_FAILURE_DAYS), failureDayId(P, '2026-03-10', T))).toMatchObject({ failures: 1, day: '2026-03-10', taskId: T, projectId: P });
  });

  it('does not count a SKIPPED tick (it never ran); a QUEUED one is in progress until it ends', async () => {
    await project('UTC');
    await created('e1', '2026-03-10T05:00:00.000Z');
    await created('e2', '2026-03-10T05:10:00.000Z');
    await append(executionStream('e2'), 'ExecutionSkipped', { ...ref('e2'), at: '2026-03-10T05:10:00.000Z', cause: 'previous_run_open', blockingExecutionId: 'e1', limit: null });
    await created('e3', '2026-03-10T05:20:00.000Z');
    await append(executionStream('e3'), 'ExecutionQueued', { ...ref('e3'), at: '2026-03-10T05:20:00.000Z', cause: 'previous_run_open', blockingExecutionId: 'e1', limit: null });
    expect(await bucket('task', 'hour', '2026-03-10T05')).toMatchObject({ total: 2, success: 0, failed: 0, cancelled: 0 });
    expect(await reads.get(registry.collection(STATS_PROJECTION, STATS_INFLIGHT), 'e2')).toBeNull();
    await append(executionStream('e1'), 'ExecutionSucceeded', { ...ref('e1'), at: '2026-03-10T05:25:00.000Z', exitCode: 0, durationMs: 1000, metrics: null });
    await append(executionStream('e3'), 'ExecutionReleased', { ...ref('e3'), at: '2026-03-10T05:25:00.000Z', after: 'e1' });
    await append(executionStream('e3'), 'ExecutionSucceeded', { ...ref('e3'), at: '2026-03-10T05:26:00.000Z', exitCode: 0, durationMs: 1000, metrics: null });
    expect(await bucket('project', 'day', '2026-03-10')).toMatchObject({ total: 2, success: 2, failed: 0 });
  });

  it('counts a retried execution once, by its final outcome, and each retry as an attempt', async () => {
    await project('UTC');
    await created('r', '2026-03-10T06:00:00.000Z');
    const attemptFailed = (attempt: number, at: string, retryAt: string) =>
      append(executionStream('r'), 'ExecutionAttemptFailed', { ...ref('r'), attempt, outcome: 'FAILED', at, error: 'x', exitCode: 1, durationMs: 1000, retryAt, alert: 'exhausted' });
    const retryStarted = (attempt: number, at: string) =>
      append(executionStream('r'), 'ExecutionRetryStarted', { ...ref('r'), taskName: 'job', scheduledAt: '2026-03-10T06:00:00.000Z', executionMode: 'pull', timeoutSeconds: null, startDeadlineSeconds: null, attempt, at });
    await attemptFailed(1, '2026-03-10T06:00:01.000Z', '2026-03-10T06:00:31.000Z');
    const beforeRetry = await bucket('task', 'hour', '2026-03-10T06');
    expect(beforeRetry).toMatchObject({ total: 1, failed: 0 });
    expect(beforeRetry?.retries).toBeUndefined(); // a bucket without retries is written as before retries existed
    await retryStarted(2, '2026-03-10T06:00:31.000Z');
    await attemptFailed(2, '2026-03-10T06:00:32.000Z', '2026-03-10T06:01:32.000Z');
    await retryStarted(3, '2026-03-10T06:01:32.000Z');
    // The last attempt times out: duration from its own start.
    await append(executionStream('r'), 'ExecutionTimedOut', { ...ref('r'), at: '2026-03-10T06:02:32.000Z', timeoutSeconds: 60 });
    for (const series of ['project', 'task'] as const) {
      expect(await bucket(series, 'hour', '2026-03-10T06')).toMatchObject({ total: 1, success: 0, failed: 0, timedOut: 1, retries: 2, durationSumMs: 60_000 });
      expect(await bucket(series, 'day', '2026-03-10')).toMatchObject({ total: 1, timedOut: 1, retries: 2 });
    }
    expect(await reads.get(registry.collection(STATS_PROJECTION, STATS_FAILURE_DAYS), failureDayId(P, '2026-03-10', T))).toMatchObject({ failures: 1 });
  });

  it('measures system ends like the history: from the last start, else from creation; a missed run has no duration', async () => {
    await project('UTC');
    await created('a', '2026-03-10T05:00:00.000Z');
    await append(executionStream('a'), 'ExecutionStarted', { ...ref('a'), at: '2026-03-10T05:00:10.000Z', claimedBy: null });
    await append(executionStream('a'), 'ExecutionTimedOut', { ...ref('a'), at: '2026-03-10T05:01:10.000Z', timeoutSeconds: 60 });
    await created('b', '2026-03-10T05:30:00.000Z');
    await append(executionStream('b'), 'ExecutionCancelled', { ...ref('b'), at: '2026-03-10T05:30:05.000Z', by: 'u' });
    await created('c', '2026-03-10T05:40:00.000Z');
    await append(executionStream('c'), 'ExecutionMissed', { ...ref('c'), at: '2026-03-10T05:45:00.000Z', ...missedByStartDeadline(60) });
    expect(await bucket('task', 'hour', '2026-03-10T05')).toMatchObject({
      total: 3,
      timedOut: 1,
      cancelled: 1,
      missed: 1,
      durationCount: 2,
      durationSumMs: 65_000,
      durationMinMs: 5000,
      durationMaxMs: 60_000,
    });
    expect((await reads.find(registry.collection(STATS_PROJECTION, STATS_FAILURE_DAYS))).items).toMatchObject([{ failures: 2 }]);
  });

  it("keys days by the project's zone when the execution was created, also for an end after a zone change", async () => {
    await project('America/New_York');
    // 03:30 UTC is the evening before in New York, the same morning in Tokyo.
    await created('e1', '2026-03-10T03:30:00.000Z');
    await append(projectStream(P), 'ProjectUpdated', { projectId: P, changes: { timezone: 'Asia/Tokyo' }, updatedAt: '2026-03-10T04:00:00.000Z' });
    await append(executionStream('e1'), 'ExecutionSucceeded', { ...ref('e1'), at: '2026-03-10T04:30:00.000Z', exitCode: 0, durationMs: 5, metrics: null });
    await created('e2', '2026-03-10T03:45:00.000Z');
    const newYork = await bucket('project', 'day', '2026-03-09');
    expect(newYork).toMatchObject({ total: 1, success: 1, zone: 'America/New_York' });
    expect(await bucket('project', 'day', '2026-03-10')).toMatchObject({ total: 1, success: 0, zone: 'Asia/Tokyo' });
    // Hours are UTC whatever the zone.
    expect(await bucket('project', 'hour', '2026-03-10T03')).toMatchObject({ total: 2, success: 1 });
  });

  it('buckets a manual run by its creation and ignores executions it never saw created', async () => {
    await project('UTC');
    await created('m', '2026-03-10T05:00:00.000Z', { triggerType: 'MANUAL', createdAt: '2026-03-10T07:15:00.000Z' });
    await append(executionStream('ghost'), 'ExecutionSucceeded', { ...ref('ghost'), at: '2026-03-10T07:00:00.000Z', exitCode: 0, durationMs: 5, metrics: null });
    expect(await bucket('task', 'hour', '2026-03-10T07')).toMatchObject({ total: 1 });
    expect(await bucket('task', 'hour', '2026-03-10T05')).toBeNull();
    const all = await reads.find<StatsBucketDoc>(registry.collection(STATS_PROJECTION, STATS_BUCKETS));
    expect(all.items.reduce((n, b) => n + b.success, 0)).toBe(0);
  });

  it('stores an in-flight execution with its fields alone (the bucket ids it keeps in memory are not written)', async () => {
    await project('UTC');
    await created('e1', '2026-03-10T05:00:00.000Z');
    await runner.whenCaughtUp();
    const stored = await reads.get(registry.collection(STATS_PROJECTION, STATS_INFLIGHT), 'e1');
    expect(stored).toEqual({
      id: 'e1',
      projectId: P,
      taskId: T,
      keys: { hour: '2026-03-10T05', day: '2026-03-10' },
      zone: 'UTC',
      createdAt: '2026-03-10T05:00:00.000Z',
      runStartedAt: null,
    });
    expect(Object.getOwnPropertySymbols(stored)).toEqual([]);
  });

  it("forgets a deleted task's buckets in every month it ran, and in its project's", async () => {
    await project('UTC');
    const days = ['2026-01-31T23:00:00.000Z', '2026-02-01T01:00:00.000Z', '2026-02-28T12:00:00.000Z', '2026-04-15T06:00:00.000Z'];
    for (const [i, at] of days.entries()) await created(`e${i}`, at);
    // Another task's execution in the same hour keeps the project's bucket.
    await created('other', '2026-04-15T06:30:00.000Z', { taskId: 't2' });
    expect(await bucket('task', 'day', '2026-04-15')).toMatchObject({ total: 1 });
    await append(deletionStream(T), 'TaskPurgeRequested', { taskId: T, projectId: P, at: '2026-05-01T00:00:00.000Z' });
    await runner.whenCaughtUp();
    const left = await reads.find<StatsBucketDoc>(registry.collection(STATS_PROJECTION, STATS_BUCKETS));
    expect(left.items.filter((b) => b.taskId === T)).toEqual([]);
    expect(left.items.map((b) => `${b.series} ${b.granularity} ${b.key} ${b.total}`).sort()).toEqual([
      'project day 2026-04-15 1',
      'project hour 2026-04-15T06 1',
      'task day 2026-04-15 1',
      'task hour 2026-04-15T06 1',
    ]);
    expect(await reads.get(registry.collection(STATS_PROJECTION, STATS_TASK_DAYS), T)).toBeNull();
  });

  it('forgets the buckets a task-days document of the range shape (firstDay, lastDay) lists', async () => {
    await project('UTC');
    await created('e1', '2026-03-10T05:00:00.000Z');
    await created('e2', '2026-03-12T05:00:00.000Z');
    await runner.whenCaughtUp();
    // As an earlier version wrote it: the range of days, no months (written past the executions, before the purge).
    await append('unrelated-1', 'Noted', {});
    const at = (await events.headPosition())!;
    const taskDays = registry.collection(STATS_PROJECTION, STATS_TASK_DAYS);
    const range = { id: T, projectId: P, firstDay: '2026-03-10', lastDay: '2026-03-12' };
    await reads.applyBatch([{ op: 'upsert', collection: taskDays, id: T, doc: range, position: at }], { name: 'test', position: at });
    expect(await reads.get(taskDays, T)).toEqual(range);
    await append(deletionStream(T), 'TaskPurgeRequested', { taskId: T, projectId: P, at: '2026-05-01T00:00:00.000Z' });
    await runner.whenCaughtUp();
    expect((await reads.find(registry.collection(STATS_PROJECTION, STATS_BUCKETS))).items).toEqual([]);
  });

  it('rebuilds to the same read model as the live build', async () => {
    await project('Europe/Berlin');
    for (let i = 0; i < 50; i++) {
      await created(`e${i}`, new Date(Date.parse('2026-03-28T20:00:00.000Z') + i * 1_800_000).toISOString());
      if (i % 3 !== 0) {
        await append(executionStream(`e${i}`), i % 3 === 1 ? 'ExecutionSucceeded' : 'ExecutionFailed', {
          ...ref(`e${i}`),
          at: '2026-03-30T00:00:00.000Z',
          exitCode: 0,
          durationMs: i * 37,
          metrics: null,
          error: null,
        });
      }
    }
    await runner.whenCaughtUp();
    const live = await readModelHash(reads, statsProjection, registry.generationOf(STATS_PROJECTION)!.generation);
    await runner.rebuild(STATS_PROJECTION, { stayLive: true });
    expect(await readModelHash(reads, statsProjection, registry.generationOf(STATS_PROJECTION)!.generation)).toBe(live);
  });
});

/** Whether V8 holds an object's index keys in a dictionary rather than an array as long as the largest. */
function hasSparseElements(object: object): boolean {
  setFlagsFromString('--allow-natives-syntax');
  return (new Function('object', 'return %HasDictionaryElements(object)') as (o: object) => boolean)(object);
}

describe('stats bucket arithmetic', () => {
  it('puts durations in fixed log-scale buckets', () => {
    expect(histogramIndex(0)).toBe(0);
    expect(histogramIndex(0.5)).toBe(0);
    expect(histogramIndex(1)).toBe(1);
    expect(histogramIndex(2)).toBe(9);
    expect(histogramIndex(1e12)).toBe(256);
    for (const ms of [1, 3, 17, 999, 1000, 65_432, 3_600_000]) {
      const [lower, upper] = histogramBounds(histogramIndex(ms));
      expect(ms).toBeGreaterThanOrEqual(lower);
      expect(ms).toBeLessThan(upper);
    }
  });

  it('estimates quantiles within the bucket width and exactly at the extremes', () => {
    const durations = Array.from({ length: 1000 }, (_, i) => Math.round(10 * 1.01 ** i));
    const histogram: Record<string, number> = {};
    for (const d of durations) histogram[histogramIndex(d)] = (histogram[histogramIndex(d)] ?? 0) + 1;
    const counters = { histogram, durationCount: durations.length, durationMinMs: durations[0]!, durationMaxMs: durations.at(-1)! };
    for (const q of [0.5, 0.9, 0.95, 0.99]) {
      const exact = durations[Math.ceil(q * durations.length) - 1]!;
      expect(Math.abs(histogramQuantile(counters, q)! - exact) / exact).toBeLessThan(0.045);
    }
    expect(histogramQuantile(counters, 1)).toBe(durations.at(-1));
    expect(histogramQuantile({ histogram: { '57': 1 }, durationCount: 1, durationMinMs: 150, durationMaxMs: 150 }, 0.99)).toBe(150);
    expect(histogramQuantile({ histogram: {}, durationCount: 0, durationMinMs: null, durationMaxMs: null }, 0.5)).toBeNull();
  });

  it('answers several quantiles in one walk as each asked alone, in any order', () => {
    // Keys written out of numeric order, as a document's merged histogram may hold them.
    const histogram: Record<string, number> = { '40': 3, '9': 5, '0': 2, '120': 1, '77': 4 };
    const counters = { histogram, durationCount: 15, durationMinMs: 0.2, durationMaxMs: 40_000 };
    const qs = [0.01, 0.5, 0.5, 0.95, 0.99, 1];
    const alone = qs.map((q) => histogramQuantile(counters, q));
    expect(histogramQuantiles(counters, qs)).toEqual(alone);
    expect(histogramQuantiles(counters, [...qs].reverse())).toEqual([...alone].reverse());
    // Ranks 1, 8, 8, 15, 15, 15 of 15: buckets 0 (the middle 0.5 ms, rounded), 40 and 120 (geometric middles).
    expect(alone).toEqual([1, 31, 31, 31_379, 31_379, 31_379]);
    expect(histogramQuantiles({ histogram: {}, durationCount: 0, durationMinMs: null, durationMaxMs: null }, [0.5, 0.99])).toEqual([null, null]);
  });

  it('counts ends into a histogram by index, first entry and later ones alike, stored in index order', () => {
    const counters = emptyCounters();
    for (const ms of [5000, 7000, 5000, 40, 7000, 5000]) countEnd(counters, 'success', ms);
    countEnd(counters, 'missed', null);
    const [i40, i5000, i7000] = [40, 5000, 7000].map(histogramIndex);
    expect(counters.histogram).toEqual({ [i40!]: 1, [i5000!]: 3, [i7000!]: 2 });
    expect(JSON.stringify(counters.histogram)).toBe(`{"${i40}":1,"${i5000}":3,"${i7000}":2}`);
    // Kept sparse: index keys assigned to an empty object would reserve ~170 slots (1.4 KB) for one count.
    expect(hasSparseElements(counters.histogram)).toBe(true);
    expect(counters).toMatchObject({ success: 6, missed: 1, durationCount: 6, durationSumMs: 29_040, durationMinMs: 40, durationMaxMs: 7000 });
    // Taking a task's bucket out leaves the project's histogram as if the task had never counted.
    const task = emptyCounters();
    countEnd(task, 'success', 5000);
    const project = emptyCounters();
    countEnd(project, 'success', 7000);
    addCounters(project, task);
    expect(subtractCounters(project, task).histogram).toEqual({ [i7000!]: 1 });
  });

  it("orders a project's task buckets by time, whatever the task", () => {
    const ids = [
      bucketId({ projectId: P, taskId: 'zz' }, 'hour', '2026-03-10T05'),
      bucketId({ projectId: P, taskId: 'aa' }, 'hour', '2026-03-10T06'),
      bucketId({ projectId: P, taskId: 'zz' }, 'hour', '2026-03-10T07'),
    ];
    expect([...ids].sort()).toEqual(ids);
    expect(bucketId({ projectId: P, taskId: null }, 'day', '2026-03-10')).toBe('p|p1|day|2026-03-10');
  });

  it('makes hour keys of the ISO text up to the hour, for any instant a Date holds, and refuses the others as toISOString does', () => {
    const random = seededRandom(19);
    const instants = [0, -1, -0.5, 0.5, 3_599_999, 3_600_000, -86_400_001, 8.64e15, -8.64e15, 253_402_300_800_000, -62_198_755_200_000];
    for (let i = 0; i < 20_000; i++) instants.push((random() * 2 - 1) * (i % 2 === 0 ? 8.64e15 : 4e12));
    const upToHour = (iso: string) => iso.slice(0, iso.indexOf(':'));
    for (const ms of instants) expect([ms, hourKeyOf(ms)]).toEqual([ms, upToHour(new Date(ms).toISOString())]);
    expect(hourKeyOf(8.64e15)).toBe('+275760-09-13T00');
    for (const ms of [Number.NaN, 8.64e15 + 1, Number.POSITIVE_INFINITY]) expect(() => hourKeyOf(ms)).toThrow(RangeError);
    expect(hourStartIso('2026-03-10T05')).toBe(new Date(hourStartMs('2026-03-10T05')).toISOString());
  });

  it('lists the keys of a range, across days and months, and none past the limit', () => {
    expect(keysBetween('hour', '2026-03-10T22', '2026-03-11T01', 10)).toEqual(['2026-03-10T22', '2026-03-10T23', '2026-03-11T00', '2026-03-11T01']);
    expect(keysBetween('day', '2026-02-27', '2026-03-01', 10)).toEqual(['2026-02-27', '2026-02-28', '2026-03-01']);
    expect(keysBetween('day', '2026-03-02', '2026-03-01', 10)).toEqual([]);
    expect(keysBetween('hour', '2026-03-10T00', '2026-03-10T09', 10)).toHaveLength(10);
    expect(keysBetween('hour', '2026-03-10T00', '2026-03-10T10', 10)).toBeNull();
  });

  it('finds local days and their first instant, across DST', () => {
    expect(localDayKeyOf(Date.parse('2026-03-10T03:30:00Z'), 'America/New_York')).toBe('2026-03-09');
    expect(localDayKeyOf(Date.parse('2026-03-10T18:29:00Z'), 'Asia/Kolkata')).toBe('2026-03-10');
    expect(localDayKeyOf(Date.parse('2026-03-10T18:30:00Z'), 'Asia/Kolkata')).toBe('2026-03-11');
    const day = (text: string) => Date.parse(`${text}T00:00:00Z`) / 86_400_000;
    expect(new Date(localDayStartMs(day('2026-03-08'), 'America/New_York')).toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect(new Date(localDayStartMs(day('2026-03-09'), 'America/New_York')).toISOString()).toBe('2026-03-09T04:00:00.000Z');
    // Havana's clocks skip from midnight to 01:00 in spring: the day starts at 01:00 local.
    expect(new Date(localDayStartMs(day('2026-03-08'), 'America/Havana')).toISOString()).toBe('2026-03-08T05:00:00.000Z');
  });
});
