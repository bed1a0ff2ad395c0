/**
 * The stats projection running live on real embedded stores for each test of a suite, with the events
 * its tests write: project `P` (in a zone), and executions of task `T` (or another).
 */
import { executionStream, projectStream } from '../../src/events/streams';
import { ProjectionRegistry } from '../../src/projections/projection-registry';
import { ProjectionRunner } from '../../src/projections/projection-runner';
import type { StatsBucketDoc } from '../../src/projections/stats-buckets';
import { bucketId } from '../../src/projections/stats-bucket-ids';
import { STATS_BUCKETS, STATS_PROJECTION, statsProjection } from '../../src/projections/stats-projection';
import type { EventStore } from '../../src/stores/events/event-store';
import type { ReadStore } from '../../src/stores/read/read-store';
import { silentLogger } from './silent-logger';
import { makeTempDir } from './temp-dir';
import { openTestEventStore, openTestReadStore } from './test-stores';
import { testEvent } from './test-events';

export const P = 'p1';
export const T = 't1';

export interface StatsFixture {
  events: EventStore;
  reads: ReadStore;
  registry: ProjectionRegistry;
  runner: ProjectionRunner;
  append(stream: string, type: string, data: Record<string, unknown>): Promise<unknown>;
  /** Creates project P in `timezone`. */
  project(timezone: string): Promise<unknown>;
  /** An execution of task T (unless `fields` names another) created at `scheduledAt`. */
  created(id: string, scheduledAt: string, fields?: Record<string, unknown>): Promise<unknown>;
  ref(id: string): { executionId: string; taskId: string; projectId: string };
  /** A bucket of project P or task T, once the projection has caught up. */
  bucket(series: 'project' | 'task', granularity: 'hour' | 'day', key: string): Promise<StatsBucketDoc | null>;
}

/** Opens the stores and starts the projection before each test of the calling suite; closes them after. */
export function useStatsFixture(): StatsFixture {
  let temp: ReturnType<typeof makeTempDir>;
  const fixture = {
    append: (stream, type, data) => fixture.events.append(stream, [testEvent(type, data)], 'any'),
    project: (timezone) =>
      fixture.append(projectStream(P), 'ProjectCreated', { projectId: P, name: 'p', description: null, executionEndpoint: null, timezone, createdBy: 'u', createdAt: '2026-01-01T00:00:00.000Z' }),
    created: (id, scheduledAt, fields = {}) =>
      fixture.append(executionStream(id), 'ExecutionCreated', {
        executionId: id,
        taskId: T,
        projectId: P,
        taskName: 'job',
        scheduledAt,
        triggerType: 'SCHEDULED',
        attempt: 1,
        executionMode: 'pull',
        timeoutSeconds: null,
        startDeadlineSeconds: null,
        createdAt: scheduledAt,
        ...fields,
      }),
    ref: (id) => ({ executionId: id, taskId: T, projectId: P }),
    bucket: async (series, granularity, key) => {
      await fixture.runner.whenCaughtUp();
      const id = bucketId({ projectId: P, taskId: series === 'project' ? null : T }, granularity, key);
      return fixture.reads.get<StatsBucketDoc>(fixture.registry.collection(STATS_PROJECTION, STATS_BUCKETS), id);
    },
  } as StatsFixture;
  beforeEach(async () => {
    temp = makeTempDir();
    fixture.events = openTestEventStore(temp.dir);
    fixture.reads = await openTestReadStore(temp.dir);
    fixture.registry = new ProjectionRegistry(fixture.reads);
    fixture.runner = new ProjectionRunner([statsProjection], fixture.events, fixture.reads, fixture.registry, silentLogger);
    await fixture.runner.start();
  });
  afterEach(async () => {
    await fixture.runner.stop();
    await fixture.events.close();
    await fixture.reads.close();
    temp.cleanup();
  });
  return fixture;
}
