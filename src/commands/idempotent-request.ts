import { AsyncLocalStorage } from 'node:async_hooks';
import type { AppendOptions, IdempotentAppend } from '../stores/events/event-store';

/** A request sent with an Idempotency-Key, as the command layer sees it. */
export interface IdempotentRequest {
  /** Caller, method, path and key, hashed. */
  scope: string;
  /** The request's content, hashed. */
  requestHash: string;
  /** Whether the store already knew the request when it arrived: only then can an append of it have been made before. */
  seenBefore: boolean;
}

interface RequestAppends {
  request: IdempotentRequest;
  /** Appends made so far per stream: a retry makes the same appends in the same order. */
  steps: Map<string, number>;
}

const current = new AsyncLocalStorage<RequestAppends>();

/**
 * Runs a request's work with its idempotency carried along, so every append the work makes is
 * recorded with the request and made once however often the request is retried.
 */
export function runIdempotently<T>(request: IdempotentRequest, work: () => T): T {
  return current.run({ request, steps: new Map() }, work);
}

/**
 * The idempotency of the next append to `stream` in the current request (undefined outside one);
 * `seenBefore` says whether the store may already hold it.
 */
export function nextIdempotentAppend(stream: string): { append: IdempotentAppend; seenBefore: boolean } | undefined {
  const appends = current.getStore();
  if (!appends) return undefined;
  const step = (appends.steps.get(stream) ?? 0) + 1;
  appends.steps.set(stream, step);
  const { scope, requestHash, seenBefore } = appends.request;
  return { append: { scope, requestHash, step }, seenBefore };
}

/** AppendOptions for an append that needs no look at the earlier outcome (it answers the same either way). */
export function idempotentAppendOptions(stream: string): AppendOptions | undefined {
  const next = nextIdempotentAppend(stream);
  return next && { idempotency: next.append };
}
