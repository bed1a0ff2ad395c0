/**
 * The EventStore contract: every adapter runs this suite (test/stores/<adapter>-event-store.test.ts).
 *
 * It must pass against a shared server that holds other events, so it only uses the port, names every
 * stream (and most categories) after a fresh UUID, and reads `$all` only through prefix filters on the
 * streams it created.
 */
import { createHash, randomUUID } from 'node:crypto';
import canonicalize from 'canonicalize';
import { ValidationError } from '../../src/errors/app-error';
import {
  EventTooLargeError,
  InvalidStreamNameError,
  StaleFencingTokenError,
  StreamDeletedError,
  StreamNotFoundError,
  WrongExpectedRevisionError,
} from '../../src/errors/store-errors';
import {
  type EventStore,
  type ExpectedRevision,
  MAX_EVENT_BYTES,
  type NewEvent,
  type RecordedEvent,
  type StoredEvent,
  type Subscription,
} from '../../src/stores/events/event-store';
import { waitFor } from '../support/wait-for';

export type OpenEventStore = () => Promise<{ store: EventStore; cleanup: () => Promise<void> }>;

export function describeEventStoreContract(adapterName: string, open: OpenEventStore): void {
  describe(`EventStore contract: ${adapterName}`, () => {
    let store: EventStore;
    let cleanup: () => Promise<void>;

    beforeAll(async () => {
      ({ store, cleanup } = await open());
    });
    afterAll(async () => {
      await cleanup();
    });

    describe('append and readStream', () => {
      it('appends to a new stream and reads back type, data, metadata, revisions from 0 and positions', async () => {
        const stream = newStream();
        const events = [
          newEvent('TaskCreated', { n: 1 }),
          newEvent('TaskRenamed', { name: 'ä ✓' }),
          newEvent('TaskPaused', null),
        ];

        const result = await store.append(stream, events, 'no_stream');
        const read = await store.readStream(stream);

        expect(result.nextExpectedRevision).toBe(2);
        expect(read.map((e) => e.revision)).toEqual([0, 1, 2]);
        expect(read.map(({ type, data, metadata }) => ({ type, data, metadata }))).toEqual(events);
        expect(read.every((e) => e.streamId === stream)).toBe(true);
        expectStrictlyIncreasing(read.map((e) => e.position));
        expect(read[2].position).toBe(result.position);
      });

      it('gives later appends higher positions, across streams, and headPosition follows', async () => {
        const first = await store.append(newStream(), [newEvent()], 'no_stream');
        const second = await store.append(newStream(), [newEvent()], 'no_stream');

        expect(second.position).toBeGreaterThan(first.position);
        expect(await store.headPosition()).toBeGreaterThanOrEqual(second.position);
      });

      it('checks the expected revision and names expected and actual on a mismatch', async () => {
        const stream = newStream();

        await expectWrongRevision(store.append(stream, [newEvent()], 'stream_exists'), 'stream_exists', 'no_stream');
        await expectWrongRevision(store.append(stream, [newEvent()], 0), 0, 'no_stream');
        expect((await store.append(stream, [newEvent()], 'no_stream')).nextExpectedRevision).toBe(0);
        await expectWrongRevision(store.append(stream, [newEvent()], 'no_stream'), 'no_stream', 0);
        expect((await store.append(stream, [newEvent()], 0)).nextExpectedRevision).toBe(1);
        await expectWrongRevision(store.append(stream, [newEvent()], 0), 0, 1);
        await expectWrongRevision(store.append(stream, [newEvent()], 2), 2, 1);
        expect((await store.append(stream, [newEvent()], 'stream_exists')).nextExpectedRevision).toBe(2);
        expect((await store.append(stream, [newEvent(), newEvent()], 'any')).nextExpectedRevision).toBe(4);

        // Rejected appends wrote nothing.
        expect(await store.readStream(stream)).toHaveLength(5);
      });

      it('accepts an empty append as a pure revision check', async () => {
        const stream = newStream();

        await expect(store.append(stream, [], 'no_stream')).resolves.toBeDefined();
        await expectWrongRevision(store.append(stream, [], 'stream_exists'), 'stream_exists', 'no_stream');
        await expect(store.readStream(stream)).rejects.toBeInstanceOf(StreamNotFoundError);

        await store.append(stream, [newEvent()], 'no_stream');
        expect((await store.append(stream, [], 0)).nextExpectedRevision).toBe(0);
        await expectWrongRevision(store.append(stream, [], 1), 1, 0);
        expect(await store.readStream(stream)).toHaveLength(1);
      });

      it.each(['', '$all', 'Task-1', 'task', 'task-', '-1', 'task 1-x'])('rejects the stream name %j', async (name) => {
        await expect(store.append(name, [newEvent()], 'any')).rejects.toBeInstanceOf(InvalidStreamNameError);
        await expect(store.readStream(name)).rejects.toBeInstanceOf(InvalidStreamNameError);
      });

      it('rejects an event larger than MAX_EVENT_BYTES and stores none of its batch', async () => {
        const stream = newStream();
        // Multi-byte characters: under the limit in characters, over it in UTF-8 bytes.
        const big = newEvent('TaskCreated', { text: 'é'.repeat(MAX_EVENT_BYTES / 2 + 16) });

        await expect(store.append(stream, [newEvent(), big, newEvent()], 'any')).rejects.toBeInstanceOf(EventTooLargeError);
        await expect(store.readStream(stream)).rejects.toBeInstanceOf(StreamNotFoundError);
      });

      it('accepts a large event within MAX_EVENT_BYTES', async () => {
        const stream = newStream();
        const large = newEvent('TaskCreated', { text: 'x'.repeat(MAX_EVENT_BYTES / 2) });

        await store.append(stream, [large], 'no_stream');
        expect((await store.readStream(stream))[0].data).toEqual(large.data);
      });

      it('reads forwards and backwards from a revision, inclusive, up to maxCount', async () => {
        const stream = newStream();
        await store.append(stream, Array.from({ length: 10 }, (_, n) => newEvent('TaskTicked', { n })), 'no_stream');
        const revisions = async (options: Parameters<EventStore['readStream']>[1]) =>
          (await store.readStream(stream, options)).map((e) => e.revision);

        expect(await revisions({ fromRevision: 3, maxCount: 4 })).toEqual([3, 4, 5, 6]);
        expect(await revisions({ fromRevision: 8, maxCount: 10 })).toEqual([8, 9]);
        expect(await revisions({ fromRevision: 'start', maxCount: 2 })).toEqual([0, 1]);
        expect(await revisions({ fromRevision: 6, direction: 'backwards', maxCount: 3 })).toEqual([6, 5, 4]);
        expect(await revisions({ direction: 'backwards', maxCount: 2 })).toEqual([9, 8]);
        expect(await revisions({ fromRevision: 'end', direction: 'backwards', maxCount: 1 })).toEqual([9]);
        expect(await revisions({ direction: 'backwards' })).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
        expect(await revisions({ fromRevision: 'end' })).toEqual([]);
        expect(await revisions({ fromRevision: 20 })).toEqual([]);
      });

      it('throws StreamNotFoundError for an unknown stream', async () => {
        await expect(store.readStream(newStream())).rejects.toBeInstanceOf(StreamNotFoundError);
      });
    });

    describe('readAll', () => {
      /** Streams of two fresh categories, one the other's prefix (like `task` and `taskgroup`), interleaved. */
      async function seed() {
        const category = newCategory();
        const streams = [`${category}-a`, `${category}group-b`, `${category}-c`, `${category}group-b`, `${category}-a`];
        const appended: RecordedEvent[] = [];
        for (const stream of streams) {
          const event = newEvent('Seeded', { stream });
          const { position, nextExpectedRevision } = await store.append(stream, [event], 'any');
          appended.push({ ...event, streamId: stream, revision: nextExpectedRevision, position });
        }
        const ids = (predicate: (e: RecordedEvent) => boolean) => appended.filter(predicate).map((e) => e.metadata.eventId);
        return { category, appended, ids };
      }
      const readIds = async (...args: Parameters<EventStore['readAll']>) =>
        (await store.readAll(...args)).map((e) => e.metadata.eventId);

      it('returns events of the streams starting with a prefix, in global order, as written', async () => {
        const { category, appended } = await seed();

        const read = await store.readAll({ filter: { streamPrefixes: [category] } });

        expect(read).toEqual(appended);
      });

      it('treats prefixes as string prefixes of the stream name', async () => {
        const { category, ids } = await seed();

        const startingWith = (prefix: string) => readIds({ filter: { streamPrefixes: [prefix] } });

        expect(await startingWith(`${category}-`)).toEqual(ids((e) => e.streamId.startsWith(`${category}-`)));
        expect(await startingWith(`${category}group-`)).toEqual(ids((e) => e.streamId.startsWith(`${category}group-`)));
        expect(await startingWith(`${category}-a`)).toEqual(ids((e) => e.streamId === `${category}-a`));
      });

      it('combines several prefixes without duplicates', async () => {
        const { category, ids } = await seed();

        expect(await readIds({ filter: { streamPrefixes: [`${category}-a`, `${category}group-`] } })).toEqual(
          ids((e) => e.streamId === `${category}-a` || e.streamId.startsWith(`${category}group-`)),
        );
        const overlapping = [`${category}-`, `${category}-a`, category];
        expect(await readIds({ filter: { streamPrefixes: overlapping } })).toEqual(ids(() => true));
      });

      it('reads strictly after a position, up to maxCount', async () => {
        const { category, appended, ids } = await seed();
        const filter = { streamPrefixes: [category] };

        expect(await readIds({ filter, after: appended[1].position })).toEqual(ids((e) => e.position > appended[1].position));
        expect(await readIds({ filter, maxCount: 2 })).toEqual(ids((e) => e.position <= appended[1].position));
        expect(await readIds({ filter, after: appended[1].position, maxCount: 2 })).toEqual(
          ids((e) => e.position > appended[1].position && e.position <= appended[3].position),
        );
        expect(await readIds({ filter, after: appended[4].position })).toEqual([]);
      });

      it('reads the same events page by page (readAllPages), after a position and through another, each page non-empty', async () => {
        const { category, appended } = await seed();
        const filter = { streamPrefixes: [`${category}-`] };
        const pages: RecordedEvent[][] = [];
        for await (const page of store.readAllPages({ filter, after: appended[0].position, through: appended[4].position, pageSize: 1 })) pages.push(page);

        expect(pages.flat()).toEqual(appended.filter((e, i) => i > 0 && e.streamId.startsWith(`${category}-`)));
        expect(pages.every((page) => page.length === 1)).toBe(true);
        const through3: RecordedEvent[] = [];
        for await (const page of store.readAllPages({ filter: { streamPrefixes: [category] }, through: appended[3].position })) through3.push(...page);
        expect(through3.slice(-4)).toEqual(appended.slice(0, 4));
      });
    });

    describe('deleteStream (tombstone)', () => {
      it('refuses every later append and read of the stream', async () => {
        const stream = newStream();
        await store.append(stream, [newEvent(), newEvent()], 'no_stream');

        await store.deleteStream(stream);

        const expectations: ExpectedRevision[] = ['any', 'no_stream', 'stream_exists', 1, 2];
        for (const expected of expectations) {
          await expect(store.append(stream, [newEvent()], expected)).rejects.toBeInstanceOf(StreamDeletedError);
          await expect(store.append(stream, [], expected)).rejects.toBeInstanceOf(StreamDeletedError);
        }
        await expect(store.readStream(stream)).rejects.toBeInstanceOf(StreamDeletedError);
        await expect(store.readStream(stream, { direction: 'backwards' })).rejects.toBeInstanceOf(StreamDeletedError);
        await expect(store.deleteStream(stream)).rejects.toBeInstanceOf(StreamDeletedError);
      });

      it('keeps the events written before the tombstone in $all, for audit and rebuilds', async () => {
        const stream = newStream();
        const events = [newEvent(), newEvent()];
        await store.append(stream, events, 'no_stream');

        await store.deleteStream(stream);

        const ids = (await store.readAll({ filter: { streamPrefixes: [stream] } })).map((e) => e.metadata.eventId);
        expect(ids).toEqual(expect.arrayContaining(events.map((e) => e.metadata.eventId)));
      });

      it('checks the expected revision before deleting', async () => {
        const stream = newStream();
        await store.append(stream, [newEvent()], 'no_stream');

        await expectWrongRevision(store.deleteStream(stream, 5), 5, 0);
        expect(await store.readStream(stream)).toHaveLength(1);
        await store.deleteStream(stream, 0);
        await expect(store.readStream(stream)).rejects.toBeInstanceOf(StreamDeletedError);
      });

      it('tombstones a name that never had events, so it can never be created', async () => {
        const stream = newStream();

        await store.deleteStream(stream, 'any');

        await expect(store.append(stream, [newEvent()], 'no_stream')).rejects.toBeInstanceOf(StreamDeletedError);
      });
    });

    describe('fencing (the leader fence)', () => {
      /**
       * The fence is one for the whole store (on a shared server it holds every run's tokens), so each
       * test starts above any token granted before: milliseconds since 1970 only grow.
       */
      let base = 0;
      beforeEach(() => {
        base = Math.max(base + 100, Date.now() * 10);
      });

      async function expectStale(write: Promise<unknown>, token: number, fence: number): Promise<void> {
        const error = await write.then(
          () => null,
          (err: unknown) => err,
        );
        expect(error).toBeInstanceOf(StaleFencingTokenError);
        expect(error).toMatchObject({ token, fence });
      }

      it('refuses a write whose token is older than the newest raised, and stores none of it', async () => {
        const stream = newStream();
        await store.raiseFence(base + 1);

        await expectStale(store.append(stream, [newEvent(), newEvent()], 'any', { fencingToken: base }), base, base + 1);
        await expect(store.readStream(stream)).rejects.toBeInstanceOf(StreamNotFoundError);
        await store.append(stream, [newEvent()], 'no_stream', { fencingToken: base + 1 });
        await expectStale(store.deleteStream(stream, 'any', { fencingToken: base }), base, base + 1);
        expect(await store.readStream(stream)).toHaveLength(1);
        // Writes that carry no token (requests, not a leader's process managers) are not fenced.
        await store.append(stream, [newEvent()], 0);
        expect(await store.readStream(stream)).toHaveLength(2);
      });

      it('a write with a newer token raises the fence: the older term is refused from then on', async () => {
        const stream = newStream();
        await store.append(stream, [newEvent()], 'no_stream', { fencingToken: base + 1 });
        await store.append(stream, [newEvent()], 0, { fencingToken: base + 2 });

        await expectStale(store.append(stream, [newEvent()], 'any', { fencingToken: base + 1 }), base + 1, base + 2);
        await expectStale(store.raiseFence(base + 1), base + 1, base + 2);
        expect(await store.readStream(stream)).toHaveLength(2);
      });

      it('raising the fence to the token it has is a no-op, and bad tokens are refused', async () => {
        await store.raiseFence(base + 3);
        await store.raiseFence(base + 3);
        await store.append(newStream(), [newEvent()], 'any', { fencingToken: base + 3 });
        for (const bad of [0, -1, 1.5, Number.NaN]) {
          await expect(store.raiseFence(bad)).rejects.toBeInstanceOf(ValidationError);
          await expect(store.append(newStream(), [newEvent()], 'any', { fencingToken: bad })).rejects.toBeInstanceOf(ValidationError);
        }
      });
    });

    describe('subscribeToAll', () => {
      it('catches up from a checkpoint, then delivers live events, and close() ends the iteration', async () => {
        const stream = newStream();
        const stored = [newEvent(), newEvent(), newEvent()];
        await store.append(stream, stored, 'no_stream');
        const [first] = await store.readStream(stream, { maxCount: 1 });

        const subscription = store.subscribeToAll({ after: first.position, filter: { streamPrefixes: [stream] } });
        const consumer = consume(subscription);
        await waitFor(() => consumer.events.length === 2, { what: 'the catch-up events' });
        const live = [newEvent(), newEvent()];
        await store.append(stream, live, 2);
        await waitFor(() => consumer.events.length === 4, { what: 'the live events' });
        await subscription.close();
        await consumer.done;

        const expected = [...stored.slice(1), ...live].map((e) => e.metadata.eventId);
        expect(consumer.events.map((e) => e.metadata.eventId)).toEqual(expected);
        expect(consumer.events.map((e) => e.revision)).toEqual([1, 2, 3, 4]);
      });

      it('ends an iteration waiting for live events when closed', async () => {
        const filter = { streamPrefixes: [newStream()] };
        const subscription = store.subscribeToAll({ after: await store.headPosition(), filter });
        const consumer = consume(subscription);

        await subscription.close();

        await expect(consumer.done).resolves.toBeUndefined();
        expect(consumer.events).toEqual([]);
      });

      it('gives each subscriber, fast or slow, every event exactly once in global order while 8 appenders write', async () => {
        const category = newCategory();
        const filter = { streamPrefixes: [`${category}-`] };
        const written: string[] = [];
        const fast = consume(store.subscribeToAll({ after: null, filter, maxBatch: 50 }));
        let slow: ReturnType<typeof consume> | undefined;

        const appenders = Array.from({ length: 8 }, async (_, appender) => {
          const stream = `${category}-${appender}`;
          let expected: ExpectedRevision = 'no_stream';
          for (let append = 0; append < 40; append++) {
            const batch = Array.from({ length: 1 + ((append + appender) % 3) }, () => newEvent('Raced', { appender, append }));
            expected = (await store.append(stream, batch, expected)).nextExpectedRevision;
            written.push(...batch.map((e) => e.metadata.eventId));
            // The slow subscriber joins from the start half-way, so its catch-up races the appenders.
            if (appender === 0 && append === 20) {
              slow = consume(store.subscribeToAll({ after: null, filter, maxBatch: 7 }), { delayMs: 2 });
            }
          }
        });
        await Promise.all(appenders);
        const expected = (await store.readAll({ filter })).map((e) => e.metadata.eventId);
        expect([...expected].sort()).toEqual(written.sort());

        for (const consumer of [fast, slow!]) {
          await waitFor(() => consumer.events.length >= expected.length, {
            timeoutMs: 20_000,
            what: 'a subscriber to catch up',
          });
          await consumer.subscription.close();
          await consumer.done;
          expect(consumer.events.map((e) => e.metadata.eventId)).toEqual(expected);
          expectStrictlyIncreasing(consumer.events.map((e) => e.position));
        }
      });
    });

    describe('tamper-evident chain (verifyChain)', () => {
      it("proves every event of a project's streams, in order, across appends of any expectation", async () => {
        const project = randomUUID();
        const projectStream = `project-${project}`;
        const task = newStream('task');
        await store.append(projectStream, [newEvent('ProjectCreated', { projectId: project, name: 'p' })], 'no_stream');
        await store.append(task, [newEvent('TaskCreated', { projectId: project, b: 2, a: [1, { d: 'ä', c: null }] })], 'no_stream');
        await store.append(task, [newEvent('TaskUpdated', { projectId: project }), newEvent('TaskPaused', { projectId: project })], 0);
        await store.append(task, [newEvent('TaskResumed', { projectId: project })], 'any');
        await store.append(projectStream, [newEvent('ProjectRenamed', { projectId: project, name: 'q' })], 'stream_exists');
        // Another project's stream is not walked.
        await store.append(newStream('task'), [newEvent('TaskCreated', { projectId: randomUUID() })], 'no_stream');
        const progress: number[] = [];

        const report = await store.verifyChain({ project, onProgress: (checked) => progress.push(checked) });

        expect(report).toEqual({ events: 6, streams: 2, unhashed: 0, broken: null });
        expect(progress.at(-1)).toBe(6);
      });

      it('links concurrent appends with revision any into one chain, in the order they were stored', async () => {
        const project = randomUUID();
        const logs = newStream('executionlog');

        await Promise.all(Array.from({ length: 12 }, (_, n) => store.append(logs, [newEvent('LogsAppended', { projectId: project, n })], 'any')));

        expect(await store.verifyChain({ project })).toEqual({ events: 12, streams: 1, unhashed: 0, broken: null });
      });

      it('still proves a deleted (tombstoned) stream: its events were written, deletion keeps them', async () => {
        const project = randomUUID();
        const task = newStream('task');
        await store.append(task, [newEvent('TaskCreated', { projectId: project }), newEvent('TaskDeleted', { projectId: project })], 'no_stream');

        await store.deleteStream(task);

        expect(await store.verifyChain({ project })).toEqual({ events: 2, streams: 1, unhashed: 0, broken: null });
      });

      it('reads events back without the chain: metadata is what was appended', async () => {
        const stream = newStream();
        const event = newEvent();
        await store.append(stream, [event], 'no_stream');

        const [read] = await store.readStream(stream);

        expect(read.metadata).toStrictEqual(event.metadata);
      });
    });

    describe('readStored (audit export)', () => {
      /** The README's hash of an exported event, computed with the `canonicalize` package. */
      const hashOf = ({ stream, revision, type, data, metadata, previousHash }: StoredEvent) =>
        createHash('sha256').update(canonicalize({ stream, revision, type, data, metadata, previousHash })!).digest('hex');
      const drain = async (pages: AsyncIterable<StoredEvent[]>) => {
        const all: StoredEvent[] = [];
        for await (const page of pages) all.push(...page);
        return all;
      };
      const at = (occurredAt: string, type: string, data: unknown): NewEvent => {
        const event = newEvent(type, data);
        return { ...event, metadata: { ...event.metadata, occurredAt } };
      };

      it("returns a project's events as stored, in $all order, each with its hash and its stream's previous hash", async () => {
        const project = randomUUID();
        const task = newStream('task');
        await store.append(`project-${project}`, [newEvent('ProjectCreated', { projectId: project })], 'no_stream');
        await store.append(task, [newEvent('TaskCreated', { projectId: project, b: 2, a: [1, { d: 'ä' }] })], 'no_stream');
        await store.append(newStream('task'), [newEvent('TaskCreated', { projectId: randomUUID() })], 'no_stream');
        await store.append(task, [newEvent('TaskUpdated', { projectId: project }), newEvent('TaskPaused', { projectId: project })], 0);

        const events = await drain(store.readStored({ project }));

        expect(events.map((e) => [e.stream, e.revision, e.type])).toEqual([
          [`project-${project}`, 0, 'ProjectCreated'],
          [task, 0, 'TaskCreated'],
          [task, 1, 'TaskUpdated'],
          [task, 2, 'TaskPaused'],
        ]);
        expect(events[1]!.data).toEqual({ projectId: project, b: 2, a: [1, { d: 'ä' }] });
        expect(Object.keys(events[1]!.metadata).sort()).toEqual(['actor', 'causationId', 'correlationId', 'eventId', 'occurredAt', 'schemaVersion']);
        for (const [i, event] of events.entries()) {
          expect(event.hash).toBe(hashOf(event));
          if (i > 0) expect(event.position).toBeGreaterThan(events[i - 1]!.position);
        }
        expect(events.map((e) => e.previousHash)).toEqual([null, null, events[1]!.hash, events[2]!.hash]);
      });

      it('keeps the events that occurred in [from, to), and stops at the head as it was when the read began', async () => {
        const project = randomUUID();
        const stream = newStream('task');
        const days = ['2020-01-01', '2020-01-02', '2020-01-03'];
        await store.append(stream, days.map((day, n) => at(`${day}T00:00:00.000Z`, 'Probed', { projectId: project, n })), 'no_stream');

        const ranged = await drain(store.readStored({ project, from: new Date('2020-01-02T00:00:00Z'), to: new Date('2020-01-03T00:00:00Z') }));
        expect(ranged.map((e) => e.revision)).toEqual([1]);

        const iterator = store.readStored({ project })[Symbol.asyncIterator]();
        const first = await iterator.next();
        await store.append(stream, [newEvent('Probed', { projectId: project, n: 3 })], 2);
        const rest: StoredEvent[] = first.done ? [] : [...first.value];
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) rest.push(...next.value);
        expect(rest.map((e) => e.revision)).toEqual([0, 1, 2]);
      });
    });

    describe('server-side filtering (events pulled from the engine)', () => {
      const UNRELATED = 200_000;
      const UNRELATED_STREAMS = 250;
      /** A few matching events, then 200k unrelated ones after them: a scan would pull them all. */
      let category: string;
      let matching: RecordedEvent[];

      beforeAll(async () => {
        category = newCategory();
        matching = [];
        for (let i = 0; i < 3; i++) {
          const stream = `${category}-${i}`;
          const event = newEvent('Matching', { i });
          const { position, nextExpectedRevision } = await store.append(stream, [event], 'no_stream');
          matching.push({ ...event, streamId: stream, revision: nextExpectedRevision, position });
        }
        const started = Date.now();
        const unrelated = newCategory();
        const perStream = UNRELATED / UNRELATED_STREAMS;
        const batch = Array.from({ length: perStream }, (_, i) => newEvent('Unrelated', { i }));
        for (let s = 0; s < UNRELATED_STREAMS; s++) await store.append(`${unrelated}-${s}`, batch, 'no_stream');
        // Reported so the suite's cost stays visible.
        console.log(`appended ${UNRELATED} unrelated events in ${Date.now() - started} ms`);
      }, 600_000);

      const pulledBy = async (read: () => Promise<unknown>) => {
        const before = store.eventsPulled();
        await read();
        return store.eventsPulled() - before;
      };

      it('answers a prefix-filtered readAll by pulling the matching events only', async () => {
        let read: RecordedEvent[] = [];
        const pulled = await pulledBy(async () => (read = await store.readAll({ filter: { streamPrefixes: [`${category}-`] } })));
        expect(read.map((e) => e.metadata.eventId)).toEqual(matching.map((e) => e.metadata.eventId));
        expect(pulled).toBeLessThanOrEqual(matching.length + 2);
      });

      it('finds the head position in one small read', async () => {
        const head = await store.headPosition();
        expect(head).toBeGreaterThan(matching[2]!.position);
        expect(await pulledBy(() => store.headPosition())).toBeLessThanOrEqual(2);
      });

      it('tells how far a reader is behind in one small read: the first unread event, counted when cheap', async () => {
        let behind = await store.behind(matching[2]!.position);
        const pulled = await pulledBy(async () => (behind = await store.behind(matching[2]!.position)));
        expect(behind.oldestUnreadAt).toBe('2030-01-02T03:04:05.000Z');
        if (behind.events !== null) expect(behind.events).toBeGreaterThanOrEqual(UNRELATED);
        expect(pulled).toBeLessThanOrEqual(2);
      });

      it('catches a filtered subscription up by pulling the matching events only', async () => {
        const before = store.eventsPulled();
        const consumer = consume(store.subscribeToAll({ after: null, filter: { streamPrefixes: [`${category}-`] } }));
        await waitFor(() => consumer.events.length === matching.length);
        // A live event after the 200k shows the catch-up went past them.
        const live = newEvent('Matching', { live: true });
        await store.append(`${category}-live`, [live], 'no_stream');
        await waitFor(() => consumer.events.length === matching.length + 1);
        await consumer.subscription.close();
        await consumer.done;
        expect(consumer.events.at(-1)!.metadata.eventId).toBe(live.metadata.eventId);
        expect(store.eventsPulled() - before).toBeLessThanOrEqual(matching.length + 1 + 2);
        matching.push(consumer.events.at(-1)!);
      });

      it('restarted from its last checkpoint, a filtered subscription re-reads nothing before it', async () => {
        const prefix = `${newCategory()}-`;
        const first = newEvent('Matching');
        await store.append(`${prefix}first`, [first], 'no_stream');
        // Where a consumer would save its checkpoint: after each batch, and at each checkpoint of the engine's.
        let saved: number | null = null;
        const save = (position: number) => {
          if (saved === null || position > saved) saved = position;
        };
        const subscription = store.subscribeToAll({ after: null, filter: { streamPrefixes: [prefix] }, onCheckpoint: save });
        const consumer = (async () => {
          for await (const batch of subscription) save(batch.at(-1)!.position);
        })();
        await waitFor(() => saved !== null);
        await subscription.close();
        await consumer;

        const restarted = consume(store.subscribeToAll({ after: saved, filter: { streamPrefixes: [prefix] } }));
        const next = newEvent('Matching');
        const before = store.eventsPulled();
        await store.append(`${prefix}next`, [next], 'no_stream');
        await waitFor(() => restarted.events.length > 0);
        await restarted.subscription.close();
        await restarted.done;
        expect(restarted.events.map((e) => e.metadata.eventId)).toEqual([next.metadata.eventId]);
        expect(store.eventsPulled() - before).toBeLessThanOrEqual(2);
      });
    });

    describe('lifecycle', () => {
      it('answers ping', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
      });

      it('lets appends already issued finish when closing, and rejects appends after close', async () => {
        const own = await open();
        try {
          const stream = newStream();
          const inFlight = own.store.append(stream, [newEvent()], 'no_stream');

          await own.store.close();

          await expect(inFlight).resolves.toMatchObject({ nextExpectedRevision: 0 });
          await expect(own.store.append(stream, [newEvent()], 0)).rejects.toThrow(/closed/i);
        } finally {
          await own.cleanup();
        }
      });
    });
  });
}

function newCategory(): string {
  return `ct${randomUUID().replace(/-/g, '').slice(0, 16)}`;
}

function newStream(category = 'contract'): string {
  return `${category}-${randomUUID()}`;
}

export function newEvent(type = 'Happened', data: unknown = { at: 1 }): NewEvent {
  const id = randomUUID();
  return {
    type,
    data,
    metadata: {
      eventId: id,
      occurredAt: '2030-01-02T03:04:05.000Z',
      actor: 'system:contract-test',
      correlationId: id,
      causationId: id,
      schemaVersion: 1,
    },
  };
}

async function expectWrongRevision(attempt: Promise<unknown>, expected: ExpectedRevision, actual: number | 'no_stream') {
  const error = await attempt.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(WrongExpectedRevisionError);
  expect(error).toMatchObject({ expected, actual });
  expect((error as Error).message).toContain(`expected revision ${expected}`);
  expect((error as Error).message).toContain(`actual ${actual}`);
}

function expectStrictlyIncreasing(values: number[]): void {
  values.slice(1).forEach((value, i) => expect(value).toBeGreaterThan(values[i]));
}

/** Pulls a subscription in the background, optionally slowly, collecting what it yields. */
function consume(subscription: Subscription, { delayMs = 0 } = {}) {
  const events: RecordedEvent[] = [];
  const done = (async () => {
    for await (const batch of subscription) {
      events.push(...batch);
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  })();
  return { subscription, events, done };
}
