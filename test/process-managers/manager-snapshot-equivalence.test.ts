import { join } from 'node:path';
import { importHistory, readHistoryLines } from '../../src/audit/history-import';
import { loadConfig } from '../../src/config/config';
import { AlertsProcessManager } from '../../src/process-managers/alerts/alerts-process-manager';
import { DeadlinesManager } from '../../src/process-managers/deadlines/deadlines-manager';
import { DeletionManager } from '../../src/process-managers/deletion/deletion-manager';
import { Dispatcher } from '../../src/process-managers/dispatcher/dispatcher';
import { GroupDeletionManager } from '../../src/process-managers/deletion/group-deletion-manager';
import type { ProcessManager } from '../../src/process-managers/process-manager';
import { RetentionManager } from '../../src/process-managers/retention/retention-manager';
import { RetryManager } from '../../src/process-managers/retries/retry-manager';
import { Scheduler } from '../../src/process-managers/scheduler';
import { ProjectionRegistry } from '../../src/projections/projection-registry';
import { ThreadedProjections } from '../../src/projections/threaded-projections';
import { newCommandContext } from '../../src/commands/command-context';
import { toNewEvent } from '../../src/commands/handle-command';
import type { TaskDefinitionInput } from '../../src/commands/task/task-commands';
import { taskDecider } from '../../src/commands/task/task-decider';
import { executionStream, taskStream } from '../../src/events/streams';
import { systemClock } from '../../src/time/clock';
import type { EventStore, RecordedEvent } from '../../src/stores/events/event-store';
import type { ReadStore } from '../../src/stores/read/read-store';
import { ManualClock } from '../support/manual-clock';
import { objectState } from '../support/object-state';
import { silentLogger } from '../support/silent-logger';
import { makeTempDir } from '../support/temp-dir';
import { testEvent } from '../support/test-events';
import { openTestEventStore, openTestReadStore } from '../support/test-stores';

const GOLDEN_HISTORY = join(__dirname, '..', 'fixtures', 'golden-history', 'history-3.ndjson.gz');
/**
 * The history is cut after every event, and the state there saved and restored. At this many of the cuts
 * the restored manager is compared with the original field for field (after every event, the state is
 * compared as its snapshot sees it: cheaper, when the state holds hundreds of tracks)...
 */
const COMPARED = 150;
/** ...and at this many it is also handed the rest of the history. */
const CONTINUED = 6;

/**
 * A snapshot stands for the events before it (process-manager.ts, StateSnapshots): a manager restored
 * from the state it saved after some events holds exactly what the original holds, field for field
 * (test/support/object-state.ts: the snapshot's own view is not trusted to tell), and after the rest of
 * the events what one that replayed them all holds. Over the newest golden history (four weeks of an
 * installation, every kind of event), cut after every event, each manager handed what its filter reads.
 */
describe('a process manager restored from its snapshot, then handed the later events, holds what a full replay builds', () => {
  const temp = makeTempDir('manager-snapshots-');
  let events: EventStore;
  let reads: ReadStore;
  let services: ReturnType<typeof servicesOver>;

  function servicesOver(store: EventStore, readStore: ReadStore) {
    const config = loadConfig({ PUBLIC_URL: 'https://cron.example.com', LOG_LEVEL: 'silent' });
    const clock = new ManualClock('2026-02-03T00:00:00.000Z');
    const registry = new ProjectionRegistry(readStore);
    // Built, never started: a replaying manager never acts.
    const projections = new ThreadedProjections(config, store, readStore, registry, silentLogger, clock);
    return { events: store, reads: readStore, config, clock, logger: silentLogger, mail: null, registry, projections };
  }

  beforeAll(async () => {
    events = openTestEventStore(temp.dir, { synchronous: 'NORMAL' });
    reads = await openTestReadStore(temp.dir);
    await importHistory(events, readHistoryLines(GOLDEN_HISTORY));
    await appendWhatTheHistoryLacks(events);
    services = servicesOver(events, reads);
  });
  afterAll(async () => {
    await reads.close();
    await events.close();
    temp.cleanup();
  });

  const managers: Array<[string, () => ProcessManager]> = [
    ['retention', () => new RetentionManager(services)],
    ['group deletion', () => new GroupDeletionManager(services)],
    ['retries', () => new RetryManager(services)],
    ['deadlines', () => new DeadlinesManager(services)],
    ['deletion', () => new DeletionManager(services)],
    ['dispatcher', () => new Dispatcher(services)],
    ['alerts', () => new AlertsProcessManager(services)],
    ['scheduler', () => new Scheduler(services)],
  ];

  async function replayed(manager: ProcessManager, batch: RecordedEvent[]): Promise<ProcessManager> {
    for (const event of batch) await manager.apply(event, true);
    return manager;
  }

  it.each(managers)('%s', async (_name, make) => {
    const followed = await events.readAll({ filter: make().filter });
    const state = (manager: ProcessManager) => objectState(manager, services);
    const expected = state(await replayed(make(), followed));

    const saved = (manager: ProcessManager) => JSON.stringify(manager.snapshots!.take());
    const empty = saved(make());
    const original = make();
    let carried = 0;
    for (let cut = 1; cut < followed.length; cut++) {
      await original.apply(followed[cut - 1]!, true);
      const restored = make();
      const text = saved(original);
      restored.snapshots!.restore(JSON.parse(text));
      expect(saved(restored)).toBe(text);
      if (text !== empty) carried++;
      if (cut % Math.ceil(followed.length / COMPARED) === 0) expect(state(restored)).toEqual(state(original));
      if (cut % Math.ceil(followed.length / CONTINUED) === 0) expect(state(await replayed(restored, followed.slice(cut)))).toEqual(expected);
    }
    // The history leaves each manager something to carry across some of the cuts.
    expect(carried).toBeGreaterThan(0);
  });
});

/**
 * Events of kinds the golden history has none of, after it: a task with every policy a definition may
 * carry (retry, overlap, limit, calendar), pushes whose policy retries DISPATCH_FAILED, and executions with
 * deadlines that wait their turn (QUEUED), one of them released.
 */
async function appendWhatTheHistoryLacks(events: EventStore): Promise<void> {
  const at = '2026-02-02T10:00:00.000Z';
  const definition: TaskDefinitionInput = {
    name: 'every policy',
    scheduleType: 'RECURRING',
    scheduleConfig: { cron_expression: '*/5 * * * *', timezone: 'Europe/Paris' },
    executionMode: 'push',
    retry: { maxAttempts: 3, backoff: 'exponential', delaySeconds: 30, maxDelaySeconds: 600, jitter: false, on: ['FAILED', 'DISPATCH_FAILED'], alert: 'exhausted' },
    overlap: { mode: 'queue', maxQueued: 2 },
    maxConcurrent: 2,
    calendar: { calendarId: 'holidays', mode: 'skip' },
  };
  const taskId = '7d1c3a52-9f0e-4d6b-8a2c-5b4e3f2a1c0d';
  const taskCreated = taskDecider.decide({ type: 'CreateTask', taskId, projectId: 'p', definition, at }, null);
  await events.append(taskStream(taskId), taskCreated.map((event) => toNewEvent(event, newCommandContext('user:test'), systemClock)), 'no_stream');
  for (const id of ['queued-1', 'queued-2']) {
    const created = testEvent('ExecutionCreated', { executionId: id, projectId: 'p', taskId: 't', executionMode: 'pull', triggerType: 'SCHEDULED', attempt: 1, timeoutSeconds: 60, startDeadlineSeconds: 30, createdAt: at });
    await events.append(executionStream(id), [created, testEvent('ExecutionQueued', { executionId: id, at })], 'any');
  }
  await events.append(executionStream('queued-1'), [testEvent('ExecutionReleased', { executionId: 'queued-1', at: '2026-02-02T10:05:00.000Z' })], 'any');
  const created = (executionId: string) =>
    testEvent('ExecutionCreated', { executionId, projectId: 'p', taskId: 't', executionMode: 'push', triggerType: 'SCHEDULED', attempt: 1, retry: { on: ['DISPATCH_FAILED'], maxAttempts: 3 } });
  for (const id of ['dispatch-retried-1', 'dispatch-retried-2', 'dispatch-retried-3']) await events.append(executionStream(id), [created(id)], 'any');
  await events.append(executionStream('dispatch-retried-1'), [testEvent('ExecutionDispatchFailed', { executionId: 'dispatch-retried-1', attempt: 1, reason: 'refused', retryable: false, nextAttemptAt: null, at })], 'any');
  await events.append(executionStream('dispatch-retried-2'), [testEvent('ExecutionRetryStarted', { executionId: 'dispatch-retried-2', attempt: 2, at })], 'any');
  await events.append(executionStream('dispatch-retried-3'), [testEvent('ExecutionSucceeded', { executionId: 'dispatch-retried-3', at })], 'any');
}
