import type { Request } from 'express';
import type { AppServices } from '../app-services';
import type { ProjectPermission } from '../auth/principal';
import { NotFoundError } from '../errors/app-error';
import { principalOf } from './authentication';

/**
 * The access check for routes addressed by a task or execution id alone: to a user who is not a member
 * of its project, the thing does not exist — the answer must not name the project it belongs to.
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
