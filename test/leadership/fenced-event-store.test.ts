import { StaleFencingTokenError } from '../../src/errors/store-errors';
import { fencedEventStore } from '../../src/leadership/fenced-event-store';
import { makeTempDir } from '../support/temp-dir';
import { openTestEventStore } from '../support/test-stores';
import { testEvent } from '../support/test-events';

describe("a term's fenced view of the event store", () => {
  const temp = makeTempDir('fenced-event-store-');
  const events = openTestEventStore(temp.dir);
  afterAll(async () => {
    await events.close();
    temp.cleanup();
  });

  it('writes with the term token, and once a newer term raised the fence, refuses every write and says so', async () => {
    const lost: StaleFencingTokenError[] = [];
    const term3 = fencedEventStore(events, 3, (error) => lost.push(error));
    await term3.append('task-1', [testEvent('A')], 'no_stream');
    // The term's write raised the fence to its token: an older term is refused.
    await expect(fencedEventStore(events, 2, () => undefined).append('task-1', [testEvent('B')], 'any')).rejects.toBeInstanceOf(StaleFencingTokenError);

    await events.raiseFence(4);
    await expect(term3.append('task-1', [testEvent('C')], 0)).rejects.toMatchObject({ token: 3, fence: 4 });
    await expect(term3.deleteStream('task-1')).rejects.toBeInstanceOf(StaleFencingTokenError);
    expect(lost.map((e) => [e.token, e.fence])).toEqual([
      [3, 4],
      [3, 4],
    ]);
    // Reads go on, and nothing of the refused writes is there.
    expect((await term3.readStream('task-1')).map((e) => e.type)).toEqual(['A']);
    expect(await term3.headPosition()).toBe(await events.headPosition());
  });
});
