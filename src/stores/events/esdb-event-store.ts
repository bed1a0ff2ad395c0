/**
 * EventStoreDB adapter of the EventStore port (@kurrent/kurrentdb-client 1.3.1; EventStoreDB 22.10 or later, or KurrentDB).
 *
 * Positions: esdb-positions.ts. Filters, all sent to the server: esdb-filters.ts. The catch-up
 * subscription: esdb-subscription.ts.
 */
import { maskUrl } from '../../config/mask-url';
import {
  BACKWARDS,
  END,
  ErrorType,
  KurrentDBClient,
  FORWARDS,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  ANY,
  convertToCommandError,
  jsonEvent,
  type AllStreamResolvedEvent,
  type AppendStreamState,
  type StreamState,
  type JSONType,
  type Position as EsdbPosition,
} from '@kurrent/kurrentdb-client';
import { v5 as uuidv5, validate as isUuid } from 'uuid';
import { AppError, UnavailableError, ValidationError } from '../../errors/app-error';
import {
  EventTooLargeError,
  StreamDeletedError,
  StreamNotFoundError,
  WrongExpectedRevisionError,
} from '../../errors/store-errors';
import {
  MAX_EVENT_BYTES,
  type AppendOptions,
  type AppendResult,
  type Behind,
  type EventMetadata,
  type EventStore,
  type EventUpcaster,
  type ExpectedRevision,
  expectedRevisionMatches,
  type NewEvent,
  type Position,
  type ReadAllOptions,
  type ReadStoredOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StoredEvent,
  type StreamRevision,
  type SubscribeOptions,
  type Subscription,
} from './event-store';
import { checkFenceStream, raiseFenceStream } from './fence-stream';
import { eventFilter, isUserEvent, serverFilter } from './esdb-filters';
import { StreamNamespace } from './esdb-namespace';
import { compare, type EsdbRecorded, fromPosition, toPosition } from './esdb-positions';
import { EsdbSubscription } from './esdb-subscription';
import type { ChainReport, VerifyChainOptions } from './event-chain';
import { chainHashOf, chainMetadata, type LastLink, readEsdbStored, StreamQueue, verifyEsdbChain, withoutChainHash } from './esdb-chain';
import { ProcessIdempotencyRecords } from './process-idempotency';
import { validateStreamName } from './stream-names';

const DEFAULT_MAX_BATCH = 500;
const READ_ALL_PAGE_MAX = 2048;
const PING_TIMEOUT_MS = 5_000;
/** Event ids must be UUIDs in EventStoreDB; other ids are mapped to a stable UUID (the original stays in metadata). */
const EVENT_ID_NAMESPACE = 'b7f3c1d2-5e8a-4f6b-9c0d-1a2b3c4d5e6f';
/** An append with revision 'any' or 'stream_exists' that keeps meeting other processes' appends gives up after this many reads. */
const CHAIN_APPEND_ATTEMPTS = 5;


export class EsdbEventStore implements EventStore {
  private closed = false;
  /** Events received from the server (eventsPulled). */
  private readonly pulled = { count: 0 };
  private readonly subscriptions = new Set<EsdbSubscription>();
  /** Calls to the server not yet settled: close() lets them finish before disposing the client. */
  private readonly inFlight = new Set<Promise<unknown>>();
  /** One append at a time per stream, each continuing the stream's hash chain (esdb-chain.ts). */
  private readonly appendQueue = new StreamQueue();

  private constructor(
    private readonly client: KurrentDBClient,
    /** The connection string with its password masked: safe in messages and logs. */
    readonly url: string,
    /** Every event read becomes a RecordedEvent here (see EventUpcaster). */
    private readonly toEvent: (event: EsdbRecorded) => RecordedEvent,
    /** EVENTSTORE_STREAM_PREFIX: this store's part of the cluster (esdb-namespace.ts). */
    private readonly namespace: StreamNamespace,
  ) {}

  static connect(url: string, options: { upcaster?: EventUpcaster; streamPrefix?: string } = {}): EsdbEventStore {
    const masked = maskUrl(url);
    let client: KurrentDBClient;
    try {
      // esdb:// still works in the client but prints a deprecation warning; the scheme means the same.
      client = KurrentDBClient.connectionString(url.replace(/^esdb(\+discover)?:\/\//, 'kurrentdb$1://'));
    } catch (err) {
      throw new ValidationError(`Invalid EventStoreDB connection string ${masked}: ${(err as Error).message}`);
    }
    const { upcaster } = options;
    const namespace = new StreamNamespace(options.streamPrefix);
    const toEvent = upcaster ? (event: EsdbRecorded) => upcaster.upcast(toRecorded(namespace.inward(event))) : (event: EsdbRecorded) => toRecorded(namespace.inward(event));
    return new EsdbEventStore(client, masked, toEvent, namespace);
  }

  /**
   * Durable idempotency needs its record committed atomically with the events, which this adapter
   * cannot do yet: keys are kept in this process's memory (a retry to another instance, or after a
   * restart, may be applied again).
   */
  readonly idempotency = new ProcessIdempotencyRecords();

  async append(stream: string, events: NewEvent[], expected: ExpectedRevision, options: AppendOptions = {}): Promise<AppendResult> {
    this.assertOpen();
    validateStreamName(stream);
    const keyed = events.length > 0 ? options.idempotency : undefined;
    const earlier = keyed && (await this.idempotency.earlierAppend(stream, keyed));
    if (earlier) return { nextExpectedRevision: earlier.toRevision, position: earlier.position, replayedFrom: earlier.fromRevision };
    // Validate everything before sending, so an invalid event rejects the whole append.
    const proposed = events.map((event) => toEventData(stream, event));
    // Not atomic with the append (no multi-stream transactions here): see fence-stream.ts.
    if (options.fencingToken !== undefined) await checkFenceStream(this, options.fencingToken);
    if (proposed.length === 0) return this.checkRevision(stream, expected);
    const bytes = proposed.reduce((sum, e) => sum + e.bytes, 0);
    // Tracked as a whole, read and append, so that close() lets it finish (queued behind others or not).
    return this.track(this.appendQueue.run(stream, () => this.appendChained(stream, proposed, expected, bytes, keyed)));
  }

  private async appendChained(
    stream: string,
    proposed: Array<ReturnType<typeof toEventData>>,
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
        const result = await this.track(
          this.client.appendToStream(
            this.namespace.outward(stream),
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
        const mapped = this.mapError(err, { stream, expected, bytes });
        // Another append came in since the read: an exact expectation has lost, 'any' and 'stream_exists' read again.
        const exact = typeof expected === 'number' || expected === 'no_stream';
        if (!(mapped instanceof WrongExpectedRevisionError) || exact || attempt >= CHAIN_APPEND_ATTEMPTS) throw mapped;
      }
    }
  }

  async verifyChain(options: VerifyChainOptions = {}): Promise<ChainReport> {
    this.assertOpen();
    return verifyEsdbChain(this.userEventPages(), options);
  }

  async *readStored(options: ReadStoredOptions): AsyncGenerator<StoredEvent[]> {
    this.assertOpen();
    const head = await this.headPosition();
    if (head === null) return;
    yield* readEsdbStored(this.userEventPages(), options, head, (event) => toPosition(event.position!, 'an exported event'));
  }

  /** `$all` from the start, application events only, a page at a time. */
  private async *userEventPages(): AsyncGenerator<EsdbRecorded[]> {
    let cursor: EsdbPosition | null = null;
    for (;;) {
      const resolved: AllStreamResolvedEvent[] = await this.collect(
        this.client.readAll({ fromPosition: cursor ?? START, maxCount: READ_ALL_PAGE_MAX, filter: serverFilter(this.namespace.filter(undefined)) }),
      );
      const fresh = resolved.flatMap(({ event }) => (event && (!cursor || compare(event.position, cursor) > 0) ? [event] : []));
      if (fresh.length === 0) return;
      cursor = fresh[fresh.length - 1]!.position;
      yield fresh.filter(isUserEvent).map((event) => this.namespace.inward(event));
    }
  }

  /** The stream's last event's revision and chain hash; null when it has none. */
  private async lastLink(stream: string): Promise<LastLink | null> {
    try {
      const [resolved] = await this.collect(this.client.readStream(this.namespace.outward(stream), { direction: BACKWARDS, fromRevision: END, maxCount: 1 }), stream);
      return resolved?.event ? { revision: Number(resolved.event.revision), hash: chainHashOf(resolved.event.metadata) } : null;
    } catch (err) {
      if (err instanceof StreamNotFoundError) return null;
      throw err;
    }
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    validateStreamName(stream);
    const direction = options.direction ?? 'forwards';
    const maxCount = validateCount(options.maxCount);
    const from = options.fromRevision ?? (direction === 'forwards' ? 'start' : 'end');
    if (typeof from === 'number') validateCount(from);
    const read = this.client.readStream(this.namespace.outward(stream), {
      direction: direction === 'forwards' ? FORWARDS : BACKWARDS,
      fromRevision: from === 'start' ? START : from === 'end' ? END : BigInt(from),
      // At least one, so that a missing or deleted stream still answers with its error when maxCount is 0.
      ...(maxCount === undefined ? {} : { maxCount: Math.max(maxCount, 1) }),
    });
    const resolved = await this.collect(read, stream);
    return resolved.flatMap((r) => (r.event ? [this.toEvent(r.event)] : [])).slice(0, maxCount);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const wanted = validateCount(options.maxCount) ?? Infinity;
    const filter = this.namespace.filter(options.filter);
    const accept = eventFilter(filter);
    const out: RecordedEvent[] = [];
    let cursor = options.after == null ? null : fromPosition(options.after);
    // One more than wanted: a read from a position includes the event at that position.
    const page = Math.min(READ_ALL_PAGE_MAX, Math.max(32, wanted + 1));
    while (out.length < wanted) {
      const read = this.client.readAll({ fromPosition: cursor ?? START, maxCount: page, filter: serverFilter(filter) });
      const resolved = await this.collect(read);
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

  subscribeToAll(options: SubscribeOptions): Subscription {
    this.assertOpen();
    const maxBatch = validateCount(options.maxBatch) ?? DEFAULT_MAX_BATCH;
    if (maxBatch < 1) throw new ValidationError(`Invalid maxBatch ${maxBatch}`);
    const subscription = new EsdbSubscription(
      this.client,
      options.after == null ? null : fromPosition(options.after),
      this.namespace.filter(options.filter),
      maxBatch,
      options.onCheckpoint,
      this.pulled,
      this.toEvent,
      (err) => this.mapError(err, {}),
      (closed) => this.subscriptions.delete(closed),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async raiseFence(token: number): Promise<void> {
    this.assertOpen();
    await raiseFenceStream(this, token);
  }

  async deleteStream(stream: string, expected: ExpectedRevision = 'any', options: Pick<AppendOptions, 'fencingToken'> = {}): Promise<void> {
    this.assertOpen();
    validateStreamName(stream);
    if (options.fencingToken !== undefined) await checkFenceStream(this, options.fencingToken);
    // The client's types omit stream_exists for tombstones, but it sends it like any other value.
    const expectedRevision = toEsdbExpected(expected) as StreamState;
    try {
      await this.track(this.client.tombstoneStream(this.namespace.outward(stream), { expectedRevision }));
    } catch (err) {
      throw this.mapError(err, { stream, expected });
    }
  }

  async headPosition(): Promise<Position | null> {
    this.assertOpen();
    // One backwards read, filtered on the server: system events ($stats, $scavenges, …) would overstate lag.
    const resolved: AllStreamResolvedEvent[] = await this.collect(
      this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1, filter: serverFilter(this.namespace.filter(undefined)) }),
    );
    const event = resolved[0]?.event;
    return event && isUserEvent(event) ? toPosition(event.position, 'the head of $all') : null;
  }

  /** The server cannot count events cheaply: lag is the age of the first unread one, found in one filtered read. */
  async behind(position: Position | null): Promise<Behind> {
    const [next] = await this.readAll({ after: position, maxCount: 1 });
    return { events: null, oldestUnreadAt: next?.metadata.occurredAt ?? null };
  }

  eventsPulled(): number {
    return this.pulled.count;
  }

  async ping(): Promise<void> {
    this.assertOpen();
    // Reads carry no gRPC deadline in this client, so the probe brings its own.
    const read = this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // The read is a Readable under its iterator type: return() ends the iterator and destroys it.
        read.return?.().catch(() => undefined);
        reject(new UnavailableError(`EventStoreDB at ${this.url} did not answer within ${PING_TIMEOUT_MS} ms`));
      }, PING_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.collect(read), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends the subscriptions, lets calls already issued finish, then disposes the client. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    await Promise.allSettled([...this.inFlight]);
    // dispose() cancels the client's open gRPC streams; without it jest (or the server) never exits.
    await this.client.dispose();
  }

  private track<T>(call: Promise<T>): Promise<T> {
    this.inFlight.add(call);
    const settled = () => this.inFlight.delete(call);
    call.then(settled, settled);
    return call;
  }

  /** An append of no events is a pure revision check, as in the embedded adapter (without writing a record). */
  private async checkRevision(stream: string, expected: ExpectedRevision): Promise<AppendResult> {
    let last: RecordedEvent | undefined;
    try {
      [last] = await this.readStream(stream, { direction: 'backwards', maxCount: 1 });
    } catch (err) {
      if (!(err instanceof StreamNotFoundError)) throw err;
    }
    const actual: StreamRevision = last ? last.revision : 'no_stream';
    if (!expectedRevisionMatches(expected, actual)) throw new WrongExpectedRevisionError(stream, expected, actual);
    if (!last) return { nextExpectedRevision: -1, position: -1 };
    return { nextExpectedRevision: last.revision, position: last.position };
  }

  /**
   * Reads a client stream to its end inside try/catch. It must be called right after the read is
   * created: an un-iterated read emits its connection error with no listener and crashes the process.
   */
  private collect<E>(read: AsyncIterable<E>, stream?: string): Promise<E[]> {
    return this.track(
      (async () => {
        const items: E[] = [];
        try {
          for await (const item of read) {
            this.pulled.count++;
            items.push(item);
          }
        } catch (err) {
          throw this.mapError(err, { stream });
        }
        return items;
      })(),
    );
  }

  /** Client errors → the port's errors; `bytes` is the size of the append, for a too-large one. */
  private mapError(
    raw: unknown,
    { stream, expected, bytes }: { stream?: string; expected?: ExpectedRevision; bytes?: number },
  ): unknown {
    if (raw instanceof AppError || !(raw instanceof Error)) return raw;
    // Some failures (an append while the server is down) arrive as raw gRPC errors.
    const err = convertToCommandError(raw) as Error & { type?: string; code?: number; details?: string };
    const name = stream ?? '$all';
    switch (err.type) {
      case ErrorType.WRONG_EXPECTED_VERSION: {
        const actual = (err as unknown as { actualState: bigint | 'no_stream' }).actualState;
        return new WrongExpectedRevisionError(
          name,
          expected ?? 'any',
          actual === 'no_stream' || actual < 0n ? 'no_stream' : Number(actual),
        );
      }
      case ErrorType.STREAM_DELETED:
        return new StreamDeletedError(name);
      case ErrorType.STREAM_NOT_FOUND:
        return new StreamNotFoundError(name);
      case ErrorType.MAXIMUM_APPEND_SIZE_EXCEEDED: {
        const limit = (err as unknown as { maxAppendSize: number }).maxAppendSize;
        return new EventTooLargeError(name, bytes ?? NaN, limit);
      }
      case ErrorType.UNAVAILABLE:
      case ErrorType.DEADLINE_EXCEEDED:
      case ErrorType.TIMEOUT:
      case ErrorType.NOT_LEADER: // the client reconnects to the leader on the next call
        return this.unavailable(err);
    }
    if (err.code === 14 || err.code === 4 || /Failed to discover|ECONNREFUSED|ENOTFOUND/.test(err.message)) {
      return this.unavailable(err);
    }
    return err;
  }

  private unavailable(err: Error & { details?: string }): UnavailableError {
    const reason = err.details ?? err.message;
    const unavailable = new UnavailableError(`EventStoreDB at ${this.url} is unavailable: ${reason}`);
    unavailable.cause = err;
    return unavailable;
  }

  private assertOpen(): void {
    if (this.closed) throw new UnavailableError(`The event store (EventStoreDB at ${this.url}) is closed`);
  }
}

function toEventData(stream: string, event: NewEvent) {
  if (typeof event?.type !== 'string' || event.type.length === 0) {
    throw new ValidationError(`An event for stream ${stream} has no type`);
  }
  if (event.type.startsWith('$')) {
    throw new ValidationError(`Event type ${event.type} for stream ${stream}: types starting with $ are reserved`);
  }
  const data = JSON.stringify(event.data);
  const metadata = JSON.stringify(event.metadata);
  if (data === undefined || metadata === undefined) {
    throw new ValidationError(`Event ${event.type} for stream ${stream}: data and metadata must be JSON values`);
  }
  // Same measure as the embedded adapter. EventStoreDB also limits a whole append (1 MiB by default).
  const bytes = Buffer.byteLength(event.type) + Buffer.byteLength(data) + Buffer.byteLength(metadata);
  if (bytes > MAX_EVENT_BYTES) throw new EventTooLargeError(stream, bytes, MAX_EVENT_BYTES);
  const eventId = event.metadata.eventId;
  return {
    bytes,
    id: isUuid(eventId) ? eventId : uuidv5(String(eventId), EVENT_ID_NAMESPACE),
    type: event.type,
    data: event.data,
    metadata: { ...event.metadata },
  };
}

function toRecorded(event: EsdbRecorded): RecordedEvent {
  return {
    streamId: event.streamId,
    revision: Number(event.revision),
    position: toPosition(event.position, `event ${event.revision} of ${event.streamId}`),
    type: event.type,
    data: event.data,
    metadata: withoutChainHash(event.metadata) as EventMetadata,
  };
}

function toEsdbExpected(expected: ExpectedRevision): AppendStreamState {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
  }
  if (!Number.isSafeInteger(expected) || expected < 0) {
    throw new ValidationError(`Invalid expected revision ${String(expected)}`);
  }
  return BigInt(expected);
}

/** A count or undefined (no limit). */
function validateCount(count: number | undefined): number | undefined {
  if (count === undefined) return undefined;
  if (!Number.isSafeInteger(count) || count < 0) throw new ValidationError(`Invalid count ${String(count)}`);
  return count;
}
