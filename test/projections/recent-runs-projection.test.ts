import { deletionStream } from '../../src/events/deletion-events';
import type { ExecutionEvent } from '../../src/events/execution-events';
import { executionStream } from '../../src/events/streams';
import { ProjectionRegistry } from '../../src/projections/projection-registry';
import { ProjectionRunner } from '../../src/projections/projection-runner';
import { readModelHash } from '../../src/projections/read-model-hash';
import { RECENT_RUNS, RECENT_RUNS_PROJECTION, type RecentRunsDoc, recentRunsProjection } from '../../src/projections/recent-runs-projection';
import type { EventStore } from '../../src/stores/events/event-store';
import type { ReadStore } from '../../src/stores/read/read-store';
import { silentLogger } from '../support/silent-logger';
import { makeTempDir } from '../support/temp-dir';
import { openTestEventStore, openTestReadStore } from '../support/test-stores';
import { testEvent } from '../support/test-events';

const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();

function created(taskId: string, executionId: string, second: number): ExecutionEvent {
  return {
    type: 'ExecutionCreated',
    data: {
      executionId,
      taskId,
      projectId: 'p1',
      taskName: taskId,
      scheduledAt: at(second),
      triggerType: 'SCHEDULED',
      attempt: 1,
      executionMode: 'pull',
      timeoutSeconds: null,
      startDeadlineSeconds: null,
      createdAt: at(second),
    },
  };
}

describe('recent-runs projection', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let events: EventStore;
  const opened: Array<{ reads: ReadStore; runner: ProjectionRunner }> = [];

  const build = async (file: string) => {
    const reads = await openTestReadStore(temp.dir, file);
    const registry = new ProjectionRegistry(reads);
    const runner = new ProjectionRunner([recentRunsProjection], events, reads, registry, silentLogger);
    await runner.start();
    await runner.whenCaughtUp();
    opened.push({ reads, runner });
    return { reads, ring: async (taskId: string) => reads.get<RecentRunsDoc>(registry.collection(RECENT_RUNS_PROJECTION, RECENT_RUNS), taskId), hash: () => readModelHash(reads, recentRunsProjection, registry.generationOf(RECENT_RUNS_PROJECTION)!.generation) };
  };
  const append = (stream: string, event: { type: string; data: unknown }) => events.append(stream, [testEvent(event.type, event.data as Record<string, unknown>)], 'any');
  const ref = (taskId: string, executionId: string) => ({ executionId, taskId, projectId: 'p1' });

  beforeEach(() => {
    temp = makeTempDir();
    events = openTestEventStore(temp.dir);
  });
  afterEach(async () => {
    for (const { runner, reads } of opened.splice(0)) {
      await runner.stop();
      await reads.close();
    }
    await events.close();
    temp.cleanup();
  });

  it('keeps the 20 newest executions of each task, follows their ends, drops purged ones and rebuilds the same', async () => {
    for (let i = 0; i < 25; i++) {
      const id = `a${i}`;
      await append(executionStream(id), created('ta', id, i));
      if (i % 2 === 0) await append(executionStream(id), { type: 'ExecutionSucceeded', data: { ...ref('ta', id), at: at(i + 1), exitCode: 0, durationMs: 1000 + i, metrics: null } });
    }
    await append(executionStream('b0'), created('tb', 'b0', 0));
    await append(executionStream('b0'), { type: 'ExecutionStarted', data: { ...ref('tb', 'b0'), at: at(1) } });
    await append(executionStream('b0'), { type: 'ExecutionFailed', data: { ...ref('tb', 'b0'), at: at(3), exitCode: 1, durationMs: 2000, metrics: null, error: 'boom' } });
    // An end of an execution that already left the ring changes nothing.
    await append(executionStream('a1'), { type: 'ExecutionCancelled', data: { ...ref('ta', 'a1'), at: at(40), by: 'someone' } });
    await append(deletionStream('ta'), { type: 'ExecutionsPurged', data: { projectId: 'p1', taskId: null, executionIds: ['a24', 'a23', 'b9'], taskIds: ['ta'], reason: 'retention', at: at(50) } });

    const live = await build('live.db');
    const ta = await live.ring('ta');
    expect(ta!.runs.map((run) => run.id)).toEqual(Array.from({ length: 18 }, (_, i) => `a${22 - i}`));
    expect(ta!.runs[0]).toMatchObject({ status: 'SUCCESS', durationMs: 1022, endedAt: at(23) });
    expect(ta!.runs[1]).toMatchObject({ status: 'PENDING', durationMs: null });
    expect(await live.ring('tb')).toMatchObject({ projectId: 'p1', runs: [{ id: 'b0', status: 'FAILED', durationMs: 2000, runStartedAt: at(1) }] });

    // A rebuild from the same events holds the same documents.
    const rebuilt = await build('rebuilt.db');
    expect(await rebuilt.hash()).toBe(await live.hash());

    // A deleted task's ring goes with it.
    await append(deletionStream('tb'), { type: 'TaskPurgeRequested', data: { taskId: 'tb', projectId: 'p1', at: at(60) } });
    await opened[0]!.runner.whenCaughtUp();
    expect(await live.ring('tb')).toBeNull();
  });
});
