import { AppError, UnavailableError } from '../../errors/app-error';
import { IdempotencyConflictError, StaleFencingTokenError, StreamDeletedError, WrongExpectedRevisionError } from '../../errors/store-errors';
import type { ExpectedRevision, StreamRevision } from './event-store';
import type { Synchronous } from './event-database';
import type { WriteRequest, WriteResult } from './event-writer';

/** What the writer thread is started with. */
export interface EventWriterThreadData {
  file: string;
  synchronous: Synchronous;
  /** See EventWriterOptions. */
  chain: boolean;
}

/**
 * Writes and replies cross as JSON text: copying one string between threads costs far less than the
 * structured clone of the same objects, which took a tenth of the HTTP thread's time (bench/ingest.ts).
 */
export type ToEventWriter = { type: 'write'; writes: Json<Array<{ id: number; request: WriteRequest }>> } | { type: 'close' };

export type WriteReply = { id: number; ok: true; result: WriteResult } | { id: number; ok: false; error: WireError };

export type FromEventWriter = { type: 'committed'; replies: Json<WriteReply[]> } | { type: 'closed' };

/** JSON text of a T. */
export type Json<T> = string & { readonly __json?: T };

export function toJson<T>(value: T): Json<T> {
  return JSON.stringify(value) as Json<T>;
}

export function fromJson<T>(json: Json<T>): T {
  return JSON.parse(json) as T;
}

/** Errors cross threads as data (a structured clone keeps no class); these are the ones a write can meet. */
export type WireError =
  | { kind: 'wrong-revision'; stream: string; expected: ExpectedRevision; actual: StreamRevision }
  | { kind: 'deleted'; stream: string }
  | { kind: 'fenced'; token: number; fence: number }
  | { kind: 'idempotency-conflict' }
  | { kind: 'unavailable'; message: string };

export function toWireError(err: unknown): WireError {
  if (err instanceof WrongExpectedRevisionError) return { kind: 'wrong-revision', stream: err.stream, expected: err.expected, actual: err.actual };
  if (err instanceof StreamDeletedError) return { kind: 'deleted', stream: err.stream };
  if (err instanceof StaleFencingTokenError) return { kind: 'fenced', token: err.token, fence: err.fence };
  if (err instanceof IdempotencyConflictError) return { kind: 'idempotency-conflict' };
  const message = err instanceof Error ? err.message : String(err);
  return { kind: 'unavailable', message: err instanceof AppError ? message : `Event store write failed: ${message}` };
}

export function fromWireError(error: WireError): Error {
  switch (error.kind) {
    case 'wrong-revision':
      return new WrongExpectedRevisionError(error.stream, error.expected, error.actual);
    case 'deleted':
      return new StreamDeletedError(error.stream);
    case 'fenced':
      return new StaleFencingTokenError(error.token, error.fence);
    case 'idempotency-conflict':
      return new IdempotencyConflictError();
    case 'unavailable':
      return new UnavailableError(error.message);
  }
}
