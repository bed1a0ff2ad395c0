import { BEHIND_DEGRADED_SECONDS, HealthController, LAG_DEGRADED_EVENTS } from '../../src/http/controllers/health-controller';
import { ServerMetrics } from '../../src/http/metrics';
import { ProjectionRegistry, metaKey } from '../../src/projections/projection-registry';
import { ProjectionRunner } from '../../src/projections/projection-runner';
import type { EventStore, NewEvent } from '../../src/stores/events/event-store';
import { ManualClock } from '../support/manual-clock';
import { silentLogger } from '../support/silent-logger';
import { streamStatsProjection } from '../support/stream-stats-projection';
import { makeTempDir } from '../support/temp-dir';
import type { ReadStore } from '../../src/stores/read/read-store';
import { testEvent } from '../support/test-events';
import { itOnEmbeddedEvents, openTestEventStore, openTestReadStore, productionEngines } from '../support/test-stores';

const T0 = '2026-03-01T10:00:00.000Z';
/** EventStoreDB cannot count events cheaply: there lag is null and only the time behind says how far. */
const counted = (events: number) => (productionEngines.eventStoreUrl ? null : events);

function at(iso: string, type = 'Event0'): NewEvent {
  const event = testEvent(type);
  return { ...event, metadata: { ...event.metadata, occurredAt: iso } };
}

/** The value of one sample line (`name{labels} value`); undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/**
 * Health and metrics over real stores and a real runner that only follows (nothing applies until the
 * test starts an applying runner), so a projection stays exactly as far behind as the test makes it.
 */
describe('projection lag in health and metrics', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let events: EventStore;
  let reads: ReadStore;
  let clock: ManualClock;
  const runners: ProjectionRunner[] = [];

  beforeEach(async () => {
    temp = makeTempDir();
    events = openTestEventStore(temp.dir);
    reads = await openTestReadStore(temp.dir);
    clock = new ManualClock(T0);
    await reads.setMeta(metaKey('streamstats'), { version: 1, generation: 1 });
  });
  afterEach(async () => {
    for (const runner of runners.splice(0)) await runner.stop();
    await events.close();
    await reads.close();
    temp.cleanup();
  });

  async function follower(store: EventStore = events) {
    const runner = new ProjectionRunner([streamStatsProjection()], store, reads, new ProjectionRegistry(reads), silentLogger, clock);
    runners.push(runner);
    await runner.follow();
    const services = { events: store, reads, projections: runner, leadership: { isLeader: false, instanceId: 'test' }, unknownEvents: () => [] };
    return { health: () => new HealthController(services).getHealth(), metrics: () => new ServerMetrics(services, () => 0).render() };
  }

  async function catchUp() {
    const leader = new ProjectionRunner([streamStatsProjection()], events, reads, new ProjectionRegistry(reads), silentLogger);
    runners.push(leader);
    await leader.start();
    await leader.whenCaughtUp();
  }

  it('shows events and seconds behind, is degraded past the time threshold, and 0/0 once caught up', async () => {
    await events.append('task-t1', [at(T0), at('2026-03-01T10:00:05.000Z')], 'no_stream');
    const { health, metrics } = await follower();
    clock.set('2026-03-01T10:01:00.000Z');
    expect(await health()).toMatchObject({ status: 'ok', projections: { streamstats: { position: null, lag: counted(2), behind_seconds: 60 } } });
    let text = await metrics();
    expect(sample(text, 'cron_observer_projection_lag_events{projection="streamstats"}')).toBe(counted(2) ?? undefined);
    expect(sample(text, 'cron_observer_projection_behind_seconds{projection="streamstats"}')).toBe(60);

    clock.set(new Date(Date.parse(T0) + (BEHIND_DEGRADED_SECONDS + 1) * 1000));
    expect(await health()).toMatchObject({ status: 'degraded', projections: { streamstats: { lag: counted(2), behind_seconds: BEHIND_DEGRADED_SECONDS + 1 } } });

    await catchUp();
    const caughtUp = await health();
    expect(caughtUp).toMatchObject({ status: 'ok', projections: { streamstats: { lag: 0, behind_seconds: 0 } } });
    expect(caughtUp.projections.streamstats!.position).toBe(String(await events.headPosition()));
    text = await metrics();
    expect(sample(text, 'cron_observer_projection_lag_events{projection="streamstats"}')).toBe(0);
    expect(sample(text, 'cron_observer_projection_behind_seconds{projection="streamstats"}')).toBe(0);
  });

  // Counting events is what it shows: EventStoreDB counts none (the time behind is tested above and below).
  itOnEmbeddedEvents('is degraded when more events than the threshold wait, however recent', async () => {
    const many = Array.from({ length: LAG_DEGRADED_EVENTS + 1 }, () => at(T0));
    for (let i = 0; i < many.length; i += 1000) await events.append(`task-m${i}`, many.slice(i, i + 1000), 'no_stream');
    const { health } = await follower();
    expect(await health()).toMatchObject({ status: 'degraded', projections: { streamstats: { lag: LAG_DEGRADED_EVENTS + 1, behind_seconds: 0 } } });
  });

  it('where the event store cannot count events, shows no event lag and judges by the time behind alone', async () => {
    await events.append('task-t1', [at(T0)], 'no_stream');
    // As EventStoreDB answers: the oldest unread event's time, no count.
    const uncounting: EventStore = Object.assign(Object.create(events) as EventStore, {
      behind: async (position: number | null) => ({ ...(await events.behind(position)), events: null }),
    });
    const { health, metrics } = await follower(uncounting);
    clock.set('2026-03-01T10:00:30.000Z');
    expect(await health()).toMatchObject({ status: 'ok', projections: { streamstats: { lag: null, behind_seconds: 30 } } });
    const text = await metrics();
    expect(text).not.toContain('cron_observer_projection_lag_events{projection="streamstats"}');
    expect(sample(text, 'cron_observer_projection_behind_seconds{projection="streamstats"}')).toBe(30);
    clock.set(new Date(Date.parse(T0) + (BEHIND_DEGRADED_SECONDS + 1) * 1000));
    expect(await health()).toMatchObject({ status: 'degraded', projections: { streamstats: { lag: null } } });
  });
});
