import {
  ErrorType,
  START,
  convertToCommandError,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type KurrentDBClient,
  type Position as EsdbPosition,
} from '@kurrent/kurrentdb-client';
import type { Position, RecordedEvent, StreamFilter, Subscription } from './event-store';
import { eventFilter, serverFilter } from './esdb-filters';
import { compare, type EsdbRecorded, toPosition } from './esdb-positions';

const RESUBSCRIBE_BASE_MS = 200;
const RESUBSCRIBE_MAX_MS = 30_000;

/** A checkpoint of the server's in a subscription's buffer. */
interface Checkpoint {
  checkpoint: Position;
}

/**
 * A catch-up subscription to `$all` that survives dropped connections: the client reconnects its channel
 * but not the subscription, so this loop resubscribes from the last received position with exponential
 * backoff. Pull-based: it pauses the gRPC stream when its buffer is full (HTTP/2 flow control then holds
 * the server back) and resumes when the consumer takes a batch.
 */
export class EsdbSubscription implements Subscription {
  /** Events received, and the server's checkpoints in their order among them (see onCheckpoint). */
  private readonly buffer: Array<RecordedEvent | Checkpoint> = [];
  private readonly limit: number;
  private readonly accept: (event: EsdbRecorded) => boolean;
  private current?: AllStreamSubscription;
  private retryTimer?: NodeJS.Timeout;
  private attempt = 0;
  private started = false;
  private closed = false;
  private failure?: unknown;
  private wake?: () => void;

  constructor(
    private readonly client: KurrentDBClient,
    /** Position of the last event received from the server (delivered or buffered). */
    private cursor: EsdbPosition | null,
    private readonly filter: StreamFilter | undefined,
    private readonly maxBatch: number,
    private readonly onCheckpoint: ((position: Position) => void | Promise<void>) | undefined,
    private readonly pulled: { count: number },
    private readonly toEvent: (event: EsdbRecorded) => RecordedEvent,
    private readonly mapError: (err: unknown) => unknown,
    private readonly onClose: (subscription: EsdbSubscription) => void,
  ) {
    this.accept = eventFilter(filter);
    this.limit = maxBatch * 2;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<RecordedEvent[]> {
    if (!this.started) {
      this.started = true;
      this.subscribe();
    }
    try {
      for (;;) {
        if (this.closed) return;
        const head = this.buffer[0];
        if (head && 'checkpoint' in head) {
          // Every event before it has been delivered and the consumer asked for more: it may save it.
          this.buffer.shift();
          await this.onCheckpoint?.(head.checkpoint);
        } else if (head) {
          const end = this.buffer.findIndex((item) => 'checkpoint' in item);
          const batch = this.buffer.splice(0, Math.min(this.maxBatch, end < 0 ? Infinity : end)) as RecordedEvent[];
          if (this.buffer.length < this.limit) this.current?.resume();
          yield batch;
        } else if (this.failure !== undefined) {
          throw this.failure;
        } else {
          await new Promise<void>((resolve) => (this.wake = resolve));
        }
      }
    } finally {
      await this.close();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.detach();
    this.notify();
    this.onClose(this);
  }

  private subscribe(): void {
    if (this.closed) return;
    let sub: AllStreamSubscription;
    try {
      sub = this.client.subscribeToAll({
        fromPosition: this.cursor ?? START,
        // One server-side filter per subscription: by stream prefix, or system events out. Tombstone
        // markers ($streamDeleted in a matching stream) and system streams are dropped here as well.
        filter: serverFilter(this.filter, (_, position) => this.checkpoint(position)),
      });
    } catch (err) {
      this.fail(this.mapError(err)); // this runs from a timer: a throw here would crash the process
      return;
    }
    this.current = sub;
    sub.on('data', (resolved: AllStreamResolvedEvent) => this.receive(resolved));
    sub.on('confirmation', () => (this.attempt = 0));
    sub.on('error', (err) => this.dropped(sub, err));
    sub.on('end', () => this.dropped(sub));
    sub.on('close', () => this.dropped(sub));
  }

  private receive(resolved: AllStreamResolvedEvent): void {
    const event = resolved.event;
    this.pulled.count++;
    // A resubscription or an inclusive start may replay what was already received.
    if (!event || (this.cursor && compare(event.position, this.cursor) <= 0)) return;
    this.cursor = event.position;
    this.attempt = 0;
    if (!this.accept(event)) return;
    try {
      this.buffer.push(this.toEvent(event));
    } catch (err) {
      this.fail(err);
      return;
    }
    if (this.buffer.length >= this.limit) this.current?.pause();
    this.notify();
  }

  /**
   * The server searched up to `position` and found nothing more that matches: a resubscription starts
   * there, and the consumer hears of it once it has taken every event received before it.
   */
  private checkpoint(position: EsdbPosition): void {
    if (this.closed || (this.cursor && compare(position, this.cursor) <= 0)) return;
    this.cursor = position;
    this.attempt = 0;
    // A position the port cannot number (legacy transactions) only moves the resubscription.
    if (!this.onCheckpoint || position.commit !== position.prepare) return;
    const last = this.buffer[this.buffer.length - 1];
    const checkpoint = { checkpoint: toPosition(position, 'a subscription checkpoint') };
    if (last && 'checkpoint' in last) this.buffer[this.buffer.length - 1] = checkpoint;
    else this.buffer.push(checkpoint);
    this.notify();
  }

  private dropped(sub: AllStreamSubscription, err?: Error): void {
    if (sub !== this.current || this.closed) return;
    this.detach();
    if (err && isFatal(err)) {
      this.fail(this.mapError(err));
      return;
    }
    const delay = Math.min(RESUBSCRIBE_MAX_MS, RESUBSCRIBE_BASE_MS * 2 ** this.attempt);
    this.attempt++;
    this.retryTimer = setTimeout(() => this.subscribe(), delay);
  }

  private fail(err: unknown): void {
    this.failure = err;
    this.detach();
    this.notify();
  }

  private detach(): void {
    const sub = this.current;
    if (!sub) return;
    this.current = undefined;
    sub.removeAllListeners();
    // A late error from a detached stream must still have a listener, or it would crash the process.
    sub.on('error', () => undefined);
    sub.unsubscribe().catch(() => undefined);
    sub.destroy();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

function isFatal(raw: Error): boolean {
  const err = convertToCommandError(raw) as Error & { type?: string; code?: number };
  // Retrying cannot fix credentials or a request the server rejects; everything else is worth a retry.
  return (
    err.type === ErrorType.ACCESS_DENIED ||
    err.type === ErrorType.INVALID_ARGUMENT ||
    err.code === 3 || // INVALID_ARGUMENT
    err.code === 7 || // PERMISSION_DENIED
    err.code === 16 // UNAUTHENTICATED
  );
}
