import { projectStream } from '../../src/events/streams';
import { ProjectionRegistry, physicalCollection } from '../../src/projections/projection-registry';
import { type StatsBucketDoc, emptyCounters } from '../../src/projections/stats-buckets';
import { bucketIdFilter } from '../../src/projections/stats-bucket-ids';
import { STATS_BUCKETS, STATS_PROJECTION } from '../../src/projections/stats-projection';
import type { QueryServices } from '../../src/queries/query-services';
import { sumsOfTaskBuckets } from '../../src/queries/stats-bucket-reads';
import { dailyStats, hourlyStats } from '../../src/queries/stats-range';
import { parseIsoDate } from '../../src/schedules/civil-time';
import { P, T, useStatsFixture } from '../support/stats-fixture';

const HOUR = 3_600_000;

describe('reading the stats buckets', () => {
  const stats = useStatsFixture();
  const { append, project, created } = stats;
  const services = (): QueryServices => ({ reads: stats.reads, registry: stats.registry });
  /** Task T's nonzero hours of [from, from + hours), as hourlyStats answers them. */
  const taskHours = async (from: string, hours: number) => {
    await stats.runner.whenCaughtUp();
    const fromMs = Date.parse(from);
    const answer = await hourlyStats(services(), { projectId: P, taskId: T, fromMs, toMs: fromMs + hours * HOUR });
    return answer.buckets.filter((b) => b.total > 0).map((b) => [b.key, b.total]);
  };

  it("finds one task's buckets key by key in a short range, and through its project's task range in a long one", async () => {
    await project('UTC');
    await created('e1', '2026-03-10T05:00:00.000Z');
    await created('e2', '2026-03-12T07:00:00.000Z');
    await created('e3', '2026-03-10T06:00:00.000Z', { taskId: 't2' });
    await stats.runner.whenCaughtUp();
    const keys = async (granularity: 'hour' | 'day', from: string, to: string) => {
      const filter = bucketIdFilter({ projectId: P, taskId: T }, granularity, from, to);
      const { items } = await stats.reads.find<StatsBucketDoc>(stats.registry.collection(STATS_PROJECTION, STATS_BUCKETS), { filter });
      return items.map((doc) => doc.key).sort();
    };
    // 72 hours: by id; half a year of hours is past the limit: the project's range, then the task.
    expect(bucketIdFilter({ projectId: P, taskId: T }, 'hour', '2026-03-10T00', '2026-03-12T23')).toEqual({ id: { $in: expect.any(Array) } });
    expect(await keys('hour', '2026-03-10T00', '2026-03-12T23')).toEqual(['2026-03-10T05', '2026-03-12T07']);
    expect(bucketIdFilter({ projectId: P, taskId: T }, 'hour', '2026-01-01T00', '2026-06-30T23')).toMatchObject({ taskId: T });
    expect(await keys('hour', '2026-01-01T00', '2026-06-30T23')).toEqual(['2026-03-10T05', '2026-03-12T07']);
    expect(await keys('hour', '2026-03-10T06', '2026-03-12T06')).toEqual([]);
    expect(await keys('day', '2026-03-11', '2026-03-12')).toEqual(['2026-03-12']);
    expect(await keys('day', '2020-01-01', '2026-12-31')).toEqual(['2026-03-10', '2026-03-12']);
  });

  it("sums each task's buckets of a range from its project's task range, a page at a time", async () => {
    await project('UTC');
    await created('e1', '2026-03-10T05:00:00.000Z');
    await created('e2', '2026-03-12T07:00:00.000Z');
    await created('e3', '2026-03-10T06:00:00.000Z', { taskId: 't2' });
    await created('e4', '2026-03-13T06:00:00.000Z', { taskId: 't2' });
    await stats.runner.whenCaughtUp();
    const range = { projectId: P, granularity: 'hour' as const, fromKey: '2026-03-10T00', toKey: '2026-03-12T23' };
    for (const pageSize of [1, 2, 5000]) {
      const sums = await sumsOfTaskBuckets(services(), range, ['t1', 't2'], pageSize);
      expect([...sums].map(([task, counters]) => [task, counters.total]).sort()).toEqual([
        ['t1', 2],
        ['t2', 1],
      ]);
    }
  });

  it('answers from a version-1 generation (task first in the ids) until version 2 has been rebuilt', async () => {
    const generation = 99;
    const registryOnVersionOne = new ProjectionRegistry(stats.reads);
    registryOnVersionOne.set(STATS_PROJECTION, { version: 1, generation });
    const collection = physicalCollection(STATS_PROJECTION, generation, STATS_BUCKETS);
    const versionOneBucket = (taskId: string, key: string, total: number): StatsBucketDoc => ({
      id: `t|${taskId}|hour|${key}`,
      projectId: P,
      taskId,
      series: 'task',
      granularity: 'hour',
      key,
      zone: 'UTC',
      ...emptyCounters(),
      total,
    });
    const docs = [versionOneBucket(T, '2026-03-10T05', 2), versionOneBucket(T, '2026-03-10T09', 3), versionOneBucket('t2', '2026-03-10T05', 7)];
    await stats.reads.applyBatch(
      docs.map((doc) => ({ op: 'upsert' as const, collection, id: doc.id, doc, position: 1 })),
      { name: 'version-1 fixture', position: 1 },
    );
    const onVersionOne: QueryServices = { reads: stats.reads, registry: registryOnVersionOne };
    const from = Date.parse('2026-03-10T00:00:00.000Z');
    const hours = await hourlyStats(onVersionOne, { projectId: P, taskId: T, fromMs: from, toMs: from + 8 * 3_600_000 });
    expect(hours.totals.total).toBe(2);
    const sums = await sumsOfTaskBuckets(onVersionOne, { projectId: P, granularity: 'hour', fromKey: '2026-03-10T00', toKey: '2026-03-10T23' }, [T, 't2']);
    expect([...sums].map(([task, counters]) => [task, counters.total]).sort()).toEqual([
      [T, 5],
      ['t2', 7],
    ]);
  });

  it("finds a task's hours through its days, in the project's zone on either side of the UTC date", async () => {
    // Kiritimati is UTC+14: 2026-03-10T11:00Z is already the 11th there, 2026-03-10T09:00Z still the 10th.
    await project('Pacific/Kiritimati');
    await created('e1', '2026-03-10T11:00:00.000Z');
    await created('e2', '2026-03-10T11:30:00.000Z');
    await created('e3', '2026-03-10T09:00:00.000Z');
    // Then New York (UTC-4 in March): 2026-03-12T02:00Z is still the 11th there.
    await append(projectStream(P), 'ProjectUpdated', { projectId: P, changes: { timezone: 'America/New_York' }, updatedAt: '2026-03-11T00:00:00.000Z' });
    await created('e4', '2026-03-12T02:00:00.000Z');
    await created('e5', '2026-03-12T02:10:00.000Z', { taskId: 't2' });
    // The 11th lists hours of the 10th (UTC) and of the 12th.
    expect(await stats.bucket('task', 'day', '2026-03-11')).toMatchObject({ total: 3, hours: ['2026-03-10T11', '2026-03-12T02'] });
    expect(await taskHours('2026-03-10T00:00:00.000Z', 24)).toEqual([
      ['2026-03-10T09', 1],
      ['2026-03-10T11', 2],
    ]);
    expect(await taskHours('2026-03-12T00:00:00.000Z', 24)).toEqual([['2026-03-12T02', 1]]);
    expect(await taskHours('2026-03-10T10:00:00.000Z', 1)).toEqual([]);
    expect(await taskHours('2026-03-09T00:00:00.000Z', 31 * 24)).toEqual([
      ['2026-03-10T09', 1],
      ['2026-03-10T11', 2],
      ['2026-03-12T02', 1],
    ]);
  });

  it("sums a task's days of another zone from its hours, over a year", async () => {
    await project('UTC');
    await created('e1', '2026-01-01T03:00:00.000Z');
    await created('e2', '2026-07-01T23:00:00.000Z');
    await created('e3', '2026-07-01T23:00:00.000Z', { taskId: 't2' });
    await stats.runner.whenCaughtUp();
    const year = await dailyStats(services(), { projectId: P, taskId: T, fromDay: parseIsoDate('2026-01-01')!, toDay: parseIsoDate('2026-12-31')!, timezone: 'Asia/Tokyo' });
    expect(year.source).toBe('hourly_buckets');
    expect(year.buckets.filter((b) => b.total > 0).map((b) => [b.key, b.total])).toEqual([
      ['2026-01-01', 1],
      ['2026-07-02', 1],
    ]);
  });
});
