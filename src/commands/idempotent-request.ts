import { randomUUID } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';
import type { AppendResult, EventStore, ExpectedRevision, IdempotentAppend, NewEvent } from '../stores/events/event-store';

/** A request sent with an Idempotency-Key, as the command layer sees it. */
export interface IdempotentRequest {
  /** Caller, method, path and key, hashed. */
  scope: string;
  /** The request's content, hashed. */
  requestHash: string;
}

/**
 * One request's idempotency as its commands go (CommandContext.idempotency): a retry makes the same
 * appends in the same order and hands out the same new ids, so both are counted.
 */
export class RequestIdempotency {
  private readonly steps = new Map<string, number>();
  private ids = 0;
  /** Appends made now, and appends found made by an earlier attempt (nothing stored now). */
  readonly effects = { appended: 0, replayed: 0 };

  constructor(readonly request: IdempotentRequest) {}

  /** Whether the request changed nothing because an earlier attempt had made every one of its appends. */
  get onlyReplayed(): boolean {
    return this.effects.replayed > 0 && this.effects.appended === 0;
  }

  nextAppend(stream: string): IdempotentAppend {
    const step = (this.steps.get(stream) ?? 0) + 1;
    this.steps.set(stream, step);
    return { scope: this.request.scope, requestHash: this.request.requestHash, step };
  }

  /** Counts an append's result. */
  done({ replayedFrom }: { replayedFrom?: number }): void {
    if (replayedFrom === undefined) this.effects.appended++;
    else this.effects.replayed++;
  }

  nextId(): string {
    this.ids++;
    return uuidv5(`${this.request.scope}|${this.ids}`, ENTITY_ID_NAMESPACE);
  }
}

const ENTITY_ID_NAMESPACE = '5c0e8d4a-3f71-4b2e-9a6d-7e1f2c3b4a58';

/** An append that needs no look at the earlier outcome (it answers the same either way), made once per request. */
export async function appendOnce(
  store: EventStore,
  context: { idempotency?: RequestIdempotency },
  stream: string,
  events: NewEvent[],
  expected: ExpectedRevision,
): Promise<AppendResult> {
  const idempotency = context.idempotency;
  const result = await store.append(stream, events, expected, idempotency && { idempotency: idempotency.nextAppend(stream) });
  idempotency?.done(result);
  return result;
}

/**
 * A new entity's id (task, execution, project, group, user, key). In a request sent with an
 * Idempotency-Key it is derived from the request, so that a retry names the same streams as the first
 * attempt and finds its appends there instead of creating the entity again.
 */
export function newEntityId(context: { idempotency?: RequestIdempotency }): string {
  return context.idempotency?.nextId() ?? randomUUID();
}
