import {
  ACCESS_COLLECTIONS,
  ACCESS_PROJECTION,
  type ApiKeyDoc,
  type InvitationDoc,
  LATEST_REVOCATION,
  type RevocationDoc,
  type SessionDoc,
} from '../projections/access-projection';
import type { Doc } from '../stores/read/read-store';
import type { QueryServices } from './query-services';

/** Secrets are looked up by their sha256 (hex): the read model never holds a usable credential. */
async function byField<T extends Doc>(services: QueryServices, collection: string, field: string, value: string): Promise<T | null> {
  const physical = services.registry.collection(ACCESS_PROJECTION, collection);
  const { items } = await services.reads.find<T>(physical, { filter: { [field]: value }, limit: 1 });
  return items[0] ?? null;
}

export function sessionByTokenHash(services: QueryServices, tokenHash: string): Promise<SessionDoc | null> {
  return byField<SessionDoc>(services, ACCESS_COLLECTIONS.sessions, 'tokenHash', tokenHash);
}

export function apiKeyByHash(services: QueryServices, hash: string): Promise<ApiKeyDoc | null> {
  return byField<ApiKeyDoc>(services, ACCESS_COLLECTIONS.apiKeys, 'hash', hash);
}

/** Invitations are stored by token hash (every link ever sent, so a replaced one is recognised). */
export function invitationByTokenHash(services: QueryServices, tokenHash: string): Promise<InvitationDoc | null> {
  return services.reads.get<InvitationDoc>(services.registry.collection(ACCESS_PROJECTION, ACCESS_COLLECTIONS.invitations), tokenHash);
}

/** A session by its id (what stream tokens and open streams hold); null once it ended. */
export function sessionById(services: QueryServices, sessionId: string): Promise<SessionDoc | null> {
  return services.reads.get<SessionDoc>(services.registry.collection(ACCESS_PROJECTION, ACCESS_COLLECTIONS.sessions), sessionId);
}

export function apiKeyById(services: QueryServices, keyId: string): Promise<ApiKeyDoc | null> {
  return services.reads.get<ApiKeyDoc>(services.registry.collection(ACCESS_PROJECTION, ACCESS_COLLECTIONS.apiKeys), keyId);
}

/** `$all` position of the latest event that may have taken access away from anyone (0: none yet). */
export async function latestRevocationPosition(services: QueryServices): Promise<number> {
  const doc = await services.reads.get<RevocationDoc>(services.registry.collection(ACCESS_PROJECTION, ACCESS_COLLECTIONS.revocations), LATEST_REVOCATION);
  return doc?.position ?? 0;
}

/** Most sessions one person may list at once: each sign-in opens one, and they expire. */
export const OWN_SESSIONS_LIMIT = 200;

/** One person's open sessions, newest first. */
export async function sessionsOfUser(services: QueryServices, userId: string): Promise<SessionDoc[]> {
  const physical = services.registry.collection(ACCESS_PROJECTION, ACCESS_COLLECTIONS.sessions);
  const { items } = await services.reads.find<SessionDoc>(physical, { filter: { userId }, sort: [['createdAt', -1]], limit: OWN_SESSIONS_LIMIT });
  return items;
}
