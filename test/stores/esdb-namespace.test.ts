import { randomUUID } from 'node:crypto';
import { ValidationError } from '../../src/errors/app-error';
import { EsdbEventStore } from '../../src/stores/events/esdb-event-store';
import { StreamNamespace } from '../../src/stores/events/esdb-namespace';
import { testEvent } from '../support/test-events';

describe('a stream namespace on EventStoreDB (EVENTSTORE_STREAM_PREFIX)', () => {
  const namespace = new StreamNamespace('team-a.');

  it('stores streams under the prefix and gives them back under their own names', () => {
    expect(namespace.outward('task-t1')).toBe('team-a.task-t1');
    const read = { streamId: 'team-a.task-t1', revision: 3n, type: 'TaskCreated' };
    expect(namespace.inward(read)).toEqual({ streamId: 'task-t1', revision: 3n, type: 'TaskCreated' });
    expect(read.streamId).toBe('team-a.task-t1');
  });

  it('narrows every filter to the namespace, and no filter to the whole namespace', () => {
    expect(namespace.filter(undefined)).toEqual({ streamPrefixes: ['team-a.'] });
    expect(namespace.filter({ streamPrefixes: ['task-', ''] })).toEqual({ streamPrefixes: ['team-a.task-', 'team-a.'] });
    expect(namespace.filter({ streamPrefixes: [] })).toEqual({ streamPrefixes: [] });
  });

  it('without a prefix changes nothing', () => {
    const none = new StreamNamespace();
    const filter = { streamPrefixes: ['task-'] };
    expect(none.outward('task-t1')).toBe('task-t1');
    expect(none.filter(filter)).toBe(filter);
    expect(none.filter(undefined)).toBeUndefined();
  });

  it.each(['$system.', 'no-end', 'a/b.', `${'x'.repeat(64)}.`])('refuses the prefix %j naming the rule', (prefix) => {
    expect(() => new StreamNamespace(prefix)).toThrow(ValidationError);
    expect(() => new StreamNamespace(prefix)).toThrow(/letters, digits/);
  });
});

const url = process.env.EVENTSTORE_URL;
(url ? describe : describe.skip)(`two namespaces on one EventStoreDB server${url ? '' : ' — skipped: EVENTSTORE_URL is not set'}`, () => {
  it('see only their own streams, in reads, the head and subscriptions', async () => {
    const [a, b] = ['a', 'b'].map((name) => EsdbEventStore.connect(url!, { streamPrefix: `${name}-${randomUUID().slice(0, 8)}.` }));
    try {
      await a!.append('task-t1', [testEvent('TaskCreated')], 'no_stream');
      const { position } = await b!.append('task-t1', [testEvent('TaskCreated')], 'no_stream');
      const readA = await a!.readAll();
      expect(readA.map((e) => e.streamId)).toEqual(['task-t1']);
      expect(await a!.headPosition()).toBe(readA[0]!.position);
      expect(await b!.headPosition()).toBe(position);
      expect(await a!.readStream('task-t1')).toHaveLength(1);
      expect(await a!.verifyChain()).toMatchObject({ events: 1, streams: 1, broken: null });
    } finally {
      await a!.close();
      await b!.close();
    }
  });
});
