import { CheckpointSaves } from '../../src/projections/checkpoint-saves';
import type { Position } from '../../src/stores/events/event-store';
import { waitFor } from '../support/wait-for';

/** A promise and the functions that settle it. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('checkpoint saves', () => {
  let reached: Position | null;
  let stored: Position[];
  let failures: unknown[];
  let store: (position: Position) => Promise<void>;
  let saves: CheckpointSaves;

  beforeEach(() => {
    reached = null;
    stored = [];
    failures = [];
    store = async (position) => void stored.push(position);
    saves = new CheckpointSaves(
      () => reached,
      (position) => store(position),
      (err) => failures.push(err),
    );
  });

  /** A save of `position` started, which lands when `landed` is resolved. */
  function saveUnderWay(position: Position) {
    const landed = deferred();
    store = async (at) => {
      await landed.promise;
      stored.push(at);
    };
    reached = position;
    saves.searchedPast();
    return { landed, saving: saves.saveNow() };
  }

  it('saves a searched-past position once, however many searches came before the save', async () => {
    for (reached = 10; reached < 20; reached++) saves.searchedPast();
    await saves.saveNow();
    await saves.saveNow();
    expect(stored).toEqual([20]);
  });

  it('saves a searched-past position by itself soon after, with no stop', async () => {
    reached = 7;
    saves.searchedPast();
    await waitFor(async () => stored.length === 1);
    expect(stored).toEqual([7]);
  });

  it('writes nothing the store already holds: the checkpoint read at the start, or one a batch wrote', async () => {
    saves.stored(5);
    reached = 5;
    saves.searchedPast();
    await saves.saveNow();
    await saves.write(async () => undefined);
    saves.wrote(9);
    reached = 9;
    saves.searchedPast();
    await saves.saveNow();
    expect(stored).toEqual([]);
  });

  it('saves nothing while a batch writes, and saves the position reached after that write', async () => {
    const batch = deferred();
    reached = 3;
    const writing = saves.write(() => batch.promise);
    saves.searchedPast();
    await saves.saveNow();
    expect(stored).toEqual([]);
    batch.resolve();
    await writing;
    saves.wrote(3);
    reached = 4;
    await waitFor(async () => stored.length === 1);
    expect(stored).toEqual([4]);
  });

  it('holds a batch write back until a save under way has landed, so the older position lands first', async () => {
    const { landed, saving } = saveUnderWay(2);
    const order: string[] = [];
    const writing = saves.write(async () => void order.push(`batch after ${stored.length} saves`));
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual([]);
    landed.resolve();
    await Promise.all([saving, writing]);
    expect(order).toEqual(['batch after 1 saves']);
  });

  it('saves a position reached while a save was under way, with no search after it', async () => {
    const { landed, saving } = saveUnderWay(2);
    reached = 3;
    saves.searchedPast();
    landed.resolve();
    await saving;
    await waitFor(async () => stored.length === 2);
    expect(stored).toEqual([2, 3]);
  });

  it('reports a failed save and saves again at the next search', async () => {
    store = async () => {
      throw new Error('disk full');
    };
    reached = 1;
    saves.searchedPast();
    await saves.saveNow();
    expect(failures).toEqual([new Error('disk full')]);
    store = async (position) => void stored.push(position);
    reached = 2;
    saves.searchedPast();
    await saves.saveNow();
    expect(stored).toEqual([2]);
  });
});
