import { normalizeEmail } from '../commands/shared/email';
import { ACCESS_COLLECTIONS, ACCESS_PROJECTION, type UserDoc } from '../projections/access-projection';
import type { QueryServices } from './query-services';

/** Accounts, from the access read model. */
function users(services: QueryServices): string {
  return services.registry.collection(ACCESS_PROJECTION, ACCESS_COLLECTIONS.users);
}

export function userById(services: QueryServices, userId: string): Promise<UserDoc | null> {
  return services.reads.get<UserDoc>(users(services), userId);
}

export async function userByEmail(services: QueryServices, email: string): Promise<UserDoc | null> {
  const { items } = await services.reads.find<UserDoc>(users(services), { filter: { email: normalizeEmail(email) }, limit: 1 });
  return items[0] ?? null;
}

/** Every account, by email. Installations have tens or hundreds of people, not millions. */
export async function listUsers(services: QueryServices): Promise<UserDoc[]> {
  const { items } = await services.reads.find<UserDoc>(users(services), { sort: [['email', 1]] });
  return items;
}

/** Enabled super admins other than `userId` (the last one must not lose the power). */
export async function countOtherActiveSuperAdmins(services: QueryServices, userId: string): Promise<number> {
  return services.reads.count(users(services), { superAdmin: true, disabled: false, id: { $ne: userId } });
}
