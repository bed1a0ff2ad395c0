import { newCommandContext } from '../../src/commands/command-context';
import { executionDecider } from '../../src/commands/execution/execution-decider';
import { handleCommand } from '../../src/commands/handle-command';
import { executionStream } from '../../src/events/streams';
import { DeadlineTracker } from '../../src/process-managers/deadlines/deadline-tracker';
import type { HeapItem } from '../../src/process-managers/deadlines/deadline-tracker';
import { DeadlinesManager, timedOutLogMessage } from '../../src/process-managers/deadlines/deadlines-manager';
import type { EventStore } from '../../src/stores/events/event-store';
import { silentLogger } from '../support/silent-logger';
import { makeTempDir } from '../support/temp-dir';
import { openTestEventStore } from '../support/test-stores';
import { ManualClock } from '../support/manual-clock';
import { createProject, createTask, type TestProject, triggerTask } from '../support/task-fixtures';
import { waitFor } from '../support/wait-for';
import { FakeTimeServer } from './deletion-support';

interface Item extends HeapItem {
  name: string;
}

describe('deadline tracker (one heap, one clock timer)', () => {
  it('fires in deadline order, each item once, never more than one timer armed', async () => {
    const clock = new ManualClock('2026-01-01T00:00:00.000Z');
    const fired: string[] = [];
    const tracker = new DeadlineTracker<Item>(clock, (due) => fired.push(...due.map((d) => d.name)), 2);
    const t0 = clock.now().getTime();
    const items: Item[] = [5, 1, 3, 3, 9, 7].map((s, i) => ({ name: `${s}s#${i}`, at: t0 + s * 1000, heapIndex: -1 }));
    for (const item of items) tracker.set(item);
    expect(clock.pendingTimers).toBe(0); // not started: collecting only (replay)
    tracker.start();
    expect(clock.pendingTimers).toBe(1);
    tracker.remove(items[4]); // 9 s: its execution ended
    await clock.advance(4_000);
    expect(fired[0]).toBe('1s#1');
    expect(fired.slice(1).sort()).toEqual(['3s#2', '3s#3']); // equal deadlines: either order
    expect(clock.pendingTimers).toBe(1);
    // An earlier deadline arriving later re-arms the one timer.
    tracker.set({ name: 'late-added', at: t0 + 4_500, heapIndex: -1 });
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(10_000);
    expect(fired.slice(3)).toEqual(['late-added', '5s#0', '7s#5']);
    expect(tracker.size).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('hands over what fell due before start at once (deadlines passed while the server was down)', async () => {
    const clock = new ManualClock('2026-01-01T00:00:00.000Z');
    const fired: string[] = [];
    const tracker = new DeadlineTracker<Item>(clock, (due) => fired.push(...due.map((d) => d.name)));
    const t0 = clock.now().getTime();
    tracker.set({ name: 'past', at: t0 - 1, heapIndex: -1 });
    tracker.set({ name: 'future', at: t0 + 1000, heapIndex: -1 });
    tracker.start();
    expect(fired).toEqual(['past']);
    tracker.stop();
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('a report racing the deadline, interleaved exactly', () => {
  const temp = makeTempDir('cron-observer-deadline-race-');
  const store = openTestEventStore(temp.dir);
  afterAll(async () => {
    await store.close();
    temp.cleanup();
  });

  /** The store, except that the first append by `actor` waits for `before` to run first. */
  const holding = (actor: string, before: () => Promise<unknown>): EventStore => {
    let held = false;
    return new Proxy(store, {
      get(target, property, receiver) {
        if (property !== 'append') return Reflect.get(target, property, receiver);
        return async (...args: Parameters<EventStore['append']>) => {
          if (!held && args[1][0]?.metadata.actor === actor) {
            held = true;
            await before();
          }
          return target.append(...args);
        };
      },
    });
  };
  const create = async (clock: ManualClock) => {
    const id = crypto.randomUUID();
    const at = clock.now().toISOString();
    await handleCommand(store, clock, executionStream(id), executionDecider, {
      type: 'CreateExecution', executionId: id, taskId: 't', projectId: 'p', taskName: 'n', scheduledAt: at, triggerType: 'MANUAL',
      attempt: 1, executionMode: 'push', timeoutSeconds: 10, startDeadlineSeconds: null, at,
    }, newCommandContext('user'));
    return id;
  };
  const report = (events: EventStore, clock: ManualClock, id: string) =>
    handleCommand(events, clock, executionStream(id), executionDecider,
      { type: 'ReportExecutionStatus', projectId: 'p', status: 'SUCCESS', route: 'compat', at: clock.now().toISOString() }, newCommandContext('key'));
  const types = async (id: string) => (await store.readStream(executionStream(id))).map((e) => e.type);
  const runManager = async (events: EventStore, clock: ManualClock) => {
    const manager = new DeadlinesManager({ events, clock, logger: silentLogger });
    for (const event of await store.readAll()) manager.apply(event, false);
    manager.goLive();
    return manager;
  };

  it('the deadline decided on PENDING but the SUCCESS was stored first: its append conflicts, it re-decides, and does nothing', async () => {
    const clock = new ManualClock('2026-04-01T09:00:00.000Z');
    const id = await create(clock);
    const manager = await runManager(holding('system:deadlines', () => report(store, clock, id)), clock);
    await clock.advance(10_000);
    await manager.stop(); // waits for the command in flight
    expect(await types(id)).toEqual(['ExecutionCreated', 'ExecutionSucceeded']);
  });

  it('the report decided on PENDING but the timeout was stored first: the report becomes a late report', async () => {
    const clock = new ManualClock('2026-04-01T09:00:00.000Z');
    const id = await create(clock);
    const manager = await runManager(store, clock);
    const racing = report(holding('key', async () => {
      await clock.advance(10_000);
      await manager.stop();
    }), clock, id);
    const outcome = await racing;
    expect(outcome.state?.status).toBe('TIMED_OUT');
    expect(await types(id)).toEqual(['ExecutionCreated', 'ExecutionTimedOut', 'ExecutionLateReportReceived']);
  });
});

describe('deadlines manager in the server (fake time)', () => {
  const harness = new FakeTimeServer('2026-04-01T09:00:00.000Z');
  let project: TestProject;

  beforeAll(async () => {
    await harness.start();
    project = await createProject(harness.admin);
  });
  afterAll(() => harness.stop());

  /** A task that the scheduler leaves alone (DISABLED), run by hand. */
  const newExecution = async (fields: Record<string, unknown>) => {
    const task = await createTask(harness.admin, project.id, { status: 'DISABLED', ...fields });
    const id = await triggerTask(harness.admin, project.id, task.id);
    await harness.caughtUp();
    return id;
  };
  const status = async (id: string) => (await harness.admin.get(`/executions/${id}`)).body.status as string;
  const auditTypes = async (id: string) => ((await harness.admin.get(`/executions/${id}/audit`)).body.data as Array<{ type: string }>).map((e) => e.type);
  const logMessages = async (id: string) => ((await harness.admin.get(`/executions/${id}/logs`)).body.data as Array<{ message: string }>).map((l) => l.message);

  it('times an execution out timeout_seconds after its creation, with a log line saying so', async () => {
    const id = await newExecution({ timeout_seconds: 30 });
    await project.executor.post(`/executions/${id}/logs`, { message: 'working', level: 'info' });
    await harness.clock.advance(29_000);
    await harness.caughtUp();
    expect(await status(id)).toBe('PENDING');
    await harness.clock.advance(1_000);
    const ended = await harness.executionWhen(id, (e) => e.status === 'TIMED_OUT');
    expect(ended).toMatchObject({ ended_at: '2026-04-01T09:00:30.000Z', error: 'Timed out after 30 s' });
    await waitFor(async () => (await logMessages(id)).includes(timedOutLogMessage(30)), { what: 'the timed-out log line' });
    expect(await logMessages(id)).toEqual(['working', 'Timed out after 30 s without a final status']);
    const audit = (await harness.admin.get(`/executions/${id}/audit`)).body.data as Array<{ type: string; actor: string }>;
    expect(audit.map((e) => [e.type, e.actor])).toEqual([
      ['ExecutionCreated', expect.any(String)],
      ['ExecutionTimedOut', 'system:deadlines'],
    ]);
    // The executor reporting afterwards gets 200 with the outcome (compat), recorded as a late report.
    const late = await project.executor.patch(`/executions/${id}/status`, { status: 'SUCCESS' });
    expect(late.body).toMatchObject({ status: 'TIMED_OUT' });
  });

  it('a final report before the deadline cancels it', async () => {
    const id = await newExecution({ timeout_seconds: 30 });
    expect((await project.executor.patch(`/executions/${id}/status`, { status: 'SUCCESS' })).status).toBe(200);
    await harness.caughtUp();
    await harness.clock.advance(60_000);
    await harness.caughtUp();
    expect(await status(id)).toBe('SUCCESS');
    expect(await auditTypes(id)).toEqual(['ExecutionCreated', 'ExecutionSucceeded']);
  });

  it('a SUCCESS racing the deadline resolves to exactly one outcome', async () => {
    const ids = await Promise.all([1, 2, 3, 4, 5, 6].map(() => newExecution({ timeout_seconds: 10 })));
    await harness.caughtUp();
    // The deadline fires while the reports are in flight (staggered, so some arrive before it, some after).
    const [reports] = await Promise.all([
      Promise.all(
        ids.map(async (id, i) => {
          await new Promise((resolve) => setTimeout(resolve, (i % 3) * 15));
          return project.executor.patch(`/executions/${id}/status`, { status: 'SUCCESS' });
        }),
      ),
      (async () => {
        await new Promise((resolve) => setTimeout(resolve, 15));
        await harness.clock.advance(10_000);
      })(),
    ]);
    for (const [i, id] of ids.entries()) {
      const final = (await harness.executionWhen(id, (e) => e.status === 'SUCCESS' || e.status === 'TIMED_OUT')).status;
      await harness.caughtUp();
      const types = await auditTypes(id);
      const outcomes = types.filter((t) => t === 'ExecutionSucceeded' || t === 'ExecutionTimedOut');
      expect(outcomes).toHaveLength(1);
      expect(reports[i]!.status).toBe(200);
      expect(reports[i]!.body.status).toBe(final);
      if (final === 'TIMED_OUT') {
        expect(types).toEqual(['ExecutionCreated', 'ExecutionTimedOut', 'ExecutionLateReportReceived']);
        await waitFor(async () => (await logMessages(id)).length === 1, { what: 'the log line' });
      } else {
        expect(types).toEqual(['ExecutionCreated', 'ExecutionSucceeded']);
        expect(await logMessages(id)).toEqual([]);
      }
    }
  });

  it('start_deadline_seconds turns a PENDING execution that never started into MISSED; a started one is left alone', async () => {
    const never = await newExecution({ start_deadline_seconds: 60 });
    const started = await newExecution({ start_deadline_seconds: 60 });
    expect((await project.executor.patch(`/executions/${started}/status`, { status: 'RUNNING' })).status).toBe(200);
    await harness.caughtUp();
    await harness.clock.advance(61_000);
    const missed = await harness.executionWhen(never, (e) => e.status === 'MISSED');
    expect(missed.error).toBe('Not started within 60 s of its creation (start deadline)');
    await harness.caughtUp();
    expect(await status(started)).toBe('RUNNING');
  });

  it('deadlines still fire after a restart: armed again from the events, and overdue ones at once', async () => {
    const beforeRestart = await newExecution({ timeout_seconds: 120 });
    const overdue = await newExecution({ timeout_seconds: 20 });
    // Down for 30 s: the 20 s deadline passes while nobody runs.
    await harness.restart(() => harness.clock.set(new Date(harness.clock.now().getTime() + 30_000)));
    const ended = await harness.executionWhen(overdue, (e) => e.status === 'TIMED_OUT');
    expect(ended.error).toBe('Timed out after 20 s');
    await harness.caughtUp();
    expect(await status(beforeRestart)).toBe('PENDING');
    await harness.clock.advance(90_000);
    await harness.executionWhen(beforeRestart, (e) => e.status === 'TIMED_OUT');
    await waitFor(async () => (await logMessages(beforeRestart)).includes(timedOutLogMessage(120)), { what: 'the log line after restart' });
  });
});
