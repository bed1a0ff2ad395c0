/**
 * Copies one event store's whole history into another, whatever their engines (`npm run migrate`):
 * every event as stored (no upcasting: open the source without an upcaster), in `$all` order, each
 * stream's events appended at their exact revisions, so stream names, revisions, types, data and
 * metadata (the event id among them) are the source's. Both adapters hash an event from exactly those
 * inputs (event-chain.ts), so the target's hash chain is the source's, link for link.
 *
 * A target that already holds events is refused unless they are exactly the first events of the
 * source: an interrupted migration, which then goes on after them without writing any twice. Streams
 * tombstoned on the source are tombstoned on the target once their events are copied (their events
 * stay in `$all`, as on the source). The source should not be written to meanwhile: what is copied is
 * the history up to the head as it was when the migration began.
 */
import { ConflictError, ValidationError } from '../../errors/app-error';
import { StreamDeletedError, StreamNotFoundError } from '../../errors/store-errors';
import { canonicalJson } from './event-chain';
import type { EventMetadata, EventStore, NewEvent, Position, RecordedEvent } from './event-store';

export interface MigrationProgress {
  phase: 'checking' | 'copying' | 'tombstoning';
  /** Events the target holds of the source's history (copying), or events looked at (the other phases). */
  events: number;
}

export interface MigrationOptions {
  /** Copy at most this many events in this run (a later run resumes after them). */
  limit?: number;
  /** Events read from the source per page. */
  pageSize?: number;
  onProgress?: (progress: MigrationProgress) => void;
}

export interface MigrationReport {
  /** Events of the source's history the target now holds. */
  events: number;
  /** Of those, copied by this run (the rest were found there, from an interrupted run). */
  copied: number;
  /** Streams the target now has (those whose first event it holds). */
  streams: number;
  /** Streams tombstoned on the target by this run. */
  tombstoned: number;
  /** Whether the target now holds the whole history (false when `limit` stopped the run). */
  complete: boolean;
}

const DEFAULT_PAGE = 1_000;
/** One append stays well under EventStoreDB's 1 MiB per append (the embedded store has no such limit). */
const MAX_APPEND_BYTES = 512 * 1024;
const MAX_APPEND_EVENTS = 500;
const PROGRESS_EVERY = 1_000;

export async function migrateEvents(source: EventStore, target: EventStore, options: MigrationOptions = {}): Promise<MigrationReport> {
  const limit = options.limit ?? Infinity;
  if (limit !== Infinity && (!Number.isSafeInteger(limit) || limit < 0)) throw new ValidationError(`Invalid limit ${String(limit)}`);
  const pageSize = options.pageSize ?? DEFAULT_PAGE;
  const head = await source.headPosition();
  const found = await alreadyCopied(source, target, head, pageSize, options.onProgress);
  let events = found.events;
  let streams = found.streams;
  let copied = 0;
  let cursor = found.through;
  let pending = null as { stream: string; from: number; events: NewEvent[]; bytes: number } | null;
  const flush = async () => {
    if (!pending) return;
    await target.append(pending.stream, pending.events, pending.from === 0 ? 'no_stream' : pending.from - 1);
    events += pending.events.length;
    copied += pending.events.length;
    if (pending.from === 0) streams++;
    if (Math.floor(events / PROGRESS_EVERY) > Math.floor((events - pending.events.length) / PROGRESS_EVERY)) options.onProgress?.({ phase: 'copying', events });
    pending = null;
  };
  let taken = 0;
  let complete = head === null;
  while (!complete && taken < limit) {
    const wanted = Math.min(pageSize, limit - taken);
    const page = await source.readAll({ after: cursor, maxCount: wanted });
    const inRange = page.filter((event) => event.position <= head!);
    for (const event of inRange) {
      const stored = asNewEvent(event);
      const bytes = Buffer.byteLength(JSON.stringify(stored.data)) + Buffer.byteLength(JSON.stringify(stored.metadata));
      // Consecutive events of one stream go in one append, as they were most likely written.
      if (pending?.stream === event.streamId && pending.events.length < MAX_APPEND_EVENTS && pending.bytes + bytes <= MAX_APPEND_BYTES) {
        pending.events.push(stored);
        pending.bytes += bytes;
      } else {
        await flush();
        pending = { stream: event.streamId, from: event.revision, events: [stored], bytes };
      }
    }
    taken += inRange.length;
    cursor = inRange.at(-1)?.position ?? cursor;
    complete = inRange.length < wanted || cursor === head;
  }
  await flush();
  options.onProgress?.({ phase: 'copying', events });
  const tombstoned = complete && head !== null ? await tombstone(source, target, head, pageSize, options.onProgress) : 0;
  return { events, copied, streams, tombstoned, complete };
}

/** The event as it is appended again: type, data and metadata exactly as read. */
function asNewEvent(event: RecordedEvent): NewEvent {
  return { type: event.type, data: event.data, metadata: event.metadata as EventMetadata };
}

/**
 * What the target already holds of the source's history: nothing for an empty target; otherwise its
 * events must be the source's first ones, event for event, or the target is someone else's store.
 */
async function alreadyCopied(
  source: EventStore,
  target: EventStore,
  head: Position | null,
  pageSize: number,
  onProgress: MigrationOptions['onProgress'],
): Promise<{ events: number; streams: number; through: Position | null }> {
  if ((await target.headPosition()) === null) return { events: 0, streams: 0, through: null };
  const refuse = (why: string) =>
    new ConflictError(`The target event store already holds events that are not an interrupted migration of this source (${why}): migrate into an empty store`);
  let events = 0;
  let streams = 0;
  let through: Position | null = null;
  let targetAfter: Position | null = null;
  let sourcePage: RecordedEvent[] = [];
  for (;;) {
    const copies = await target.readAll({ after: targetAfter, maxCount: pageSize });
    if (copies.length === 0) break;
    targetAfter = copies.at(-1)!.position;
    for (const copy of copies) {
      if (sourcePage.length === 0) {
        sourcePage = head === null ? [] : (await source.readAll({ after: through, maxCount: pageSize })).filter((event) => event.position <= head);
        if (sourcePage.length === 0) throw refuse(`it has more events than the source's ${events}`);
      }
      const original = sourcePage.shift()!;
      const difference = differs(original, copy);
      if (difference) throw refuse(`its event ${events + 1}, ${copy.streamId} revision ${copy.revision}, ${difference}`);
      through = original.position;
      events++;
      if (original.revision === 0) streams++;
    }
    onProgress?.({ phase: 'checking', events });
  }
  return { events, streams, through };
}

/** How a stored copy differs from its original, if it does. */
function differs(original: RecordedEvent, copy: RecordedEvent): string | null {
  if (copy.streamId !== original.streamId || copy.revision !== original.revision) {
    return `is not the source's ${original.streamId} revision ${original.revision}`;
  }
  if (copy.type !== original.type) return `has type ${copy.type}, not ${original.type}`;
  if (canonicalJson(copy.data) !== canonicalJson(original.data)) return 'has other data';
  if (canonicalJson(copy.metadata) !== canonicalJson(original.metadata)) return 'has other metadata';
  return null;
}

/**
 * Tombstones on the target the streams tombstoned on the source. The source says so only when a stream
 * is read, so each stream is asked once, at its first event; one already tombstoned (by an earlier run)
 * is left as it is.
 */
async function tombstone(source: EventStore, target: EventStore, head: Position, pageSize: number, onProgress: MigrationOptions['onProgress']): Promise<number> {
  let tombstoned = 0;
  let looked = 0;
  let after: Position | null = null;
  for (;;) {
    const page: RecordedEvent[] = (await source.readAll({ after, maxCount: pageSize })).filter((event) => event.position <= head);
    if (page.length === 0) return tombstoned;
    after = page.at(-1)!.position;
    for (const event of page) {
      if (event.revision !== 0) continue;
      if ((await isTombstoned(source, event.streamId)) && !(await isTombstoned(target, event.streamId))) {
        await target.deleteStream(event.streamId);
        tombstoned++;
      }
    }
    looked += page.length;
    onProgress?.({ phase: 'tombstoning', events: looked });
  }
}

async function isTombstoned(store: EventStore, stream: string): Promise<boolean> {
  try {
    await store.readStream(stream, { maxCount: 1 });
    return false;
  } catch (err) {
    if (err instanceof StreamDeletedError) return true;
    if (err instanceof StreamNotFoundError) return false;
    throw err;
  }
}
