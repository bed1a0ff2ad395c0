/**
 * Appends on EventStoreDB. Each one continues its stream's hash chain (esdb-chain.ts) from the stream's
 * last event and is made at exactly that event's revision; the port's expected revision is checked
 * against the revision read, and 'any' or 'stream_exists' read again when another append got in first.
 */
import { BACKWARDS, END, NO_STREAM, jsonEvent, type JSONType } from '@kurrent/kurrentdb-client';
import { StreamNotFoundError, WrongExpectedRevisionError } from '../../errors/store-errors';
import {
  type AppendOptions,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  expectedRevisionMatches,
  type NewEvent,
  type RecordedEvent,
  type StreamRevision,
} from './event-store';
import { checkFenceStream } from './fence-stream';
import { chainHashOf, chainMetadata, type LastLink, StreamQueue } from './esdb-chain';
import type { EsdbConnection } from './esdb-connection';
import { type ProposedEvent, toEventData } from './esdb-event-mapping';
import { toPosition } from './esdb-positions';
import type { ProcessIdempotencyRecords } from './process-idempotency';
import { validateStreamName } from './stream-names';

/** An append with revision 'any' or 'stream_exists' that keeps meeting other processes' appends gives up after this many reads. */
const CHAIN_APPEND_ATTEMPTS = 5;

export class EsdbAppends {
  /** One append at a time per stream, each continuing the stream's hash chain (esdb-chain.ts). */
  private readonly appendQueue = new StreamQueue();

  constructor(
    private readonly connection: EsdbConnection,
    private readonly idempotency: ProcessIdempotencyRecords,
    /** The store itself: the fence stream is read and raised through it, and an append of no events reads through it. */
    private readonly store: Pick<EventStore, 'readStream' | 'append'>,
  ) {}

  async append(stream: string, events: NewEvent[], expected: ExpectedRevision, options: AppendOptions = {}): Promise<AppendResult> {
    this.connection.assertOpen();
    validateStreamName(stream);
    const keyed = events.length > 0 ? options.idempotency : undefined;
    const earlier = keyed && (await this.idempotency.earlierAppend(stream, keyed));
    if (earlier) return { nextExpectedRevision: earlier.toRevision, position: earlier.position, replayedFrom: earlier.fromRevision };
    // Validate everything before sending, so an invalid event rejects the whole append.
    const proposed = events.map((event) => toEventData(stream, event));
    // Not atomic with the append (no multi-stream transactions here): see fence-stream.ts.
    if (options.fencingToken !== undefined) await checkFenceStream(this.store, options.fencingToken);
    if (proposed.length === 0) return this.checkRevision(stream, expected);
    const bytes = proposed.reduce((sum, e) => sum + e.bytes, 0);
    // Tracked as a whole, read and append, so that close() lets it finish (queued behind others or not).
    return this.connection.track(this.appendQueue.run(stream, () => this.appendChained(stream, proposed, expected, bytes, keyed)));
  }

  private async appendChained(
    stream: string,
    proposed: ProposedEvent[],
    expected: ExpectedRevision,
    bytes: number,
    keyed: AppendOptions['idempotency'],
  ): Promise<AppendResult> {
    for (let attempt = 1; ; attempt++) {
      // The chain continues from the stream's last event, and the append is made at exactly its revision.
      const last = await this.lastLink(stream);
      const actual: StreamRevision = last ? last.revision : 'no_stream';
      if (!expectedRevisionMatches(expected, actual)) throw new WrongExpectedRevisionError(stream, expected, actual);
      const metadata = chainMetadata(stream, proposed, last);
      try {
        const result = await this.connection.track(
          this.connection.client.appendToStream(
            this.connection.namespace.outward(stream),
            proposed.map((e, i) => jsonEvent({ id: e.id, type: e.type, data: e.data as JSONType, metadata: metadata[i] as JSONType })),
            { streamState: last ? BigInt(last.revision) : NO_STREAM },
          ),
        );
        const appended = {
          nextExpectedRevision: Number(result.nextExpectedRevision),
          position: toPosition(result.position, `the append to ${stream}`),
        };
        if (keyed) this.idempotency.appended(stream, keyed, appended, proposed.length);
        return appended;
      } catch (err) {
        const mapped = this.connection.error(err, { stream, expected, bytes });
        // Another append came in since the read: an exact expectation has lost, 'any' and 'stream_exists' read again.
        const exact = typeof expected === 'number' || expected === 'no_stream';
        if (!(mapped instanceof WrongExpectedRevisionError) || exact || attempt >= CHAIN_APPEND_ATTEMPTS) throw mapped;
      }
    }
  }

  /** The stream's last event's revision and chain hash; null when it has none. */
  private async lastLink(stream: string): Promise<LastLink | null> {
    const { client, namespace } = this.connection;
    try {
      const [resolved] = await this.connection.collect(client.readStream(namespace.outward(stream), { direction: BACKWARDS, fromRevision: END, maxCount: 1 }), stream);
      return resolved?.event ? { revision: Number(resolved.event.revision), hash: chainHashOf(resolved.event.metadata) } : null;
    } catch (err) {
      if (err instanceof StreamNotFoundError) return null;
      throw err;
    }
  }

  /** An append of no events is a pure revision check, as in the embedded adapter (without writing a record). */
  private async checkRevision(stream: string, expected: ExpectedRevision): Promise<AppendResult> {
    let last: RecordedEvent | undefined;
    try {
      [last] = await this.store.readStream(stream, { direction: 'backwards', maxCount: 1 });
    } catch (err) {
      if (!(err instanceof StreamNotFoundError)) throw err;
    }
    const actual: StreamRevision = last ? last.revision : 'no_stream';
    if (!expectedRevisionMatches(expected, actual)) throw new WrongExpectedRevisionError(stream, expected, actual);
    if (!last) return { nextExpectedRevision: -1, position: -1 };
    return { nextExpectedRevision: last.revision, position: last.position };
  }
}
