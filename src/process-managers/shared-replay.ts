import type { EventStore, Position, RecordedEvent, StreamFilter } from '../stores/events/event-store';

/** A manager rebuilding its state at start: what the shared replay needs of it. */
export interface ReplayingManager {
  readonly filter?: StreamFilter;
  /** Its saved checkpoint: events up to it are replayed (state only); null when it has nothing to replay. */
  readonly replayThrough: Position | null;
  /** The position its state was restored at (a snapshot): it replays only the events after it (null: from the first). */
  readonly replayAfter: Position | null;
  /** Applies `batch` (events it follows, in order) as replayed, then notes that it has seen everything up to `through`. */
  replay(batch: RecordedEvent[], through: Position): Promise<void>;
}

/** Events a page: the store may read the next pages ahead while the managers apply one (readAllPages). */
const PAGE = 1_000;

/**
 * Most process managers follow the executions, nearly the whole history: replaying each one's events
 * with a read of its own read and decoded most events once per manager. Reading `$all` once with the
 * union of their filters and handing each manager the events it follows, up to its checkpoint, gives
 * every manager the same events in the same order. What lies past a checkpoint is left to the manager's
 * own subscription (acted on, not replayed).
 */
export async function replayTogether(managers: ReplayingManager[], events: EventStore, stopped: () => boolean): Promise<void> {
  const replaying = managers.filter((manager) => manager.replayThrough !== null && (manager.replayAfter === null || manager.replayAfter < manager.replayThrough));
  if (replaying.length < 2) return; // alone, its own subscription reads no more than this would
  const end = Math.max(...replaying.map((manager) => manager.replayThrough!));
  const starts = replaying.map((manager) => manager.replayAfter);
  const start = starts.includes(null) ? null : Math.min(...(starts as Position[]));
  const filter = unionOf(replaying.map((manager) => manager.filter));
  const accepts = replaying.map((manager) => acceptor(manager.filter));
  let after: Position | null = start;
  for await (const page of events.readAllPages({ after: start, through: end, filter, pageSize: PAGE })) {
    if (stopped()) return;
    const last = page[page.length - 1]!.position;
    await Promise.all(
      replaying.map((manager, i) => {
        const through = manager.replayThrough;
        const from = manager.replayAfter ?? -Infinity;
        if (through === null || (after !== null && after >= through) || last <= from) return undefined;
        return manager.replay(
          page.filter((event) => event.position > from && event.position <= through && accepts[i]!(event)),
          Math.min(last, through),
        );
      }),
    );
    after = last;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * The filter that passes every event any of `filters` passes (undefined: every event). A category is
 * read without its data only when every filter that passes any of its streams asks so.
 */
export function unionOf(filters: Array<StreamFilter | undefined>): StreamFilter | undefined {
  if (filters.some((filter) => filter === undefined || filter.streamPrefixes.includes(''))) return undefined;
  const all = filters as StreamFilter[];
  const streamPrefixes = [...new Set(all.flatMap((filter) => filter.streamPrefixes))];
  const overlaps = (a: string, b: string) => a.startsWith(b) || b.startsWith(a);
  const withoutData = [...new Set(all.flatMap((filter) => filter.withoutData ?? []))].filter((category) =>
    all.every((filter) => filter.withoutData?.includes(category) || !filter.streamPrefixes.some((prefix) => overlaps(prefix, category))),
  );
  return withoutData.length > 0 ? { streamPrefixes, withoutData } : { streamPrefixes };
}

/** What the event stores' filters pass: events of streams starting with one of the prefixes. */
function acceptor(filter: StreamFilter | undefined): (event: RecordedEvent) => boolean {
  if (!filter) return () => true;
  const prefixes = filter.streamPrefixes;
  return (event) => prefixes.some((prefix) => event.streamId.startsWith(prefix));
}
