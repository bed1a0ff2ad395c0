/**
 * The hash chain (event-chain.ts) on EventStoreDB, which has no column for it: each event's hash is
 * the `chainHash` field of its stored metadata (hex), left out of the metadata it is computed over and
 * of the metadata readers get. The previous hash is read from the stream's last event at append, and
 * the append is made with that event's exact revision, so a concurrent append cannot slip in between.
 */
import { type ChainReport, ChainWalk, canonicalJson, chainHash, type VerifyChainOptions } from './event-chain';
import type { Position, ReadStoredOptions, StoredEvent } from './event-store';

export const CHAIN_HASH_KEY = 'chainHash';

/** The stream's last event as the next append links to it. */
export interface LastLink {
  revision: number;
  hash: Buffer | null;
}

/** What verification reads of a stored event. */
export interface EsdbLink {
  streamId: string;
  revision: bigint;
  type: string;
  data: unknown;
  metadata: unknown;
}

export function chainHashOf(metadata: unknown): Buffer | null {
  const hex = (metadata as Record<string, unknown> | null)?.[CHAIN_HASH_KEY];
  return typeof hex === 'string' && /^[0-9a-f]{64}$/.test(hex) ? Buffer.from(hex, 'hex') : null;
}

/** The metadata as appended, without the chain's field. */
export function withoutChainHash(metadata: unknown): unknown {
  if (metadata === null || typeof metadata !== 'object' || !(CHAIN_HASH_KEY in metadata)) return metadata;
  const { [CHAIN_HASH_KEY]: _hash, ...rest } = metadata as Record<string, unknown>;
  return rest;
}

/** The metadata to store for each event, `chainHash` added, continuing from `last`. */
export function chainMetadata(stream: string, events: Array<{ type: string; data: unknown; metadata: object }>, last: LastLink | null): object[] {
  let previous = last?.hash ?? null;
  let revision = last?.revision ?? -1;
  return events.map(({ type, data, metadata }) => {
    revision++;
    previous = chainHash(previous, stream, revision, type, canonicalJson(data) ?? 'null', canonicalJson(metadata) ?? 'null');
    return { ...metadata, [CHAIN_HASH_KEY]: previous.toString('hex') };
  });
}

/**
 * Runs one stream's appends one after the other in this process: each reads the stream's last hash
 * and then appends at exactly its revision, so appends to a busy stream with revision `any` (log
 * lines) would otherwise keep invalidating each other's read.
 */
export class StreamQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(stream: string, work: () => Promise<T>): Promise<T> {
    const result = (this.tails.get(stream) ?? Promise.resolve()).then(work);
    const tail = result.catch(() => undefined);
    this.tails.set(stream, tail);
    void tail.then(() => {
      if (this.tails.get(stream) === tail) this.tails.delete(stream);
    });
    return result;
  }
}

/**
 * Walks `$all` (application events only, in order) through `pages`. EventStoreDB keeps no record of
 * when the chain began: an event without a hash counts as from before the chain until its stream has
 * a hashed event, and is a broken link after one.
 */
export async function verifyEsdbChain(pages: AsyncIterable<EsdbLink[]>, options: VerifyChainOptions = {}): Promise<ChainReport> {
  const walk = new ChainWalk(true);
  const member = new Map<string, boolean>();
  const hashed = new Set<string>();
  let checked = 0;
  for await (const page of pages) {
    for (const event of page) {
      if (options.project !== undefined && !belongs(member, event, options.project)) continue;
      const hash = chainHashOf(event.metadata);
      if (hash) hashed.add(event.streamId);
      const link = {
        stream: event.streamId,
        revision: Number(event.revision),
        type: event.type,
        data: canonicalJson(event.data) ?? 'null',
        metadata: canonicalJson(withoutChainHash(event.metadata)) ?? 'null',
        hash,
        beforeChain: !hashed.has(event.streamId),
      };
      if (!walk.add(link)) return walk.result();
      checked++;
    }
    options.onProgress?.(checked, null);
  }
  return walk.result();
}

/**
 * One project's events as stored (audit export), up to `head`: `$all` is walked from the start, since
 * both whose a stream is and an event's previous hash are known only from what came before.
 */
export async function* readEsdbStored<E extends EsdbLink>(
  pages: AsyncIterable<E[]>,
  options: ReadStoredOptions,
  head: Position,
  positionOf: (event: E) => Position,
): AsyncGenerator<StoredEvent[]> {
  const member = new Map<string, boolean>();
  const lastHash = new Map<string, string | null>();
  const from = options.from?.getTime() ?? -Infinity;
  const to = options.to?.getTime() ?? Infinity;
  for await (const events of pages) {
    const page: StoredEvent[] = [];
    for (const event of events) {
      const position = positionOf(event);
      if (position > head) {
        if (page.length > 0) yield page;
        return;
      }
      if (!belongs(member, event, options.project)) continue;
      const hash = chainHashOf(event.metadata)?.toString('hex') ?? null;
      const previousHash = lastHash.get(event.streamId) ?? null;
      lastHash.set(event.streamId, hash);
      const metadata = withoutChainHash(event.metadata) as Record<string, unknown>;
      const occurredAt = Date.parse(String(metadata?.occurredAt));
      if (occurredAt < from || occurredAt >= to) continue;
      page.push({ position, stream: event.streamId, revision: Number(event.revision), type: event.type, data: event.data, metadata, previousHash, hash });
    }
    if (page.length > 0) yield page;
  }
}

/** Decided on a stream's first event, as the embedded store does (sqlite-chain-audit.ts). */
function belongs(member: Map<string, boolean>, event: EsdbLink, project: string): boolean {
  let decided = member.get(event.streamId);
  if (decided === undefined) {
    decided = event.streamId === `project-${project}` || (event.data as { projectId?: unknown } | null)?.projectId === project;
    member.set(event.streamId, decided);
  }
  return decided;
}
