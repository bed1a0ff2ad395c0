import type { Request } from 'express';
import type { AppServices } from '../../app-services';
import { ForbiddenError } from '../../errors/app-error';
import { principalOf } from '../authentication';

/**
 * Where a task's ping URL starts (`<PUBLIC_URL>/ping/`) for a caller who may report on the project's
 * executions (editors, admins, `ingest` and `write` keys); null for viewers and `read` keys: the URL is
 * a credential that records runs, which they may not do.
 */
export async function pingUrlBaseFor(services: Pick<AppServices, 'access' | 'config'>, request: Request, projectId: string): Promise<string | null> {
  try {
    await services.access.require(principalOf(request), projectId, 'report');
    return `${services.config.publicUrl}/ping/`;
  } catch (err) {
    if (err instanceof ForbiddenError) return null;
    throw err;
  }
}
