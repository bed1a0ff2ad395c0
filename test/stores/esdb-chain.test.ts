import { randomUUID } from 'node:crypto';
import { CHAIN_HASH_KEY, chainMetadata, type EsdbLink, readEsdbStored, verifyEsdbChain, withoutChainHash } from '../../src/stores/events/esdb-chain';
import type { StoredEvent } from '../../src/stores/events/event-store';

/**
 * The EventStoreDB adapter's chain logic on events as its client returns them (parsed JSON, the hash in
 * the metadata, streams interleaved in `$all`): no server is involved here; the contract suite runs the
 * adapter itself against one when EVENTSTORE_URL is set.
 */
describe('EventStoreDB hash chain, on events as read from $all', () => {
  const project = randomUUID();

  /** Appends as the adapter does: metadata with `chainHash`, continuing from the stream's last event. */
  function append(log: EsdbLink[], stream: string, events: Array<{ type: string; data: Record<string, unknown> }>): void {
    const own = log.filter((e) => e.streamId === stream);
    const last = own.at(-1);
    const metadata = chainMetadata(
      stream,
      events.map((e) => ({ ...e, metadata: { eventId: randomUUID(), actor: 'system:test', schemaVersion: 1 } })),
      last ? { revision: Number(last.revision), hash: hashOf(last) } : null,
    );
    // Stored and read back as JSON, keys in their original order (the client does not canonicalize).
    const viaJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));
    events.forEach((e, i) => log.push({ streamId: stream, revision: BigInt(own.length + i), type: e.type, data: viaJson(e.data), metadata: viaJson(metadata[i]) }));
  }
  const hashOf = (e: EsdbLink) => {
    const hex = (e.metadata as Record<string, string>)[CHAIN_HASH_KEY];
    return hex ? Buffer.from(hex, 'hex') : null;
  };
  async function* pages(log: EsdbLink[]) {
    yield log.slice(0, 3);
    yield log.slice(3);
  }

  function history(log: EsdbLink[] = []): EsdbLink[] {
    append(log, `task-${project}`, [{ type: 'TaskCreated', data: { projectId: project, z: 1, a: 2 } }]);
    append(log, `execution-${project}`, [{ type: 'ExecutionCreated', data: { projectId: project, n: 0 } }]);
    append(log, `task-${project}`, [{ type: 'TaskUpdated', data: { projectId: project } }, { type: 'TaskPaused', data: { projectId: project } }]);
    append(log, `execution-${project}`, [{ type: 'ExecutionProgressed', data: { projectId: project, n: 1 } }]);
    append(log, `task-${randomUUID()}`, [{ type: 'TaskCreated', data: { projectId: randomUUID() } }]);
    return log;
  }

  it('verifies interleaved streams, and one project only', async () => {
    const log = history();

    expect(await verifyEsdbChain(pages(log))).toEqual({ events: 6, streams: 3, unhashed: 0, broken: null });
    expect(await verifyEsdbChain(pages(log), { project })).toEqual({ events: 5, streams: 2, unhashed: 0, broken: null });
  });

  it('names a changed event and a gap', async () => {
    const changed = history();
    (changed[2].data as Record<string, unknown>).projectId = 'someone-else';
    expect((await verifyEsdbChain(pages(changed))).broken).toMatchObject({ stream: `task-${project}`, revision: 1, kind: 'changed' });

    const gap = history().filter((e, i) => i !== 2);
    expect((await verifyEsdbChain(pages(gap))).broken).toMatchObject({ stream: `task-${project}`, revision: 2, kind: 'gap', expected: 'revision 1' });
  });

  it('counts events from before the chain, and refuses an unhashed event after a hashed one', async () => {
    // Written by a version without the chain: the next append links to null after it.
    const older: EsdbLink = { streamId: `task-${project}`, revision: 0n, type: 'TaskCreated', data: { projectId: project }, metadata: { schemaVersion: 1 } };
    const withOld = history([older]);
    expect(await verifyEsdbChain(pages(withOld))).toEqual({ events: 6, streams: 3, unhashed: 1, broken: null });

    const stripped = history();
    stripped[2].metadata = withoutChainHash(stripped[2].metadata);
    expect((await verifyEsdbChain(pages(stripped))).broken).toMatchObject({ stream: `task-${project}`, revision: 1, kind: 'unhashed' });
  });

  it('keeps the hash out of the metadata readers get', () => {
    const [event] = history();
    expect(withoutChainHash(event.metadata)).not.toHaveProperty(CHAIN_HASH_KEY);
    expect(withoutChainHash(event.metadata)).toEqual({ eventId: expect.any(String), actor: 'system:test', schemaVersion: 1 });
  });

  it("exports one project's events up to the head, each with its stream's previous hash, metadata without the chain's field", async () => {
    const log = history();
    const positions = new Map(log.map((e, i) => [e, i + 1]));
    const exported: StoredEvent[] = [];

    for await (const page of readEsdbStored(pages(log), { project }, 4, (e) => positions.get(e)!)) exported.push(...page);

    expect(exported.map((e) => [e.position, e.stream, e.revision])).toEqual([
      [1, `task-${project}`, 0],
      [2, `execution-${project}`, 0],
      [3, `task-${project}`, 1],
      [4, `task-${project}`, 2],
    ]);
    expect(exported.map((e) => e.previousHash)).toEqual([null, null, exported[0]!.hash, exported[2]!.hash]);
    expect(exported.every((e) => /^[0-9a-f]{64}$/.test(e.hash!) && !(CHAIN_HASH_KEY in e.metadata))).toBe(true);
    expect(exported[0]!.data).toEqual({ projectId: project, z: 1, a: 2 });
  });
});
