import { UnavailableError } from '../../src/errors/app-error';
import type { Projection } from '../../src/projections/projection';
import { ProjectionRegistry } from '../../src/projections/projection-registry';
import { ProjectionRunner } from '../../src/projections/projection-runner';
import { QuarantineAlerter } from '../../src/quarantine/quarantine-alerts';
import { QUARANTINE_COLLECTION, type QuarantineRecord, listQuarantined } from '../../src/quarantine/quarantine-store';
import type { EventStore } from '../../src/stores/events/event-store';
import type { PositionedOperation, ReadStore } from '../../src/stores/read/read-store';
import { silentLogger } from '../support/silent-logger';
import { streamStatsProjection } from '../support/stream-stats-projection';
import { makeTempDir } from '../support/temp-dir';
import { openTestEventStore, openTestReadStore } from '../support/test-stores';
import { testEvent } from '../support/test-events';
import { waitFor } from '../support/wait-for';

/**
 * streamstats, except that it cannot apply `Poison` events until `cured` is set: a bug in a projection,
 * later fixed, as the projection's own code sees it.
 */
function poisonableProjection(state: { cured: boolean }): Projection {
  const inner = streamStatsProjection();
  return {
    ...inner,
    handle(event, reader) {
      if (event.type === 'Poison' && !state.cured) throw new Error('cannot apply a Poison event');
      return inner.handle(event, reader);
    },
  };
}

/**
 * The real read store, made to fail every write while `down` (a disk or server outage), or only the
 * writes `affects` picks, with the error `failure` makes.
 */
function failingWhileDown(
  store: ReadStore,
  {
    failure = () => new Error('SQLITE_IOERR: disk I/O error'),
    affects = () => true,
  }: { failure?: () => Error; affects?: (operations: PositionedOperation[]) => boolean } = {},
): { reads: ReadStore; setDown(down: boolean): void; failedWrites(): number } {
  let down = false;
  let failed = 0;
  const reads = new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'applyBatch') {
        return (...args: Parameters<ReadStore['applyBatch']>) => {
          if (down && affects(args[0])) {
            failed++;
            return Promise.reject(failure());
          }
          return target.applyBatch(...args);
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { reads, setDown: (d) => (down = d), failedWrites: () => failed };
}

describe('quarantine of events a projection cannot apply', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let events: EventStore;
  let store: ReadStore;
  const runners: ProjectionRunner[] = [];

  beforeEach(async () => {
    temp = makeTempDir();
    events = openTestEventStore(temp.dir);
    store = await openTestReadStore(temp.dir);
  });
  afterEach(async () => {
    for (const runner of runners.splice(0)) await runner.stop();
    await events.close();
    await store.close();
    temp.cleanup();
  });

  function start(projection: Projection, reads: ReadStore = store) {
    const registry = new ProjectionRegistry(reads);
    const runner = new ProjectionRunner([projection], events, reads, registry, silentLogger);
    const quarantined: QuarantineRecord[] = [];
    runner.onQuarantine = (record) => quarantined.push(record);
    runners.push(runner);
    return { runner, registry, quarantined };
  }

  async function streamTypes(registry: ProjectionRegistry, stream: string): Promise<string[] | undefined> {
    return (await store.get<{ id: string; types: string[] }>(registry.collection('streamstats', 'streams'), stream))?.types;
  }

  it('sets the event aside, applies the rest of its batch and everything after, and re-applies it after the fix', async () => {
    const state = { cured: false };
    await events.append('task-a', [testEvent('Created'), testEvent('Renamed')], 'no_stream');
    const poison = await events.append('task-b', [testEvent('Poison')], 'no_stream');
    await events.append('task-c', [testEvent('Created')], 'no_stream');
    const { runner, registry, quarantined } = start(poisonableProjection(state));
    await runner.start();
    await runner.whenCaughtUp();

    // The batch around it was applied, and the checkpoint is past it.
    expect(await streamTypes(registry, 'task-a')).toEqual(['Created', 'Renamed']);
    expect(await streamTypes(registry, 'task-c')).toEqual(['Created']);
    expect(await streamTypes(registry, 'task-b')).toBeUndefined();
    const [status] = await runner.status();
    expect(status).toMatchObject({ lag: 0, error: null });
    const records = await listQuarantined(store);
    expect(records).toEqual([
      expect.objectContaining({
        consumer: 'streamstats',
        kind: 'projection',
        generation: 1,
        stream: 'task-b',
        revision: 0,
        position: poison.position,
        type: 'Poison',
        error: 'Error: cannot apply a Poison event',
      }),
    ]);
    expect(quarantined.map((r) => r.id)).toEqual([records[0]!.id]);

    // Live: a new event is applied at once, the poison is not tried again.
    await events.append('task-d', [testEvent('Created')], 'no_stream');
    await runner.whenCaughtUp();
    expect(await streamTypes(registry, 'task-d')).toEqual(['Created']);
    expect(quarantined).toHaveLength(1);

    // Still broken: the retry keeps it (under the rebuilt generation), with the error.
    const [still] = await runner.retryQuarantined(undefined, { stayLive: true });
    expect(still).toEqual({ consumer: 'streamstats', applied: 0, stillFailing: [{ id: 'streamstats#2@' + poison.position, error: 'Error: cannot apply a Poison event' }] });
    expect((await listQuarantined(store)).map((r) => r.id)).toEqual(['streamstats#2@' + poison.position]);
    state.cured = true;
    expect(await runner.retryQuarantined('streamstats', { stayLive: true })).toEqual([{ consumer: 'streamstats', applied: 1, stillFailing: [] }]);
    expect(await streamTypes(registry, 'task-b')).toEqual(['Poison']);
    expect(await listQuarantined(store)).toEqual([]);
    // Exactly as if it had never failed: the counter the later events had already moved counts it too.
    const categories = await store.get<{ id: string; events: number }>(registry.collection('streamstats', 'categories'), 'task');
    expect(categories?.events).toBe(5);
    // Nothing to retry: nothing is rebuilt.
    expect(await runner.retryQuarantined()).toEqual([]);
    expect(registry.generationOf('streamstats')?.generation).toBe(3);
  });

  it('sets aside each poison event of a large batch and applies all the others, exactly once', async () => {
    for (let i = 0; i < 120; i++) await events.append(`task-${i}`, [testEvent(i === 10 || i === 75 ? 'Poison' : 'Created')], 'no_stream');
    const { runner, registry } = start(poisonableProjection({ cured: false }));
    await runner.start();
    await runner.whenCaughtUp();
    expect((await listQuarantined(store)).map((r) => r.stream)).toEqual(['task-10', 'task-75']);
    const categories = await store.get<{ id: string; events: number }>(registry.collection('streamstats', 'categories'), 'task');
    expect(categories?.events).toBe(118);
    expect(await streamTypes(registry, 'task-119')).toEqual(['Created']);
  });

  it('records that no alert went out when no mail server is configured', async () => {
    await events.append('task-a', [testEvent('Poison')], 'no_stream');
    const { runner } = start(poisonableProjection({ cured: false }));
    const alerter = new QuarantineAlerter(store, null, 'http://localhost:8080', silentLogger);
    runner.onQuarantine = (record) => alerter.quarantined(record);
    await runner.start();
    await runner.whenCaughtUp();
    await alerter.settled();
    expect((await listQuarantined(store)).map((r) => r.alert)).toEqual(['not sent: no mail server']);
  });

  it('a rebuilt generation quarantines it again under its own generation; the old generation\'s records go with it', async () => {
    await events.append('task-a', [testEvent('Created'), testEvent('Poison'), testEvent('Renamed')], 'no_stream');
    const { runner, registry } = start(poisonableProjection({ cured: false }));
    await runner.start();
    await runner.whenCaughtUp();
    expect((await listQuarantined(store)).map((r) => r.generation)).toEqual([1]);
    await runner.rebuild('streamstats', { stayLive: true });
    expect((await listQuarantined(store)).map((r) => r.generation)).toEqual([2]);
    expect(await streamTypes(registry, 'task-a')).toEqual(['Created', 'Renamed']);
  });

  it('quarantines nothing while the read store is down: it retries and applies everything once the store is back', async () => {
    const { reads, setDown, failedWrites } = failingWhileDown(store);
    const { runner, registry } = start(streamStatsProjection(), reads);
    await runner.start();
    setDown(true);
    await events.append('task-a', [testEvent('Created'), testEvent('Renamed')], 'no_stream');
    await events.append('task-b', [testEvent('Created')], 'no_stream');
    // Past the point where a poison event would have been quarantined (three tries alone, then the probe write).
    await waitFor(() => failedWrites() >= 6, { what: 'the runner to retry through an outage', timeoutMs: 20_000 });
    expect((await runner.status())[0]!.error).toMatch(/disk I\/O error/);
    setDown(false);
    await runner.whenCaughtUp(20_000);
    expect(await listQuarantined(store)).toEqual([]);
    expect(await streamTypes(registry, 'task-a')).toEqual(['Created', 'Renamed']);
    expect(await streamTypes(registry, 'task-b')).toEqual(['Created']);
    await waitFor(async () => (await runner.status())[0]!.error === null, { what: 'the error to clear' });
  });

  it('quarantines nothing when the store stays busy for the event\'s writes while its bookkeeping writes go through', async () => {
    // SQLITE_BUSY past the busy timeout on a loaded machine: the probe write may get the lock and the event's own write not.
    const { reads, setDown, failedWrites } = failingWhileDown(store, {
      failure: () => new UnavailableError('Read store: database is locked'),
      affects: (operations) => operations.some((operation) => operation.collection !== QUARANTINE_COLLECTION),
    });
    const { runner, registry } = start(streamStatsProjection(), reads);
    await runner.start();
    setDown(true);
    await events.append('task-a', [testEvent('Created'), testEvent('Renamed')], 'no_stream');
    await waitFor(() => failedWrites() >= 8, { what: 'the runner to retry through a busy store', timeoutMs: 20_000 });
    expect(await listQuarantined(store)).toEqual([]);
    setDown(false);
    await runner.whenCaughtUp(20_000);
    expect(await listQuarantined(store)).toEqual([]);
    expect(await streamTypes(registry, 'task-a')).toEqual(['Created', 'Renamed']);
  });
});
