import { handleCommand, loadAggregate } from '../../src/commands/handle-command';
import { newCommandContext } from '../../src/commands/command-context';
import { systemClock } from '../../src/time/clock';
import { StreamDeletedError } from '../../src/errors/store-errors';
import type { EventStore } from '../../src/stores/events/event-store';
import { makeTempDir } from '../support/temp-dir';
import { openTestEventStore } from '../support/test-stores';
import { testEvent } from '../support/test-events';

/** The state is the list of event types folded so far. */
const typesDecider = { initialState: [] as string[], evolve: (state: string[], event: { type: string }) => [...state, event.type] };

describe('loadAggregate from a state the caller already folded', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let events: EventStore;

  beforeEach(() => {
    temp = makeTempDir();
    events = openTestEventStore(temp.dir);
  });
  afterEach(async () => {
    await events.close();
    temp.cleanup();
  });

  it('reads and folds only the events after the known revision, to the same state as a full load', async () => {
    await events.append('alerts-t', ['A', 'B', 'C', 'D', 'E'].map((type) => testEvent(type)), 'no_stream');
    const full = await loadAggregate(events, 'alerts-t', typesDecider);
    const reads = jest.spyOn(events, 'readStream');
    const resumed = await loadAggregate(events, 'alerts-t', typesDecider, { state: ['A', 'B', 'C'], revision: 2 });
    expect(resumed).toEqual(full);
    expect(resumed).toEqual({ state: ['A', 'B', 'C', 'D', 'E'], revision: 4 });
    expect(reads).toHaveBeenCalledWith('alerts-t', { fromRevision: 3 });
    // Known up to the end: nothing new, the known state and revision.
    expect(await loadAggregate(events, 'alerts-t', typesDecider, { state: full.state, revision: 4 })).toEqual(full);
  });

  it('still fails on a deleted stream', async () => {
    await events.append('alerts-gone', [testEvent('A')], 'no_stream');
    await events.deleteStream('alerts-gone');
    await expect(loadAggregate(events, 'alerts-gone', typesDecider, { state: ['A'], revision: 0 })).rejects.toBeInstanceOf(StreamDeletedError);
  });

  it('reads nothing for a stream the caller has just named, and decides again on the stream when it exists after all', async () => {
    const reads = jest.spyOn(events, 'readStream');
    expect(await loadAggregate(events, 'execution-new', typesDecider, { state: [], revision: 'no_stream' })).toEqual({ state: [], revision: 'no_stream' });
    expect(reads).not.toHaveBeenCalled();
    // Create-once: on a stream that already exists, the append expecting none is refused and the command
    // is decided again on what the stream holds.
    await events.append('execution-taken', [testEvent('Created')], 'no_stream');
    const createOnce = { ...typesDecider, decide: (_command: unknown, state: string[]) => (state.length === 0 ? [{ type: 'Created', data: {} }] : []) };
    const outcome = await handleCommand(events, systemClock, 'execution-taken', createOnce, {}, newCommandContext('user:test'), undefined, { state: [], revision: 'no_stream' });
    expect(outcome.events).toEqual([]);
    expect(outcome.state).toEqual(['Created']);
    expect((await events.readStream('execution-taken')).map((event) => event.type)).toEqual(['Created']);
  });
});
