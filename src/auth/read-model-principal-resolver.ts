import { apiKeyByHash, sessionByTokenHash } from '../queries/credentials';
import type { QueryServices } from '../queries/query-services';
import { userById } from '../queries/users';
import type { Clock } from '../time/clock';
import { ApiKeyCache } from './api-key-cache';
import type { ApiKeyPrincipal, PrincipalResolver, UserPrincipal } from './principal';
import { sha256Hex } from './secrets';

/** Session tokens are `newSecret('cos')`; API keys `newSecret('co')`. */
const SESSION_TOKEN_PREFIX = 'cos_';

/**
 * Resolves credentials against the access read model. Sessions are checked on every request (expiry
 * against the injected clock, the account not disabled); keys go through a short cache.
 */
export class ReadModelPrincipalResolver implements PrincipalResolver {
  private readonly keys: ApiKeyCache;

  constructor(
    private readonly services: QueryServices,
    private readonly clock: Clock,
  ) {
    this.keys = new ApiKeyCache(clock);
  }

  async bySessionToken(token: string): Promise<UserPrincipal | null> {
    // Routes that accept a user or a key try both; an executor's key need not cost a session lookup.
    if (!token.startsWith(SESSION_TOKEN_PREFIX)) return null;
    const session = await sessionByTokenHash(this.services, sha256Hex(token));
    if (!session || Date.parse(session.expiresAt) <= this.clock.now().getTime()) return null;
    const user = await userById(this.services, session.userId);
    if (!user || user.disabled || user.status !== 'active') return null;
    return {
      kind: 'user',
      userId: user.id,
      email: user.email,
      name: user.name ?? user.email,
      superAdmin: user.superAdmin,
      sessionId: session.id,
    };
  }

  async byApiKey(key: string): Promise<ApiKeyPrincipal | null> {
    if (key.startsWith(SESSION_TOKEN_PREFIX)) return null;
    const hash = sha256Hex(key);
    const cached = this.keys.get(hash);
    if (cached) return cached;
    const doc = await apiKeyByHash(this.services, hash);
    if (!doc || doc.revoked) return null;
    const principal: ApiKeyPrincipal = { kind: 'apiKey', keyId: doc.id, projectId: doc.projectId, scope: doc.scope };
    this.keys.set(hash, principal);
    return principal;
  }

  forgetApiKey(keyId: string): void {
    this.keys.forget(keyId);
  }
}
