import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { UnavailableError } from '../../src/errors/app-error';
import { EsdbEventStore } from '../../src/stores/events/esdb-event-store';
import type { NewEvent } from '../../src/stores/events/event-store';
import { waitFor } from '../support/wait-for';
import { describeEventStoreContract } from './event-store-contract';

const url = process.env.EVENTSTORE_URL;

if (url) {
  describeEventStoreContract('EventStoreDB', async () => {
    const store = EsdbEventStore.connect(url);
    return { store, cleanup: () => store.close() };
  });
  // Each store in a namespace of its own (EVENTSTORE_STREAM_PREFIX): the same contract, seeing only its own streams.
  describeEventStoreContract('EventStoreDB in a stream namespace', async () => {
    const store = EsdbEventStore.connect(url, { streamPrefix: `contract-${randomUUID().slice(0, 8)}.` });
    return { store, cleanup: () => store.close() };
  });
} else {
  console.warn('EventStoreDB contract suite skipped: EVENTSTORE_URL is not set (no server can be faked)');
  describe.skip('EventStoreDB contract suite — skipped: EVENTSTORE_URL is not set', () => {
    it('skipped: EVENTSTORE_URL is not set', () => undefined);
  });
}

/** No EventStoreDB server: a closed loopback port, or an endpoint that drops connections. These always run. */
describe('EventStoreDB adapter with no server', () => {
  const closedPort = 'esdb://127.0.0.1:1?tls=false';

  function event(): NewEvent {
    return {
      type: 'TaskCreated',
      data: { name: 'nightly' },
      metadata: {
        eventId: randomUUID(),
        occurredAt: new Date(0).toISOString(),
        actor: 'system:test',
        correlationId: randomUUID(),
        causationId: randomUUID(),
        schemaVersion: 1,
      },
    };
  }

  it('fails an append fast with an UnavailableError naming the URL, and closes cleanly', async () => {
    const store = EsdbEventStore.connect(closedPort);
    const started = Date.now();
    const error = await store.append(`task-${randomUUID()}`, [event()], 'any').catch((err: unknown) => err);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).message).toContain(closedPort);
    expect(Date.now() - started).toBeLessThan(5_000);
    await store.close();
    await noSocketsLeft();
  });

  it('masks the password of the URL in its errors', async () => {
    const store = EsdbEventStore.connect('esdb://admin:s3cret@127.0.0.1:1?tls=false');
    const error = await store.append(`task-${randomUUID()}`, [event()], 'any').catch((err: unknown) => err);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).message).toContain('esdb://admin:***@127.0.0.1:1?tls=false');
    expect((error as Error).message).not.toContain('s3cret');
    await store.close();
  });

  it('maps failed reads and the health probe to UnavailableError', async () => {
    const store = EsdbEventStore.connect(closedPort);
    await expect(store.readStream(`task-${randomUUID()}`)).rejects.toBeInstanceOf(UnavailableError);
    await expect(store.readAll({ maxCount: 10 })).rejects.toBeInstanceOf(UnavailableError);
    await expect(store.headPosition()).rejects.toBeInstanceOf(UnavailableError);
    await expect(store.ping()).rejects.toBeInstanceOf(UnavailableError);
    await expect(store.deleteStream(`task-${randomUUID()}`)).rejects.toBeInstanceOf(UnavailableError);
    await store.close();
  });

  it('keeps a subscription alive across dropped connections, and close() ends it', async () => {
    // Not a fake server: a TCP endpoint that drops every connection, to count reconnection attempts.
    let connections = 0;
    const endpoint = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    const { port } = endpoint.address() as AddressInfo;
    const store = EsdbEventStore.connect(`esdb://127.0.0.1:${port}?tls=false`);
    try {
      const subscription = store.subscribeToAll({ after: null, filter: { streamPrefixes: ['task-'] } });
      const next = subscription[Symbol.asyncIterator]().next();
      let settled = false;
      void next.finally(() => (settled = true));

      await waitFor(() => connections >= 3, { what: 'the subscription to reconnect twice' });
      expect(settled).toBe(false); // still waiting for events: a dropped connection is not an error

      await store.close(); // closes its subscriptions first
      await expect(next).resolves.toEqual({ done: true, value: undefined });
    } finally {
      await store.close();
      await new Promise<void>((resolve) => endpoint.close(() => resolve()));
    }
    await noSocketsLeft();
  });
});

/** No TCP socket of this process stays open (the refused one closes asynchronously), so jest can exit. */
async function noSocketsLeft(): Promise<void> {
  const sockets = () => process.getActiveResourcesInfo().filter((resource) => resource.startsWith('TCP'));
  await waitFor(() => sockets().length === 0, { timeoutMs: 3_000, what: 'every socket to close' });
}
