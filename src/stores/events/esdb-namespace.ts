/**
 * A deployment's (or a test run's) own part of a shared EventStoreDB/KurrentDB cluster: every stream it
 * writes is stored as `prefix + name`, every read and subscription is filtered on the server to that
 * prefix, and every event read comes back under its own name. Hash chains are over the names without the
 * prefix, so a history keeps its hashes when it moves between engines or namespaces.
 */
import { isValidStreamPrefix, STREAM_PREFIX_RULE } from '../../config/stream-prefix';
import { ValidationError } from '../../errors/app-error';
import type { StreamFilter } from './event-store';

export class StreamNamespace {
  constructor(readonly prefix = '') {
    if (prefix !== '' && !isValidStreamPrefix(prefix)) throw new ValidationError(`Invalid stream prefix "${prefix}": it must be ${STREAM_PREFIX_RULE}`);
  }

  /** The stream's name on the server. */
  outward(stream: string): string {
    return this.prefix + stream;
  }

  /** An event read from the server, under the name the port knows it by. */
  inward<E extends { streamId: string }>(event: E): E {
    if (this.prefix === '' || !event.streamId.startsWith(this.prefix)) return event;
    return { ...event, streamId: event.streamId.slice(this.prefix.length) };
  }

  /** The filter to send to the server: the caller's prefixes inside the namespace, or the whole namespace. */
  filter(filter: StreamFilter | undefined): StreamFilter | undefined {
    if (this.prefix === '') return filter;
    // An empty list stays empty, so the adapter still refuses it as it does without a namespace.
    return { streamPrefixes: (filter?.streamPrefixes ?? ['']).map((prefix) => this.prefix + prefix) };
  }
}
