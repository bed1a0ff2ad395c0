import { join } from 'node:path';
import { deletionStream } from '../../src/events/deletion-events';
import type { ExecutionEvent } from '../../src/events/execution-events';
import type { ExecutionLogsAppended, LogLine } from '../../src/events/execution-log-events';
import { executionLogStream, executionStream, taskStream } from '../../src/events/streams';
import type { TaskEvent } from '../../src/events/task-events';
import { EXECUTIONS, HISTORY_PROJECTION, LOG_CHUNKS, historyProjection } from '../../src/projections/history-projection';
import { logChunkIds } from '../../src/projections/log-read-model';
import { ProjectionRegistry } from '../../src/projections/projection-registry';
import { ProjectionRunner } from '../../src/projections/projection-runner';
import { readModelHash } from '../../src/projections/read-model-hash';
import { TASKS, TASKS_PROJECTION, tasksProjection } from '../../src/projections/tasks-projection';
import type { EventStore } from '../../src/stores/events/event-store';
import type { ReadStore } from '../../src/stores/read/read-store';
import { silentLogger } from '../support/silent-logger';
import { makeTempDir } from '../support/temp-dir';
import { embeddedReads, itOnEmbeddedReads, openTestEventStore, openTestReadStore } from '../support/test-stores';
import { testEvent } from '../support/test-events';

const ref = { executionId: 'e1', taskId: 't1', projectId: 'p1' };
const at = (minute: number) => `2026-01-01T00:${String(minute).padStart(2, '0')}:00.000Z`;

function created(executionId = 'e1'): ExecutionEvent {
  return {
    type: 'ExecutionCreated',
    data: {
      ...ref,
      executionId,
      taskName: 'job',
      scheduledAt: at(0),
      triggerType: 'SCHEDULED',
      attempt: 1,
      executionMode: 'push',
      timeoutSeconds: null,
      startDeadlineSeconds: null,
      createdAt: at(0),
    },
  };
}

function logs(count: number, from: number): ExecutionLogsAppended {
  const lines: LogLine[] = Array.from({ length: count }, (_, i) => ({ message: `line ${from + i}`, level: 'info', timestamp: null, receivedAt: at(1) }));
  return { type: 'ExecutionLogsAppended', data: { ...ref, lines } };
}

describe('history and tasks projections', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let events: EventStore;
  let reads: ReadStore;
  let registry: ProjectionRegistry;
  let runner: ProjectionRunner;

  beforeEach(async () => {
    temp = makeTempDir();
    events = openTestEventStore(temp.dir);
    reads = await openTestReadStore(temp.dir);
    registry = new ProjectionRegistry(reads);
    runner = new ProjectionRunner([historyProjection, tasksProjection], events, reads, registry, silentLogger);
    await runner.start();
  });
  afterEach(async () => {
    await runner.stop();
    await events.close();
    await reads.close();
    temp.cleanup();
  });

  const append = (stream: string, event: { type: string; data: unknown }) => events.append(stream, [testEvent(event.type, event.data as Record<string, unknown>)], 'any');

  it('numbers log lines per execution across batches and keeps their count and size on the execution', async () => {
    await append(executionStream('e1'), created());
    await append(executionLogStream('e1'), logs(3, 0));
    await append(executionLogStream('e1'), logs(2, 3));
    await append(executionStream('e1'), { type: 'ExecutionSucceeded', data: { ...ref, at: at(2), exitCode: 0, durationMs: 120_000, metrics: null } });
    await append(executionStream('e1'), { type: 'ExecutionLateReportReceived', data: { ...ref, at: at(3), reportedStatus: 'FAILED', error: 'x', currentStatus: 'CANCELLED' } });
    // Lines of an execution the model never saw (purged) are dropped, not attached to a stub.
    await append(executionLogStream('ghost'), { type: 'ExecutionLogsAppended', data: { ...ref, executionId: 'ghost', lines: logs(1, 0).data.lines } });
    await runner.whenCaughtUp();

    const execution = await reads.get(registry.collection(HISTORY_PROJECTION, EXECUTIONS), 'e1');
    expect(execution).toMatchObject({ status: 'SUCCESS', endedAt: at(2), durationMs: 120_000, logsCount: 5, logsBytes: 30, error: null });
    // One chunk per batch, numbered on from the lines before it.
    const chunks = await reads.find(registry.collection(HISTORY_PROJECTION, LOG_CHUNKS), { filter: { executionId: 'e1' }, sort: [['firstSeq', 1]] });
    expect(chunks.items.map((c) => [c.firstSeq, c.count, (c.lines as LogLine[]).map((l) => l.message)])).toEqual([
      [0, 3, ['line 0', 'line 1', 'line 2']],
      [3, 2, ['line 3', 'line 4']],
    ]);
    expect(await reads.get(registry.collection(HISTORY_PROJECTION, EXECUTIONS), 'ghost')).toBeNull();
    expect(await reads.count(registry.collection(HISTORY_PROJECTION, LOG_CHUNKS), { executionId: 'ghost' })).toBe(0);
  });

  it("drops a purged execution's log chunks, and the lines that arrive after the purge", async () => {
    // Ids that begin like the purged one: its chunks are a range of ids, which must not reach theirs.
    const others = ['e10', 'e1-2', 'e2'];
    for (const id of ['e1', ...others]) {
      await append(executionStream(id), created(id));
      await append(executionLogStream(id), { type: 'ExecutionLogsAppended', data: { ...ref, executionId: id, lines: logs(2, 0).data.lines } });
    }
    await append(deletionStream('t1'), {
      type: 'ExecutionsPurged',
      data: { projectId: 'p1', taskId: 't1', executionIds: ['e1'], taskIds: ['t1'], reason: 'task-deleted', at: at(4) },
    });
    await append(executionLogStream('e1'), logs(1, 2));
    await runner.whenCaughtUp();
    const chunks = registry.collection(HISTORY_PROJECTION, LOG_CHUNKS);
    expect(await reads.count(chunks, { executionId: 'e1' })).toBe(0);
    for (const id of others) expect(await reads.count(chunks, { executionId: id })).toBe(1);
  });

  itOnEmbeddedReads('reads an execution log from either end, or from any line, with an index seek, never a sort', () => {
    const collection = registry.collection(HISTORY_PROJECTION, LOG_CHUNKS);
    for (const direction of [1, -1] as const) {
      for (const bound of [undefined, { $lte: 500 }, { $gt: 500 }, { $lt: 500 }]) {
        const filter = { id: logChunkIds('e1', bound) };
        const plan = embeddedReads(reads).explainFind(collection, { filter, sort: [['id', direction]], limit: 2 }).join('\n');
        // The id index (a range of it), the only index the chunks have.
        expect(plan).toMatch(/USING INDEX sqlite_autoindex_\S+ \(id>\? AND id<\?\)/);
        expect(plan).not.toMatch(/TEMP B-TREE/);
      }
    }
  });

  it("keeps each task's newest execution as its summary, and drops a deleted task", async () => {
    const definition = {
      taskGroupId: null,
      name: 'job',
      description: null,
      scheduleType: 'RECURRING',
      scheduleConfig: { cron_expression: '* * * * *', timezone: 'UTC' },
      timeoutSeconds: null,
      metadata: null,
      executionMode: 'push',
      startDeadlineSeconds: null,
      alertPolicy: null,
    } as const;
    const taskCreated: TaskEvent = { type: 'TaskCreated', data: { taskId: 't1', projectId: 'p1', ...definition, status: 'ACTIVE', createdAt: at(0) } };
    await append(taskStream('t1'), taskCreated);
    await append(executionStream('e1'), created('e1'));
    await append(executionStream('e2'), created('e2'));
    // A report for the older execution does not touch the summary of the newer one.
    await append(executionStream('e1'), { type: 'ExecutionFailed', data: { ...ref, at: at(5), exitCode: 1, durationMs: 5, metrics: null, error: 'boom' } });
    await append(executionStream('e2'), { type: 'ExecutionStarted', data: { ...ref, executionId: 'e2', at: at(6), claimedBy: null } });
    await runner.whenCaughtUp();
    const tasks = registry.collection(TASKS_PROJECTION, TASKS);
    expect((await reads.get(tasks, 't1'))?.lastExecution).toEqual({
      executionId: 'e2',
      status: 'RUNNING',
      triggerType: 'SCHEDULED',
      scheduledAt: at(0),
      createdAt: at(0),
      endedAt: null,
    });

    await append(taskStream('t1'), { type: 'TaskDeletionRequested', data: { taskId: 't1', projectId: 'p1', requestedBy: 'u', requestedAt: at(7) } });
    await append(taskStream('t1'), { type: 'TaskDeleted', data: { taskId: 't1', projectId: 'p1', deletedAt: at(8) } });
    // An execution event after the deletion must not bring back a stub.
    await append(executionStream('e2'), { type: 'ExecutionTimedOut', data: { ...ref, executionId: 'e2', at: at(9), timeoutSeconds: 60 } });
    await runner.whenCaughtUp();
    expect(await reads.get(tasks, 't1')).toBeNull();
    expect(await reads.get(registry.collection(HISTORY_PROJECTION, EXECUTIONS), 'e2')).toMatchObject({ status: 'TIMED_OUT', error: 'Timed out after 60 s' });
  });

  it('rebuilds to the same read model as the live build', async () => {
    await append(executionStream('e1'), created());
    for (let i = 0; i < 5; i++) await append(executionLogStream('e1'), logs(10, i * 10));
    await runner.whenCaughtUp();
    const live = await readModelHash(reads, historyProjection, registry.generationOf(HISTORY_PROJECTION)!.generation);
    await runner.rebuild(HISTORY_PROJECTION, { stayLive: true });
    expect(await readModelHash(reads, historyProjection, registry.generationOf(HISTORY_PROJECTION)!.generation)).toBe(live);
  });
});
