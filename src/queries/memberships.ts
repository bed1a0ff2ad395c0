import { normalizeEmail } from '../commands/shared/email';
import type { ProjectRole } from '../events/project-events';
import { ACCESS_COLLECTIONS, ACCESS_PROJECTION, type MembershipDoc, membershipId } from '../projections/access-projection';
import type { QueryServices } from './query-services';

function memberships(services: QueryServices): string {
  return services.registry.collection(ACCESS_PROJECTION, ACCESS_COLLECTIONS.memberships);
}

/** The role of `email` in a project; null when it is not a member. */
export async function memberRole(services: QueryServices, projectId: string, email: string): Promise<ProjectRole | null> {
  const membership = await services.reads.get<MembershipDoc>(memberships(services), membershipId(projectId, normalizeEmail(email)));
  return membership?.role ?? null;
}

/** Every project `email` is a member of, with the role. */
export async function membershipsOf(services: QueryServices, email: string): Promise<MembershipDoc[]> {
  const { items } = await services.reads.find<MembershipDoc>(memberships(services), { filter: { email: normalizeEmail(email) } });
  return items;
}
