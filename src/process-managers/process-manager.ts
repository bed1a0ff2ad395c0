import { StaleFencingTokenError } from '../errors/store-errors';
import type { RecordedEvent, StreamFilter } from '../stores/events/event-store';

/**
 * A process manager follows `$all` and acts only by issuing commands (never by writing read models).
 * Its working state lives in memory and is rebuilt at every start by replaying the events it follows:
 * events up to its saved checkpoint arrive with `replaying = true` (rebuild state, do not act: that
 * was done before the restart), later ones with `replaying = false`. Actions are idempotent
 * (deterministic ids, commands that are no-ops when already done), so the few events between the last
 * checkpoint and a crash are harmless to act on again.
 */
export interface ProcessManager {
  readonly name: string;
  readonly filter?: StreamFilter;
  apply(event: RecordedEvent, replaying: boolean): void | Promise<void>;
  /** Called once the replay has caught up with the store: arm timers, do work missed while down. */
  goLive?(): void | Promise<void>;
  stop?(): void | Promise<void>;
  /** Resolves when the work it started in the background (sends, saga steps) has settled. */
  idle?(): Promise<void>;
}

/**
 * The event store refused a write of this manager's term: another instance leads now. The manager
 * stops acting (no retry, no error to report: the lease logs that the term ended and stops it).
 */
export function lostLease(err: unknown): err is StaleFencingTokenError {
  return err instanceof StaleFencingTokenError;
}
