import { newCommandContext } from '../../src/commands/command-context';
import { dispatchDecider } from '../../src/commands/dispatch/dispatch-decider';
import type { ExecutionCommand } from '../../src/commands/execution/execution-commands';
import { executionDecider } from '../../src/commands/execution/execution-decider';
import { handleCommand } from '../../src/commands/handle-command';
import type { RetryPolicy } from '../../src/events/retry-policy';
import { executionStream } from '../../src/events/streams';
import { DeadlinesManager } from '../../src/process-managers/deadlines/deadlines-manager';
import { RetryManager } from '../../src/process-managers/retries/retry-manager';
import { ManualClock } from '../support/manual-clock';
import { silentLogger } from '../support/silent-logger';
import { makeTempDir } from '../support/temp-dir';
import { openTestEventStore } from '../support/test-stores';

const policy: RetryPolicy = { maxAttempts: 3, backoff: 'fixed', delaySeconds: 30, maxDelaySeconds: null, jitter: false, on: ['FAILED', 'TIMED_OUT'], alert: 'exhausted' };

describe('retry manager (injected clock, real event store)', () => {
  const temp = makeTempDir('cron-observer-retries-');
  const store = openTestEventStore(temp.dir);
  afterAll(async () => {
    await store.close();
    temp.cleanup();
  });

  const run = (clock: ManualClock, id: string, command: ExecutionCommand) =>
    handleCommand(store, clock, executionStream(id), executionDecider, command, newCommandContext('key'));
  const create = async (clock: ManualClock, retry: RetryPolicy, fields: { timeoutSeconds?: number | null } = {}) => {
    const id = crypto.randomUUID();
    const at = clock.now().toISOString();
    await run(clock, id, {
      type: 'CreateExecution', executionId: id, taskId: 't', projectId: 'p', taskName: 'n', scheduledAt: at, triggerType: 'MANUAL',
      attempt: 1, executionMode: 'push', timeoutSeconds: fields.timeoutSeconds ?? null, startDeadlineSeconds: null, retry, at,
    });
    return id;
  };
  const fail = (clock: ManualClock, id: string) =>
    run(clock, id, { type: 'ReportExecutionStatus', projectId: 'p', status: 'FAILED', error: 'boom', route: 'compat', at: clock.now().toISOString() });
  const events = async (id: string) => store.readStream(executionStream(id));
  const types = async (id: string) => (await events(id)).map((e) => e.type);

  /** A manager started as the server starts it: replays the store, then goes live; `feed` hands it what was appended since. */
  const start = async (clock: ManualClock) => {
    const manager = new RetryManager({ events: store, clock, logger: silentLogger });
    let seen = 0;
    const feed = async () => {
      const all = await store.readAll();
      for (const event of all.slice(seen)) manager.apply(event);
      seen = all.length;
    };
    await feed();
    manager.goLive();
    return { manager, feed };
  };

  it('begins the next attempt at retryAt, exactly once, with its deadlines counted from then', async () => {
    const clock = new ManualClock('2026-04-01T09:00:00.000Z');
    const id = await create(clock, policy, { timeoutSeconds: 60 });
    const { manager, feed } = await start(clock);
    await clock.advance(5_000);
    await fail(clock, id);
    await feed();
    expect(manager.size).toBe(1);
    await clock.advance(29_999);
    await manager.idle();
    expect(await types(id)).toEqual(['ExecutionCreated', 'ExecutionAttemptFailed']);
    await clock.advance(1);
    await manager.idle();
    await feed();
    const retried = (await events(id)).at(-1)!;
    expect(retried).toMatchObject({ type: 'ExecutionRetryStarted', data: { attempt: 2, at: '2026-04-01T09:00:35.000Z', timeoutSeconds: 60 } });
    expect(retried.metadata.actor).toBe('system:retries');
    expect(manager.size).toBe(0);
    await clock.advance(120_000);
    await manager.idle();
    expect((await types(id)).filter((t) => t === 'ExecutionRetryStarted')).toHaveLength(1);

    // The new attempt's timeout (60 s from 09:00:35) fails attempt 2 through the deadlines manager, then attempt 3 begins.
    const deadlines = new DeadlinesManager({ events: store, clock: new ManualClock('2026-04-01T09:01:35.000Z'), logger: silentLogger });
    for (const event of await store.readAll()) deadlines.apply(event, true);
    expect(deadlines.size).toBe(1);
    await manager.stop();
  });

  it('after a restart, a retry that fell due while the server was down begins at once, and only once', async () => {
    const clock = new ManualClock('2026-04-01T10:00:00.000Z');
    const id = await create(clock, policy);
    await fail(clock, id);
    const before = await start(clock);
    await before.manager.stop(); // the server stops before retryAt
    await clock.advance(600_000);
    // Two instances coming up over the same history (a restart racing a stale leader): one retry.
    const [a, b] = [await start(clock), await start(clock)];
    await Promise.all([a.manager.idle(), b.manager.idle()]);
    expect((await types(id)).filter((t) => t === 'ExecutionRetryStarted')).toHaveLength(1);
    // Replayed again, the retry is done: nothing is planned.
    const again = await start(clock);
    expect(again.manager.size).toBe(0);
    await Promise.all([a.manager.stop(), b.manager.stop(), again.manager.stop()]);
  });

  it('plans nothing once the execution ended (cancelled while RETRYING)', async () => {
    const clock = new ManualClock('2026-04-01T11:00:00.000Z');
    const id = await create(clock, policy);
    await fail(clock, id);
    await run(clock, id, { type: 'CancelExecution', by: 'u1', at: clock.now().toISOString() });
    const { manager } = await start(clock);
    expect(manager.size).toBe(0);
    await clock.advance(60_000);
    await manager.idle();
    expect(await types(id)).toEqual(['ExecutionCreated', 'ExecutionAttemptFailed', 'ExecutionCancelled']);
    await manager.stop();
  });

  it('a push dispatch that failed for good fails the attempt when the policy retries DISPATCH_FAILED', async () => {
    const clock = new ManualClock('2026-04-01T12:00:00.000Z');
    const id = await create(clock, { ...policy, on: ['DISPATCH_FAILED'] });
    const { manager, feed } = await start(clock);
    const at = clock.now().toISOString();
    const dispatch = (command: Parameters<typeof dispatchDecider.decide>[0]) =>
      handleCommand(store, clock, executionStream(id), dispatchDecider, command, newCommandContext('system:dispatcher'));
    await dispatch({ type: 'RecordDispatchAttempt', attempt: 1, url: 'https://executor.example/run', at });
    const outcome = { kind: 'failed', outcome: 'network_error', reason: 'connection refused; giving up', retryable: true, status: null, durationMs: 3, nextAttemptAt: null } as const;
    await dispatch({ type: 'RecordDispatchOutcome', attempt: 1, outcome, at });
    await feed();
    await manager.idle();
    const failed = (await events(id)).find((e) => e.type === 'ExecutionAttemptFailed');
    expect(failed?.data).toMatchObject({ attempt: 1, outcome: 'DISPATCH_FAILED', error: 'connection refused; giving up', retryAt: '2026-04-01T12:00:30.000Z' });
    // The retry is a new dispatch: its deliveries count from 1 again.
    await feed();
    await clock.advance(30_000);
    await manager.idle();
    const { state } = await dispatch({ type: 'RecordDispatchAttempt', attempt: 1, url: 'https://executor.example/run', at: clock.now().toISOString() });
    expect(state).toMatchObject({ attempts: 1, inFlight: 1, execution: { status: 'PENDING', attempt: 2 } });
    await manager.stop();
  });
});
