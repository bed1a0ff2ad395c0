import { StaleFencingTokenError } from '../errors/store-errors';
import type { RecordedEvent, StreamFilter } from '../stores/events/event-store';

/**
 * A process manager follows `$all` and acts only by issuing commands (never by writing read models).
 * Its working state lives in memory and is rebuilt at every start by replaying the events it follows:
 * events up to its saved checkpoint arrive with `replaying = true` (rebuild state, do not act: that
 * was done before the restart), later ones with `replaying = false`. A manager with `snapshots` begins
 * from its last saved state instead and replays only what followed it. Actions are idempotent
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
  /** Saving and restoring its state, so that a start need not replay the whole history (manager-snapshots.ts). */
  readonly snapshots?: StateSnapshots;
  /** Resolves when the work it started in the background (sends, saga steps) has settled. */
  idle?(): Promise<void>;
}

/**
 * A manager's state as JSON. `take()` must answer the state that replaying the events applied so far
 * would build (not what live actions changed since: a snapshot stands for the events up to its
 * position), and `restore(take())` on a fresh manager, followed by any events, must leave it in the
 * state those events leave the original in. Raise `version` whenever the state's shape or the way an
 * event changes it does: a snapshot of another version is ignored and the manager replays instead.
 */
export interface StateSnapshots {
  readonly version: number;
  take(): unknown;
  restore(state: unknown): void;
}

/**
 * The event store refused a write of this manager's term: another instance leads now. The manager
 * stops acting (no retry, no error to report: the lease logs that the term ended and stops it).
 */
export function lostLease(err: unknown): err is StaleFencingTokenError {
  return err instanceof StaleFencingTokenError;
}
