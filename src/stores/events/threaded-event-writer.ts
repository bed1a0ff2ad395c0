import type { Worker } from 'node:worker_threads';
import { UnavailableError } from '../../errors/app-error';
import { startWorker } from '../../threads/start-worker';
import type { WriteRequest, WriteResult } from './event-writer';
import {
  type EventWriterThreadData,
  type FromEventWriter,
  fromJson,
  fromWireError,
  type ToEventWriter,
  toJson,
  type WriteReply,
} from './event-writer-protocol';

interface Pending {
  resolve: (result: WriteResult) => void;
  reject: (error: Error) => void;
}

/**
 * This thread's side of the writer thread (event-writer-thread.ts): the writes of one turn go over in
 * one message; `committed` hears the results of each committed group before the writers are answered,
 * as with an in-process EventWriter.
 */
export class ThreadedEventWriter {
  private readonly thread: Worker;
  private readonly pending = new Map<number, Pending>();
  private outgoing: Array<{ id: number; request: WriteRequest }> = [];
  private nextId = 1;
  private commits = 0;
  private failure: Error | null = null;
  private readonly exited: Promise<void>;

  constructor(
    options: EventWriterThreadData,
    private readonly committed: (results: WriteResult[]) => void,
  ) {
    this.thread = startWorker(__dirname, 'event-writer-thread', options);
    this.thread.on('message', (message: FromEventWriter) => {
      if (message.type === 'committed') this.answer(fromJson(message.replies));
    });
    this.thread.on('error', (err) => this.fail(new UnavailableError(`The event writer thread failed: ${err.message}`)));
    this.exited = new Promise((resolve) => this.thread.once('exit', () => resolve()));
    void this.exited.then(() => this.fail(new UnavailableError('The event store is closed')));
  }

  /** Whether writes were submitted whose outcome the thread has not reported yet. */
  get inFlight(): boolean {
    return this.pending.size > 0;
  }

  /** Groups of writes the thread has reported committed. */
  get commitCount(): number {
    return this.commits;
  }

  submit(request: WriteRequest): Promise<WriteResult> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    if (this.outgoing.length === 0) setImmediate(() => this.send());
    this.outgoing.push({ id, request });
    return new Promise<WriteResult>((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }

  /** Commits and answers everything submitted, then ends the thread. */
  async close(): Promise<void> {
    this.send();
    this.thread.postMessage({ type: 'close' } satisfies ToEventWriter);
    await this.exited;
  }

  private send(): void {
    if (this.outgoing.length === 0 || this.failure) return;
    this.thread.postMessage({ type: 'write', writes: toJson(this.outgoing) } satisfies ToEventWriter);
    this.outgoing = [];
  }

  private answer(replies: WriteReply[]): void {
    this.commits++;
    this.committed(replies.flatMap((reply) => (reply.ok ? [reply.result] : [])));
    for (const reply of replies) {
      const pending = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (!pending) continue;
      if (reply.ok) pending.resolve(reply.result);
      else pending.reject(fromWireError(reply.error));
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const pending of this.pending.values()) pending.reject(this.failure);
    this.pending.clear();
    this.outgoing = [];
  }
}
