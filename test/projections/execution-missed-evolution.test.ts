/**
 * ExecutionMissed went from version 1 (a sentence) to version 2 (its cause). A history written by the
 * older version and the same history written by today's code must build identical read models, and
 * the alerts process manager must say the same about both.
 */
import { toNewEvent } from '../../src/commands/handle-command';
import { executionDecider } from '../../src/commands/execution/execution-decider';
import type { CreateExecution, ExecutionCommand } from '../../src/commands/execution/execution-commands';
import { EventUpcasting } from '../../src/events/event-upcasting';
import { MISSED_SCHEDULER_OFFLINE, MISSED_STORE_UNAVAILABLE } from '../../src/events/execution-events';
import { executionStream, projectStream, taskStream } from '../../src/events/streams';
import { AlertDirectory } from '../../src/process-managers/alerts/alert-directory';
import { allProjections } from '../../src/projections/all-projections';
import type { ExecutionDoc } from '../../src/projections/execution-read-model';
import { EXECUTIONS, HISTORY_PROJECTION } from '../../src/projections/history-projection';
import { ProjectionRegistry } from '../../src/projections/projection-registry';
import { ProjectionRunner } from '../../src/projections/projection-runner';
import { readModelHash } from '../../src/projections/read-model-hash';
import type { NewEvent } from '../../src/stores/events/event-store';
import { ManualClock } from '../support/manual-clock';
import { silentLogger } from '../support/silent-logger';
import { makeTempDir } from '../support/temp-dir';
import { openTestEventStore, openTestReadStore } from '../support/test-stores';
import { testEvent } from '../support/test-events';

const P = 'a0000000-0000-4000-8000-000000000001';
const T = 'a0000000-0000-4000-8000-000000000002';
const T0 = '2026-06-01T10:00:00.000Z';
const T1 = '2026-06-01T10:05:00.000Z';
const context = { actor: 'system:scheduler', correlationId: 'c', causationId: 'c' };

/** What the older version wrote for ExecutionMissed: a sentence, stored as schema version 1. */
function v1Missed(executionId: string, at: string, reason: string): NewEvent {
  return {
    type: 'ExecutionMissed',
    data: { executionId, taskId: T, projectId: P, at, reason },
    metadata: { eventId: `missed-${executionId}`, occurredAt: at, actor: 'system:deadlines', correlationId: executionId, causationId: executionId, schemaVersion: 1 },
  };
}

const created = (executionId: string, at: string): CreateExecution => ({
  type: 'CreateExecution',
  executionId,
  taskId: T,
  projectId: P,
  taskName: 'nightly',
  scheduledAt: at,
  triggerType: 'SCHEDULED',
  attempt: 1,
  executionMode: 'pull',
  timeoutSeconds: null,
  startDeadlineSeconds: 300,
  at,
});

/** Today's code: the execution decider, and the command shell's metadata (version from the registry). */
function decided(commands: ExecutionCommand[], clock: ManualClock): NewEvent[] {
  let state = executionDecider.initialState;
  const out: NewEvent[] = [];
  for (const command of commands) {
    for (const event of executionDecider.decide(command, state)) {
      state = executionDecider.evolve(state, event);
      out.push(toNewEvent(event, context, clock));
    }
  }
  return out;
}

/**
 * The project and the task, made once: both histories hold these very events (the audit read model
 * records each event's own metadata), and differ only in how executions were missed.
 */
const [project, task] = [
  testEvent('ProjectCreated', { projectId: P, name: 'Billing', description: null, executionEndpoint: null, timezone: 'Europe/Paris', createdBy: 'u1', createdAt: T0 }),
  testEvent('TaskCreated', {
    taskId: T, projectId: P, taskGroupId: null, name: 'nightly', description: null, scheduleType: 'RECURRING',
    scheduleConfig: { cron_expression: '0 * * * *', timezone: 'UTC' }, timeoutSeconds: null, metadata: null,
    executionMode: 'pull', startDeadlineSeconds: 300, alertPolicy: null, status: 'ACTIVE', createdAt: T0,
  }),
];

/** One project, one task and four executions; `missed` holds how three of them ended MISSED. */
function history(missed: { deadline: NewEvent[]; offline: NewEvent[]; unavailable: NewEvent[] }, clock: ManualClock): Array<[string, NewEvent[]]> {
  return [
    [projectStream(P), [project]],
    [taskStream(T), [task]],
    [executionStream('e1'), [...decided([created('e1', T0)], clock), ...missed.deadline]],
    [executionStream('e2'), missed.offline],
    [executionStream('e3'), missed.unavailable],
    [executionStream('e4'), decided([created('e4', T0), { type: 'ReportExecutionStatus', projectId: P, status: 'SUCCESS', route: 'v1', at: T1 }], clock)],
  ];
}

describe('ExecutionMissed version 1 and version 2 histories', () => {
  const temp = makeTempDir();
  afterAll(() => temp.cleanup());
  const clock = new ManualClock(T1);

  const olderVersion = history(
    {
      deadline: [v1Missed('e1', T1, 'Not started within 300 s of its creation (start deadline)')],
      offline: [...decided([created('e2', T0)], clock), v1Missed('e2', T0, 'scheduler offline')],
      unavailable: [...decided([created('e3', T1)], clock), v1Missed('e3', T1, 'the store was unavailable at the tick')],
    },
    clock,
  );
  const todaysCode = history(
    {
      deadline: decided([created('e1', T0), { type: 'MarkExecutionMissed', startDeadlineSeconds: 300, at: T1 }], clock).slice(1),
      offline: decided([{ ...created('e2', T0), missed: MISSED_SCHEDULER_OFFLINE }], clock),
      unavailable: decided([{ ...created('e3', T1), missed: MISSED_STORE_UNAVAILABLE }], clock),
    },
    clock,
  );

  async function build(name: string, streams: Array<[string, NewEvent[]]>) {
    const events = openTestEventStore(temp.dir, { file: `${name}-events.db`, upcaster: new EventUpcasting() });
    const reads = await openTestReadStore(temp.dir, `${name}-read.db`);
    const registry = new ProjectionRegistry(reads);
    const runner = new ProjectionRunner(allProjections(), events, reads, registry, silentLogger);
    try {
      for (const [stream, list] of streams) await events.append(stream, list, 'no_stream');
      await runner.start();
      await runner.whenCaughtUp(30_000);
      const hashes: Record<string, string> = {};
      for (const projection of allProjections()) hashes[projection.name] = await readModelHash(reads, projection, 1);
      const errors: Record<string, string | null> = {};
      for (const id of ['e1', 'e2', 'e3', 'e4']) {
        const doc = await reads.get<ExecutionDoc>(registry.collection(HISTORY_PROJECTION, EXECUTIONS), id);
        errors[id] = doc ? `${doc.status}: ${doc.error}` : null;
      }
      const alerts = new AlertDirectory();
      const ends = (await events.readAll()).map((event) => alerts.apply(event)).filter((end) => end !== null);
      const stored = (await events.readAll()).filter((e) => e.type === 'ExecutionMissed').map((e) => e.metadata.schemaVersion);
      return { hashes, errors, ends, stored };
    } finally {
      await runner.stop();
      await events.close();
      await reads.close();
    }
  }

  it('are different events that build identical read models, and alert alike', async () => {
    // The two histories really differ in what they store.
    const missedOf = (streams: Array<[string, NewEvent[]]>) => streams.flatMap(([, list]) => list).filter((e) => e.type === 'ExecutionMissed');
    expect(missedOf(olderVersion).map((e) => [e.metadata.schemaVersion, 'reason' in (e.data as object)])).toEqual([[1, true], [1, true], [1, true]]);
    expect(missedOf(todaysCode).map((e) => [e.metadata.schemaVersion, 'cause' in (e.data as object)])).toEqual([[2, true], [2, true], [2, true]]);

    const older = await build('v1', olderVersion);
    const today = await build('v2', todaysCode);
    expect(older.stored).toEqual([2, 2, 2]); // read back upcast
    expect(older.errors).toEqual({
      e1: 'MISSED: Not started within 300 s of its creation (start deadline)',
      e2: 'MISSED: scheduler offline',
      e3: 'MISSED: the store was unavailable at the tick',
      e4: 'SUCCESS: null',
    });
    expect(today.errors).toEqual(older.errors);
    expect(today.hashes).toEqual(older.hashes);
    expect(today.ends).toEqual(older.ends);
    expect(older.ends).toHaveLength(4);
  });
});
