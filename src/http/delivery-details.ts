import type { Request } from 'express';
import type { AppServices } from '../app-services';
import { ForbiddenError } from '../errors/app-error';
import { principalOf } from './authentication';
import { type DeliveryDetails, hasDeliveryEvents } from './shapes/delivery-outcome-shape';

/**
 * Whether the caller, who may read the project, sees the details of the deliveries on this page: with
 * the edit permission (editors, admins, write keys) yes; viewers and read keys see outcome classes only.
 */
export async function deliveryDetailsFor(services: Pick<AppServices, 'access'>, request: Request, projectId: string, page: { entries: Array<{ type: string }> }): Promise<DeliveryDetails> {
  if (!hasDeliveryEvents(page.entries.map((entry) => entry.type))) return 'shown';
  try {
    await services.access.require(principalOf(request), projectId, 'edit');
    return 'shown';
  } catch (err) {
    if (err instanceof ForbiddenError) return 'hidden';
    throw err;
  }
}
