/**
 * The reading side of the EventStoreDB adapter: one stream, `$all` with its filter sent to the server
 * (esdb-filters.ts), the head of `$all` and the lag behind it, and the chain audit's walks over `$all`
 * (esdb-chain.ts).
 */
import { BACKWARDS, END, FORWARDS, START, type AllStreamResolvedEvent, type Position as EsdbPosition } from '@kurrent/kurrentdb-client';
import type { Behind, Position, ReadAllOptions, ReadStoredOptions, ReadStreamOptions, RecordedEvent, StoredEvent } from './event-store';
import type { ChainReport, VerifyChainOptions } from './event-chain';
import { readEsdbStored, verifyEsdbChain } from './esdb-chain';
import type { EsdbConnection } from './esdb-connection';
import { eventFilter, isUserEvent, serverFilter } from './esdb-filters';
import { compare, type EsdbRecorded, fromPosition, toPosition } from './esdb-positions';
import { categoriesWithoutData, validateCount } from './event-arguments';
import { validateStreamName } from './stream-names';

const READ_ALL_PAGE_MAX = 2048;

export class EsdbReads {
  constructor(
    private readonly connection: EsdbConnection,
    /** Every event read becomes a RecordedEvent here (see EventUpcaster). */
    private readonly toEvent: (event: EsdbRecorded) => RecordedEvent,
  ) {}

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const { client, namespace } = this.connection;
    this.connection.assertOpen();
    validateStreamName(stream);
    const direction = options.direction ?? 'forwards';
    const maxCount = validateCount(options.maxCount);
    const from = options.fromRevision ?? (direction === 'forwards' ? 'start' : 'end');
    if (typeof from === 'number') validateCount(from);
    const read = client.readStream(namespace.outward(stream), {
      direction: direction === 'forwards' ? FORWARDS : BACKWARDS,
      fromRevision: from === 'start' ? START : from === 'end' ? END : BigInt(from),
      // At least one, so that a missing or deleted stream still answers with its error when maxCount is 0.
      ...(maxCount === undefined ? {} : { maxCount: Math.max(maxCount, 1) }),
    });
    const resolved = await this.connection.collect(read, stream);
    return resolved.flatMap((r) => (r.event ? [this.toEvent(r.event)] : [])).slice(0, maxCount);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const { client, namespace } = this.connection;
    this.connection.assertOpen();
    const wanted = validateCount(options.maxCount) ?? Infinity;
    // Checked as the embedded store checks it; the data is sent anyway (the client parses every event).
    categoriesWithoutData(options.filter);
    const filter = namespace.filter(options.filter);
    const accept = eventFilter(filter);
    const out: RecordedEvent[] = [];
    let cursor = options.after == null ? null : fromPosition(options.after);
    // One more than wanted: a read from a position includes the event at that position.
    const page = Math.min(READ_ALL_PAGE_MAX, Math.max(32, wanted + 1));
    while (out.length < wanted) {
      const read = client.readAll({ fromPosition: cursor ?? START, maxCount: page, filter: serverFilter(filter) });
      const resolved = await this.connection.collect(read);
      let fresh = 0;
      for (const { event } of resolved) {
        if (!event || (cursor && compare(event.position, cursor) <= 0)) continue;
        cursor = event.position;
        fresh++;
        if (!accept(event)) continue;
        out.push(this.toEvent(event));
        if (out.length >= wanted) break;
      }
      // The server counts only matching events against maxCount: a short page is the end of $all.
      if (resolved.length < page || fresh === 0) break;
    }
    return out;
  }

  async headPosition(): Promise<Position | null> {
    const { client, namespace } = this.connection;
    this.connection.assertOpen();
    // One backwards read, filtered on the server: system events ($stats, $scavenges, …) would overstate lag.
    const resolved: AllStreamResolvedEvent[] = await this.connection.collect(
      client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1, filter: serverFilter(namespace.filter(undefined)) }),
    );
    const event = resolved[0]?.event;
    return event && isUserEvent(event) ? toPosition(event.position, 'the head of $all') : null;
  }

  /** The server cannot count events cheaply: lag is the age of the first unread one, found in one filtered read. */
  async behind(position: Position | null): Promise<Behind> {
    const [next] = await this.readAll({ after: position, maxCount: 1 });
    return { events: null, oldestUnreadAt: next?.metadata.occurredAt ?? null };
  }

  async verifyChain(options: VerifyChainOptions = {}): Promise<ChainReport> {
    this.connection.assertOpen();
    return verifyEsdbChain(this.userEventPages(), options);
  }

  async *readStored(options: ReadStoredOptions): AsyncGenerator<StoredEvent[]> {
    this.connection.assertOpen();
    const head = await this.headPosition();
    if (head === null) return;
    yield* readEsdbStored(this.userEventPages(), options, head, (event) => toPosition(event.position!, 'an exported event'));
  }

  /** `$all` from the start, application events only, a page at a time. */
  private async *userEventPages(): AsyncGenerator<EsdbRecorded[]> {
    const { client, namespace } = this.connection;
    let cursor: EsdbPosition | null = null;
    for (;;) {
      const resolved: AllStreamResolvedEvent[] = await this.connection.collect(
        client.readAll({ fromPosition: cursor ?? START, maxCount: READ_ALL_PAGE_MAX, filter: serverFilter(namespace.filter(undefined)) }),
      );
      const fresh = resolved.flatMap(({ event }) => (event && (!cursor || compare(event.position, cursor) > 0) ? [event] : []));
      if (fresh.length === 0) return;
      cursor = fresh[fresh.length - 1]!.position;
      yield fresh.filter(isUserEvent).map((event) => namespace.inward(event));
    }
  }
}
