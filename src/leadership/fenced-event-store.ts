import { StaleFencingTokenError } from '../errors/store-errors';
import type { AppendOptions, EventStore } from '../stores/events/event-store';

/**
 * The event store as a leader's process managers see it: every write carries the fencing token of the
 * term they were started in, so a leader that lost the lease without noticing (paused past it) has
 * its writes refused by the store itself. `lost` hears the first refusal: the term is over, stop acting.
 */
export function fencedEventStore(events: EventStore, token: number, lost: (error: StaleFencingTokenError) => void): EventStore {
  const fenced = <T>(write: Promise<T>): Promise<T> =>
    write.catch((err: unknown) => {
      if (err instanceof StaleFencingTokenError) lost(err);
      throw err;
    });
  return {
    // Answers of idempotent requests belong to HTTP callers, never to a term.
    idempotency: events.idempotency,
    append: (stream, newEvents, expected, options?: AppendOptions) => fenced(events.append(stream, newEvents, expected, { ...options, fencingToken: token })),
    deleteStream: (stream, expected) => fenced(events.deleteStream(stream, expected, { fencingToken: token })),
    raiseFence: (next) => fenced(events.raiseFence(next)),
    readStream: (stream, options) => events.readStream(stream, options),
    readAll: (options) => events.readAll(options),
    readAllPages: (options) => events.readAllPages(options),
    subscribeToAll: (options) => events.subscribeToAll(options),
    headPosition: () => events.headPosition(),
    behind: (position) => events.behind(position),
    ping: () => events.ping(),
    eventsPulled: () => events.eventsPulled(),
    verifyChain: (options) => events.verifyChain(options),
    readStored: (options) => events.readStored(options),
    close: () => events.close(),
  };
}
