/**
 * How the EventStore port's one-number `Position` maps to EventStoreDB's `{commit, prepare}`.
 *
 * The port numbers events with one `Position`; EventStoreDB locates them with
 * `{commit, prepare}`, byte offsets in its transaction log. Since 20.6 every gRPC append is written as
 * "committed prepares": each event is its own log record, the records of one append are contiguous,
 * and `$all` reports each event at `{commit: p, prepare: p}` with `p` the offset of its own record
 * (the events of one append do NOT share a commit position there; the append result is the last
 * event's `{p, p}`). So `p` is unique, strictly increasing in `$all` order, and `{commit: n, prepare: n}`
 * is the exact way back from a stored number. Events whose commit and prepare differ can only come
 * from the legacy TCP API's explicit transactions (their events share one commit and their prepares
 * can interleave with other writes), and no single number orders those without skipping or repeating,
 * so `toPosition` refuses them loudly instead of numbering them wrongly. Reads resume from `{n, n}` and
 * also drop anything at or before it, so inclusive (readAll) and exclusive (subscription) starts both
 * give "strictly after n".
 */
import type { Position as EsdbPosition } from '@kurrent/kurrentdb-client';
import { ValidationError } from '../../errors/app-error';
import type { Position } from './event-store';

/** Servers before 22.6 send u64::MAX for positions they do not know (stream reads). */
const NO_POSITION = 2n ** 64n - 1n;

/** The part of an EventStoreDB recorded event this adapter reads. */
export interface EsdbRecorded {
  streamId: string;
  revision: bigint;
  type: string;
  data: unknown;
  metadata: unknown;
  position?: EsdbPosition;
}

export function toPosition(position: EsdbPosition | undefined, what: string): Position {
  if (!position || position.commit === NO_POSITION) {
    throw new Error(`EventStoreDB reported no position for ${what} (stream reads report one from server 22.6 on)`);
  }
  if (position.commit !== position.prepare) {
    throw new Error(
      `EventStoreDB position of ${what} has commit ${position.commit} != prepare ${position.prepare} ` +
        '(written by a legacy explicit transaction): it cannot be numbered without skipping or repeating events',
    );
  }
  if (position.commit > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new Error(`EventStoreDB position ${position.commit} of ${what} exceeds Number.MAX_SAFE_INTEGER`);
  }
  return Number(position.commit);
}

export function fromPosition(position: Position): EsdbPosition {
  if (!Number.isSafeInteger(position) || position < 0) {
    throw new ValidationError(`Invalid position ${String(position)}`);
  }
  return { commit: BigInt(position), prepare: BigInt(position) };
}

export function compare(a: EsdbPosition, b: EsdbPosition): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}
