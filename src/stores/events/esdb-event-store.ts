/**
 * EventStoreDB adapter of the EventStore port (@kurrent/kurrentdb-client 1.3.1; EventStoreDB 22.10 or later, or KurrentDB).
 *
 * The client and its lifecycle: esdb-connection.ts. Appends: esdb-appends.ts. Reads: esdb-reads.ts.
 * Stream deletion: esdb-tombstone.ts. Events in and out: esdb-event-mapping.ts. Errors: esdb-errors.ts.
 * Positions: esdb-positions.ts. Filters, all sent to the server: esdb-filters.ts. The catch-up
 * subscription: esdb-subscription.ts.
 */
import { ValidationError } from '../../errors/app-error';
import type {
  AppendOptions,
  AppendResult,
  Behind,
  EventStore,
  EventUpcaster,
  ExpectedRevision,
  NewEvent,
  Position,
  ReadAllOptions,
  ReadPagesOptions,
  ReadStoredOptions,
  ReadStreamOptions,
  RecordedEvent,
  StoredEvent,
  SubscribeOptions,
  Subscription,
} from './event-store';
import { raiseFenceStream } from './fence-stream';
import type { ChainReport, VerifyChainOptions } from './event-chain';
import { EsdbAppends } from './esdb-appends';
import { EsdbConnection } from './esdb-connection';
import { recordedEventMapper } from './esdb-event-mapping';
import { type EsdbRecorded, fromPosition } from './esdb-positions';
import { EsdbReads } from './esdb-reads';
import { categoriesWithoutData, pageReadArguments, validateCount } from './event-arguments';
import { EsdbSubscription } from './esdb-subscription';
import { tombstoneStream } from './esdb-tombstone';
import { ProcessIdempotencyRecords } from './process-idempotency';
import { pagedReadAll } from './paged-read-all';

const DEFAULT_MAX_BATCH = 500;

export class EsdbEventStore implements EventStore {
  /** The connection string with its password masked: safe in messages and logs. */
  readonly url: string;
  /**
   * Durable idempotency needs its record committed atomically with the events, which this adapter
   * cannot do yet: keys are kept in this process's memory (a retry to another instance, or after a
   * restart, may be applied again).
   */
  readonly idempotency = new ProcessIdempotencyRecords();
  private readonly subscriptions = new Set<EsdbSubscription>();
  private readonly reads: EsdbReads;
  private readonly appends: EsdbAppends;

  private constructor(
    private readonly connection: EsdbConnection,
    /** Every event read becomes a RecordedEvent here (see EventUpcaster). */
    private readonly toEvent: (event: EsdbRecorded) => RecordedEvent,
  ) {
    this.url = connection.url;
    this.reads = new EsdbReads(connection, toEvent);
    this.appends = new EsdbAppends(connection, this.idempotency, this);
  }

  static connect(url: string, options: { upcaster?: EventUpcaster; streamPrefix?: string } = {}): EsdbEventStore {
    const connection = EsdbConnection.open(url, options.streamPrefix);
    return new EsdbEventStore(connection, recordedEventMapper(connection.namespace, options.upcaster));
  }

  append(stream: string, events: NewEvent[], expected: ExpectedRevision, options: AppendOptions = {}): Promise<AppendResult> {
    return this.appends.append(stream, events, expected, options);
  }

  verifyChain(options: VerifyChainOptions = {}): Promise<ChainReport> {
    return this.reads.verifyChain(options);
  }

  readStored(options: ReadStoredOptions): AsyncGenerator<StoredEvent[]> {
    return this.reads.readStored(options);
  }

  readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    return this.reads.readStream(stream, options);
  }

  readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return this.reads.readAll(options);
  }

  /** Page by page through readAll, one read at a time. */
  readAllPages(options: ReadPagesOptions): AsyncIterable<RecordedEvent[]> {
    return pagedReadAll((read) => this.readAll(read), pageReadArguments(options));
  }

  subscribeToAll(options: SubscribeOptions): Subscription {
    this.connection.assertOpen();
    const maxBatch = validateCount(options.maxBatch) ?? DEFAULT_MAX_BATCH;
    categoriesWithoutData(options.filter); // checked, though the data is always sent
    if (maxBatch < 1) throw new ValidationError(`Invalid maxBatch ${maxBatch}`);
    const subscription = new EsdbSubscription(
      this.connection.client,
      options.after == null ? null : fromPosition(options.after),
      this.connection.namespace.filter(options.filter),
      maxBatch,
      options.onCheckpoint,
      this.connection.pulled,
      this.toEvent,
      (err) => this.connection.error(err, {}),
      (closed) => this.subscriptions.delete(closed),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async raiseFence(token: number): Promise<void> {
    this.connection.assertOpen();
    await raiseFenceStream(this, token);
  }

  deleteStream(stream: string, expected: ExpectedRevision = 'any', options: Pick<AppendOptions, 'fencingToken'> = {}): Promise<void> {
    return tombstoneStream(this.connection, this, stream, expected, options);
  }

  headPosition(): Promise<Position | null> {
    return this.reads.headPosition();
  }

  behind(position: Position | null): Promise<Behind> {
    return this.reads.behind(position);
  }

  eventsPulled(): number {
    return this.connection.pulled.count;
  }

  ping(): Promise<void> {
    return this.connection.ping();
  }

  /** Ends the subscriptions, lets calls already issued finish, then disposes the client. */
  close(): Promise<void> {
    return this.connection.close(() => Promise.all([...this.subscriptions].map((s) => s.close())));
  }
}
