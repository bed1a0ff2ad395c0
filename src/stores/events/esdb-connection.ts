/**
 * The EventStoreDB adapter's connection: the client, this store's namespace in the cluster, and what
 * every call through them shares (failures mapped to the port's errors, the count of events received,
 * and the calls close() waits for before it disposes the client).
 */
import { BACKWARDS, END, KurrentDBClient } from '@kurrent/kurrentdb-client';
import { maskUrl } from '../../config/mask-url';
import { UnavailableError, ValidationError } from '../../errors/app-error';
import { type EsdbErrorContext, toPortError } from './esdb-errors';
import { StreamNamespace } from './esdb-namespace';

const PING_TIMEOUT_MS = 5_000;

export class EsdbConnection {
  private closed = false;
  /** Events received from the server (eventsPulled). */
  readonly pulled = { count: 0 };
  /** Calls to the server not yet settled: close() lets them finish before disposing the client. */
  private readonly inFlight = new Set<Promise<unknown>>();

  private constructor(
    readonly client: KurrentDBClient,
    /** The connection string with its password masked: safe in messages and logs. */
    readonly url: string,
    /** EVENTSTORE_STREAM_PREFIX: this store's part of the cluster (esdb-namespace.ts). */
    readonly namespace: StreamNamespace,
  ) {}

  static open(url: string, streamPrefix: string | undefined): EsdbConnection {
    const masked = maskUrl(url);
    let client: KurrentDBClient;
    try {
      // esdb:// still works in the client but prints a deprecation warning; the scheme means the same.
      client = KurrentDBClient.connectionString(url.replace(/^esdb(\+discover)?:\/\//, 'kurrentdb$1://'));
    } catch (err) {
      throw new ValidationError(`Invalid EventStoreDB connection string ${masked}: ${(err as Error).message}`);
    }
    return new EsdbConnection(client, masked, new StreamNamespace(streamPrefix));
  }

  assertOpen(): void {
    if (this.closed) throw new UnavailableError(`The event store (EventStoreDB at ${this.url}) is closed`);
  }

  track<T>(call: Promise<T>): Promise<T> {
    this.inFlight.add(call);
    const settled = () => this.inFlight.delete(call);
    call.then(settled, settled);
    return call;
  }

  /**
   * Reads a client stream to its end inside try/catch. It must be called right after the read is
   * created: an un-iterated read emits its connection error with no listener and crashes the process.
   */
  collect<E>(read: AsyncIterable<E>, stream?: string): Promise<E[]> {
    return this.track(
      (async () => {
        const items: E[] = [];
        try {
          for await (const item of read) {
            this.pulled.count++;
            items.push(item);
          }
        } catch (err) {
          throw this.error(err, { stream });
        }
        return items;
      })(),
    );
  }

  /** A client error as the port's (esdb-errors.ts). */
  error(raw: unknown, context: EsdbErrorContext): unknown {
    return toPortError(raw, this.url, context);
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

  /** Runs `endFirst` (what still uses the client: subscriptions), lets calls already issued finish, then disposes the client. */
  async close(endFirst: () => Promise<unknown>): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await endFirst();
    await Promise.allSettled([...this.inFlight]);
    // dispose() cancels the client's open gRPC streams; without it jest (or the server) never exits.
    await this.client.dispose();
  }
}
