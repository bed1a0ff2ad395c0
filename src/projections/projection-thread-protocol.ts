import type { Config } from '../config/config';
import type { UnknownEventCount } from '../events/event-upcasting';
import type { ProjectionProgress } from './projection-runner';

/** What the projection thread is started with (structured-cloned into it). */
export interface ProjectionThreadData {
  config: Config;
}

export type ToProjectionThread = { type: 'rebuild'; id: number; name: string } | { type: 'stop' };

export type FromProjectionThread =
  | { type: 'ready' }
  | ({ type: 'progress' } & ProjectionProgress)
  | { type: 'rebuilt'; id: number; error: string | null }
  /** The events this thread's projections met and could not upcast (event-upcasting.ts), whenever that changes. */
  | { type: 'unknown-events'; counts: UnknownEventCount[] }
  | { type: 'stopped' };
