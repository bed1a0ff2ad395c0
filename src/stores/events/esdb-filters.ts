/**
 * Every read of `$all` and every subscription sends its filter to the server (stream
 * prefixes, or system events out), so the server skips what nobody asked for: `readAll` with a prefix
 * filter, `headPosition` and a filtered subscription's catch-up pull only matching events, whatever the
 * size of `$all`. Filtered subscriptions also receive the server's checkpoints (a position searched up to
 * with nothing matching): the subscription resumes from there and hands it to `onCheckpoint`.
 */
import { excludeSystemEvents, streamNameFilter, type Filter as EsdbFilter } from '@kurrent/kurrentdb-client';
import { ValidationError } from '../../errors/app-error';
import type { StreamFilter } from './event-store';
import type { EsdbRecorded } from './esdb-positions';

/** Application events only: no system stream ($…, $$… metadata) and no system event type ($streamDeleted, …). */
export function isUserEvent(event: EsdbRecorded): boolean {
  return !event.streamId.startsWith('$') && !event.type.startsWith('$');
}

/**
 * The server-side filter for a port filter: by stream prefix, or system events out (no filter, or a
 * '' prefix, which matches every stream). Tombstone markers ($streamDeleted in a matching stream) pass
 * a prefix filter and are dropped here by eventFilter.
 */
export function serverFilter(filter: StreamFilter | undefined, checkpointReached?: EsdbFilter['checkpointReached']): EsdbFilter {
  const prefixes = filter?.streamPrefixes.filter((p) => p !== '') ?? [];
  const everything = !filter || prefixes.length < filter.streamPrefixes.length;
  const checkpoints = checkpointReached ? { checkpointReached } : {};
  return everything ? excludeSystemEvents(checkpoints) : streamNameFilter({ prefixes, ...checkpoints });
}

/** Same rules as the embedded adapter: at least one prefix, and '' matches every stream. */
export function eventFilter(filter: StreamFilter | undefined): (event: EsdbRecorded) => boolean {
  if (!filter) return isUserEvent;
  if (filter.streamPrefixes.length === 0) throw new ValidationError('A stream filter needs at least one prefix');
  const prefixes = filter.streamPrefixes;
  if (prefixes.includes('')) return isUserEvent;
  return (event) => isUserEvent(event) && prefixes.some((prefix) => event.streamId.startsWith(prefix));
}
