import type { Request } from 'express';
import type { AppServices } from '../app-services';
import type { ProjectPermission } from '../auth/principal';
import { GoneError, NotFoundError } from '../errors/app-error';
import { principalOf } from './authentication';

/**
 * The access check for routes addressed by a task, group or execution id alone: to a user who is not a
 * member of its project, and to a key of another project, the thing does not exist — the answer must
 * not name the project it belongs to.
 */
export async function requireHiddenAccess(
  services: Pick<AppServices, 'access'>,
  request: Request,
  projectId: string,
  permission: ProjectPermission,
  label: string,
): Promise<void> {
  try {
    await services.access.require(principalOf(request), projectId, permission);
  } catch (err) {
    if (err instanceof NotFoundError) throw new NotFoundError(`${label} does not exist`);
    throw err;
  }
}

/**
 * Finds what a route addressed by id alone needs for its access check (the thing's project), before
 * anyone may be told anything about it. A purged thing (its stream is a tombstone) can no longer say
 * which project it was in, so "deleted" could not be said to its members only: it is unknown to all.
 */
export async function beforeHiddenAccess<T>(label: string, lookup: () => Promise<T>): Promise<T> {
  try {
    return await lookup();
  } catch (err) {
    if (err instanceof GoneError) throw new NotFoundError(`${label} does not exist`);
    throw err;
  }
}
