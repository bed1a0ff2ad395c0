/**
 * The leader fence for an event store without multi-stream transactions (EventStoreDB): the newest
 * granted fencing token is the last `FenceRaised` event of the stream `fence-leader`, raised with the
 * stream's exact expected revision so two raises cannot both win.
 *
 * LIMITATION: the check of a fenced write reads this stream just before the write, in a separate
 * round trip; a fence raised between the two is not seen by that one write. The embedded store checks
 * in the write's own transaction (event-writer.ts) and has no such window.
 */
import { randomUUID } from 'node:crypto';
import { StaleFencingTokenError, StreamNotFoundError, WrongExpectedRevisionError } from '../../errors/store-errors';
import { ValidationError } from '../../errors/app-error';
import { type EventStore, type ExpectedRevision, isFencingToken } from './event-store';

export const FENCE_STREAM = 'fence-leader';
export const FENCE_RAISED = 'FenceRaised';
const RAISE_ATTEMPTS = 5;

type Store = Pick<EventStore, 'readStream' | 'append'>;

async function currentFence(store: Store): Promise<{ token: number; revision: ExpectedRevision }> {
  try {
    const [last] = await store.readStream(FENCE_STREAM, { direction: 'backwards', maxCount: 1 });
    if (!last) return { token: 0, revision: 'no_stream' };
    return { token: Number((last.data as { token?: unknown }).token) || 0, revision: last.revision };
  } catch (err) {
    if (err instanceof StreamNotFoundError) return { token: 0, revision: 'no_stream' };
    throw err;
  }
}

/** Refuses a token older than the fence (read just before the write it guards); a newer one raises it. */
export async function checkFenceStream(store: Store, token: number): Promise<void> {
  validateToken(token);
  const { token: fence } = await currentFence(store);
  if (token < fence) throw new StaleFencingTokenError(token, fence);
  if (token > fence) await raiseFenceStream(store, token);
}

export async function raiseFenceStream(store: Store, token: number): Promise<void> {
  validateToken(token);
  for (let attempt = 1; ; attempt++) {
    const { token: fence, revision } = await currentFence(store);
    if (token < fence) throw new StaleFencingTokenError(token, fence);
    if (token === fence) return;
    const metadata = { eventId: randomUUID(), occurredAt: new Date().toISOString(), actor: 'system:leader', correlationId: randomUUID(), causationId: randomUUID(), schemaVersion: 1 };
    try {
      await store.append(FENCE_STREAM, [{ type: FENCE_RAISED, data: { token }, metadata }], revision);
      return;
    } catch (err) {
      // Another instance raised it meanwhile: look again (it may have raised it past this token).
      if (!(err instanceof WrongExpectedRevisionError) || attempt >= RAISE_ATTEMPTS) throw err;
    }
  }
}

function validateToken(token: number): void {
  if (!isFencingToken(token)) throw new ValidationError(`Invalid fencing token ${String(token)}`);
}
