import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';
import type { AppendResult, EventStore, ExpectedRevision, IdempotentAppend, NewEvent } from '../stores/events/event-store';

/** A request sent with an Idempotency-Key, as the command layer sees it. */
export interface IdempotentRequest {
  /** Caller, method, path and key, hashed. */
  scope: string;
  /** The request's content, hashed. */
  requestHash: string;
  /** Whether the store already knew the request when it arrived: only then can an append of it have been made before. */
  seenBefore: boolean;
  /** Filled in as the request runs: appends made now, and appends found made earlier (nothing stored now). */
  effects: { appended: number; replayed: number };
}

/** Whether the request changed nothing because an earlier attempt had made every one of its appends. */
export function onlyReplayed(request: IdempotentRequest): boolean {
  return request.effects.replayed > 0 && request.effects.appended === 0;
}

interface RequestAppends {
  request: IdempotentRequest;
  /** Appends made so far per stream: a retry makes the same appends in the same order. */
  steps: Map<string, number>;
  /** Ids handed out so far. */
  ids: number;
}

const ENTITY_ID_NAMESPACE = '5c0e8d4a-3f71-4b2e-9a6d-7e1f2c3b4a58';

const current = new AsyncLocalStorage<RequestAppends>();

/**
 * Runs a request's work with its idempotency carried along, so every append the work makes is
 * recorded with the request and made once however often the request is retried.
 */
export function runIdempotently<T>(request: IdempotentRequest, work: () => T): T {
  return current.run({ request, steps: new Map(), ids: 0 }, work);
}

/**
 * The idempotency of the next append to `stream` in the current request (undefined outside one);
 * `seenBefore` says whether the store may already hold it.
 */
export function nextIdempotentAppend(
  stream: string,
): { append: IdempotentAppend; seenBefore: boolean; done(result: { replayedFrom?: number }): void } | undefined {
  const appends = current.getStore();
  if (!appends) return undefined;
  const step = (appends.steps.get(stream) ?? 0) + 1;
  appends.steps.set(stream, step);
  const { scope, requestHash, seenBefore, effects } = appends.request;
  const done = ({ replayedFrom }: { replayedFrom?: number }) => {
    if (replayedFrom === undefined) effects.appended++;
    else effects.replayed++;
  };
  return { append: { scope, requestHash, step }, seenBefore, done };
}

/** An append that needs no look at the earlier outcome (it answers the same either way), made once per request. */
export async function appendOnce(store: EventStore, stream: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
  const next = nextIdempotentAppend(stream);
  const result = await store.append(stream, events, expected, next && { idempotency: next.append });
  next?.done(result);
  return result;
}

/**
 * A new entity's id (task, execution, project, group, user). In a request sent with an Idempotency-Key
 * it is derived from the request, so that a retry names the same streams as the first attempt and finds
 * its appends there instead of creating the entity again.
 */
export function newEntityId(): string {
  const appends = current.getStore();
  if (!appends) return randomUUID();
  appends.ids++;
  return uuidv5(`${appends.request.scope}|${appends.ids}`, ENTITY_ID_NAMESPACE);
}
