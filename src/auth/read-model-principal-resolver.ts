import type { SessionDoc } from '../projections/access-projection';
import { apiKeyById, apiKeyByHash, latestRevocationPosition, sessionById, sessionByTokenHash } from '../queries/credentials';
import type { QueryServices } from '../queries/query-services';
import { userById } from '../queries/users';
import type { Clock } from '../time/clock';
import { ApiKeyCache } from './api-key-cache';
import type { ApiKeyPrincipal, CredentialRef, Principal, PrincipalResolver, UserPrincipal } from './principal';
import { RevocationWatch } from './revocation-watch';
import { sha256Hex } from './secrets';

/** Session tokens are `newSecret('cos')`; API keys `newSecret('co')`. */
const SESSION_TOKEN_PREFIX = 'cos_';

/**
 * Resolves credentials against the access read model. Sessions are checked on every request (the
 * session not ended, expiry against the injected clock, the account not disabled); keys go through a
 * cache that trusts an entry only while no revocation happened since it was looked up.
 */
export class ReadModelPrincipalResolver implements PrincipalResolver {
  private readonly keys: ApiKeyCache;
  private readonly revocations: RevocationWatch;

  constructor(
    private readonly services: QueryServices,
    private readonly clock: Clock,
  ) {
    this.keys = new ApiKeyCache(clock);
    this.revocations = new RevocationWatch(() => latestRevocationPosition(services));
  }

  async bySessionToken(token: string): Promise<UserPrincipal | null> {
    // Routes that accept a user or a key try both; an executor's key need not cost a session lookup.
    if (!token.startsWith(SESSION_TOKEN_PREFIX)) return null;
    return this.ofSession(await sessionByTokenHash(this.services, sha256Hex(token)));
  }

  async byApiKey(key: string): Promise<ApiKeyPrincipal | null> {
    if (key.startsWith(SESSION_TOKEN_PREFIX)) return null;
    const hash = sha256Hex(key);
    const revocation = await this.revocations.latest();
    const cached = this.keys.get(hash, revocation);
    if (cached) return cached;
    const doc = await apiKeyByHash(this.services, hash);
    if (!doc || doc.revoked) return null;
    const principal: ApiKeyPrincipal = { kind: 'apiKey', keyId: doc.id, projectId: doc.projectId, scope: doc.scope };
    this.keys.set(hash, principal, revocation);
    return principal;
  }

  async current(credential: CredentialRef): Promise<Principal | null> {
    if (credential.kind === 'user') {
      const session = await sessionById(this.services, credential.sessionId);
      return session?.userId === credential.userId ? this.ofSession(session) : null;
    }
    const doc = await apiKeyById(this.services, credential.keyId);
    if (!doc || doc.revoked) return null;
    return { kind: 'apiKey', keyId: doc.id, projectId: doc.projectId, scope: doc.scope };
  }

  latestRevocation(): number | Promise<number> {
    return this.revocations.latest();
  }

  forgetApiKey(keyId: string): void {
    this.keys.forget(keyId);
    this.revocations.invalidate();
  }

  private async ofSession(session: SessionDoc | null): Promise<UserPrincipal | null> {
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
}
