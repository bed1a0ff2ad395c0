import { newCommandContext } from '../../src/commands/command-context';
import { handleCommand, toNewEvent } from '../../src/commands/handle-command';
import { taskGroupDecider } from '../../src/commands/task-group/task-group-decider';
import { ConflictError, PreconditionFailedError } from '../../src/errors/app-error';
import { taskGroupStream } from '../../src/events/streams';
import type { EventStore } from '../../src/stores/events/event-store';
import { ManualClock } from '../support/manual-clock';
import { makeTempDir } from '../support/temp-dir';
import { openTestEventStore } from '../support/test-stores';

/**
 * The command shell with a precondition (If-Match) on the real embedded store: the revision checked is
 * the revision the append expects, so a write that lands between the read and the append is never
 * overwritten.
 */
describe('handleCommand with a revision precondition', () => {
  const clock = new ManualClock('2026-05-01T10:00:00.000Z');
  const context = newCommandContext('user-1');
  const groupId = '3f0c2a8e-2b55-4e0e-9b1e-0d1f2a3b4c5d';
  const stream = taskGroupStream(groupId);
  const update = (description: string) =>
    ({ type: 'UpdateTaskGroup', projectId: 'p1', definition: { name: 'g', description }, at: clock.now().toISOString() }) as const;
  let temp: ReturnType<typeof makeTempDir>;
  let store: EventStore;

  beforeEach(async () => {
    temp = makeTempDir();
    store = openTestEventStore(temp.dir);
    const create = { type: 'CreateTaskGroup', groupId, projectId: 'p1', definition: { name: 'g' }, at: clock.now().toISOString() } as const;
    await handleCommand(store, clock, stream, taskGroupDecider, create, context);
  });
  afterEach(async () => {
    await store.close();
    temp.cleanup();
  });

  /** The store, with another client's update appended right after this command's first read of the stream. */
  function withInterloper(): EventStore {
    let raced = false;
    return Object.assign(Object.create(store) as EventStore, {
      readStream: async (...args: Parameters<EventStore['readStream']>) => {
        const read = await store.readStream(...args);
        if (!raced) {
          raced = true;
          const [event] = taskGroupDecider.decide(update('by the other client'), read.reduce(taskGroupDecider.evolve as never, taskGroupDecider.initialState));
          await store.append(stream, [toNewEvent(event!, context, clock)], read.at(-1)!.revision);
        }
        return read;
      },
    });
  }

  const descriptions = async () => (await store.readStream(stream)).map((e) => (e.data as { description?: string | null }).description ?? null);

  it('refuses with 412 a change whose revision another write took between its read and its append; that write stays', async () => {
    const refused = handleCommand(withInterloper(), clock, stream, taskGroupDecider, update('mine'), context, [0]);
    await expect(refused).rejects.toBeInstanceOf(PreconditionFailedError);
    await expect(refused).rejects.toMatchObject({ details: [expect.stringMatching(/^If-Match: "0" is not the current revision \("1"\)/)] });
    expect(await descriptions()).toEqual([null, 'by the other client']);
  });

  it('without a precondition decides again on the newer state and appends (as before)', async () => {
    const outcome = await handleCommand(withInterloper(), clock, stream, taskGroupDecider, update('mine'), context);
    expect(outcome.revision).toBe(2);
    expect(await descriptions()).toEqual([null, 'by the other client', 'mine']);
  });

  it('applies when the revision is among those accepted; answers what the aggregate would answer anyway before 412', async () => {
    const outcome = await handleCommand(store, clock, stream, taskGroupDecider, update('mine'), context, [5, 0]);
    expect(outcome.revision).toBe(1);
    await expect(handleCommand(store, clock, stream, taskGroupDecider, update('late'), context, [])).rejects.toBeInstanceOf(PreconditionFailedError);
    const disable = { type: 'UpdateTaskGroup', projectId: 'p1', definition: { name: 'g', status: 'DISABLED' }, at: clock.now().toISOString() } as const;
    await handleCommand(store, clock, stream, taskGroupDecider, disable, context);
    const start = { type: 'StartTaskGroup', projectId: 'p1', at: clock.now().toISOString() } as const;
    await expect(handleCommand(store, clock, stream, taskGroupDecider, start, context, [0])).rejects.toBeInstanceOf(ConflictError);
  });
});
