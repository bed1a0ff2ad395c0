import { GoneError, NotFoundError } from '../../errors/app-error';

/**
 * For `evolve`: an aggregate's first event creates its state, so any other event on an empty state means
 * the stream is corrupt (or a decider has a bug). Fail loudly rather than decide on a wrong state.
 */
export function created<State>(state: State | null, event: { type: string }): State {
  if (state === null) throw new Error(`Event ${event.type} found before the aggregate was created`);
  return state;
}

/**
 * The usual preconditions of a command on an existing aggregate. Unknown → 404. Deleted → 410: the id
 * was real and its history is still there, but it accepts no more changes.
 */
export function requireLive<State extends { deleted: boolean }>(state: State | null, label: string): State {
  if (state === null) throw new NotFoundError(`${label} does not exist`);
  if (state.deleted) throw new GoneError(`${label} has been deleted`);
  return state;
}

/**
 * A resource addressed under a project path must belong to that project. Answered 404 like an unknown
 * id, so a caller learns nothing about other projects.
 */
export function requireInProject(actualProjectId: string, requestedProjectId: string, label: string): void {
  if (actualProjectId !== requestedProjectId) {
    throw new NotFoundError(`${label} does not exist in project ${requestedProjectId}`);
  }
}
