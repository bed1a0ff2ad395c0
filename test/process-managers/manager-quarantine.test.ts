import type { ProcessManager } from '../../src/process-managers/process-manager';
import { ProcessManagerRunner } from '../../src/process-managers/process-manager-runner';
import {
  POISON_RETRY_DELAYS_MS,
  type QuarantineRecord,
  RETRY_DONE_KEY,
  RETRY_REQUEST_KEY,
  type RetryDone,
  type RetryRequest,
  listQuarantined,
} from '../../src/quarantine/quarantine-store';
import type { RecordedEvent, EventStore } from '../../src/stores/events/event-store';
import type { ReadStore } from '../../src/stores/read/read-store';
import { silentLogger } from '../support/silent-logger';
import { makeTempDir } from '../support/temp-dir';
import { openTestEventStore, openTestReadStore } from '../support/test-stores';
import { testEvent } from '../support/test-events';
import { waitFor } from '../support/wait-for';

/** A manager that records what it applied and cannot apply `Poison` until cured (a bug, later fixed). */
function poisonableManager(state: { cured: boolean; applied: string[] }): ProcessManager {
  return {
    name: 'poisonable',
    filter: { streamPrefixes: ['task-'] },
    apply(event: RecordedEvent) {
      if (event.type === 'Poison' && !state.cured) throw new Error('cannot act on a Poison event');
      state.applied.push(`${event.streamId}:${event.type}`);
    },
  };
}

describe('quarantine of events a process manager cannot apply', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let events: EventStore;
  let reads: ReadStore;
  let runner: ProcessManagerRunner | null = null;

  beforeEach(async () => {
    temp = makeTempDir();
    events = openTestEventStore(temp.dir);
    reads = await openTestReadStore(temp.dir);
  });
  afterEach(async () => {
    await runner?.stop();
    await events.close();
    await reads.close();
    temp.cleanup();
  });

  it('sets the event aside after a few tries, follows the rest, and applies it again on request after the fix', async () => {
    const state = { cured: false, applied: [] as string[] };
    const quarantined: QuarantineRecord[] = [];
    runner = new ProcessManagerRunner([poisonableManager(state)], events, reads, silentLogger);
    runner.onQuarantine = (record) => quarantined.push(record);
    await runner.start();
    await events.append('task-a', [testEvent('Created')], 'no_stream');
    const poison = await events.append('task-b', [testEvent('Poison')], 'no_stream');
    await events.append('task-c', [testEvent('Created')], 'no_stream');
    await runner.waitForPosition(await events.headPosition());
    expect(state.applied).toEqual(['task-a:Created', 'task-c:Created']);
    const records = await listQuarantined(reads);
    expect(records).toEqual([
      expect.objectContaining({
        id: `poisonable@${poison.position}`,
        consumer: 'poisonable',
        kind: 'process-manager',
        generation: null,
        stream: 'task-b',
        revision: 0,
        position: poison.position,
        type: 'Poison',
        error: 'Error: cannot act on a Poison event',
      }),
    ]);
    expect(quarantined.map((r) => r.id)).toEqual([records[0]!.id]);

    // Met again in the replay after a restart, it is set aside at once, and no one is alerted twice.
    await runner.stop();
    state.applied = [];
    await runner.start();
    await runner.waitForPosition(await events.headPosition());
    expect(state.applied).toEqual(['task-a:Created', 'task-c:Created']);
    expect(quarantined).toHaveLength(1);

    // `retry-quarantined` stores a request; the leader answers it.
    state.cured = true;
    await reads.setMeta<RetryRequest>(RETRY_REQUEST_KEY, { id: 1, consumer: null });
    await runner.answerRetryRequest();
    expect(await reads.getMeta<RetryDone>(RETRY_DONE_KEY)).toEqual({ id: 1, outcomes: [{ consumer: 'poisonable', applied: 1, stillFailing: [] }] });
    expect(state.applied).toEqual(['task-a:Created', 'task-c:Created', 'task-b:Poison']);
    expect(await listQuarantined(reads)).toEqual([]);
    // An answered request is not answered again.
    await runner.answerRetryRequest();
    expect(state.applied).toHaveLength(3);
  });

  it('quarantines nothing while a store is down: the event is tried again until the store is back', async () => {
    const outage = { down: false, failures: 0 };
    // The real read store, unreachable while `down` (its ping fails), as is what the manager calls.
    const unreachable = new Proxy(reads, {
      get(target, property, receiver) {
        if (property === 'ping') return () => (outage.down ? Promise.reject(new Error('read store unreachable')) : target.ping());
        const value = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as ReadStore;
    const applied: string[] = [];
    const manager: ProcessManager = {
      name: 'needs-the-store',
      apply(event: RecordedEvent) {
        if (outage.down) {
          outage.failures++;
          throw new Error('read store unreachable');
        }
        applied.push(event.streamId);
      },
    };
    runner = new ProcessManagerRunner([manager], events, unreachable, silentLogger);
    await runner.start();
    outage.down = true;
    await events.append('task-a', [testEvent('Created')], 'no_stream');
    // Past three tries and the stores' probe, and tried again after it.
    await waitFor(() => outage.failures >= 5, { what: 'the manager to keep trying through the outage', timeoutMs: 20_000 });
    outage.down = false;
    await runner.waitForPosition(await events.headPosition());
    expect(applied).toEqual(['task-a']);
    expect(await listQuarantined(reads)).toEqual([]);
  });
  it.each([
    ['throws', false],
    ['rejects (an asynchronous apply)', true],
  ])('tries an event that %s once and then once per retry delay, before setting it aside', async (_how, asynchronous) => {
    const tries: string[] = [];
    const failing: ProcessManager = {
      name: 'failing',
      filter: { streamPrefixes: ['task-'] },
      apply(event: RecordedEvent) {
        tries.push(event.type);
        if (event.type !== 'Poison') return asynchronous ? Promise.resolve() : undefined;
        const error = new Error('cannot act on a Poison event');
        if (asynchronous) return Promise.reject(error);
        throw error;
      },
    };
    runner = new ProcessManagerRunner([failing], events, reads, silentLogger);
    await runner.start();
    await events.append('task-b', [testEvent('Poison')], 'no_stream');
    await events.append('task-c', [testEvent('Created')], 'no_stream');
    await runner.waitForPosition(await events.headPosition());

    expect(tries).toEqual([...Array(1 + POISON_RETRY_DELAYS_MS.length).fill('Poison'), 'Created']);
    expect((await listQuarantined(reads)).map((record) => record.type)).toEqual(['Poison']);
  });
});
