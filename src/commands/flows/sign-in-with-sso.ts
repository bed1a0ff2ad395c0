import { randomBytes, randomUUID } from 'node:crypto';
import type { AppServices } from '../../app-services';
import type { OidcConfig } from '../../auth/oidc/oidc-config';
import type { SsoIdentity } from '../../auth/oidc/relying-party';
import { mappedRoles } from '../../auth/oidc/role-mapping';
import { newSecret, sha256Hex } from '../../auth/secrets';
import { AppError, ConflictError, ForbiddenError } from '../../errors/app-error';
import { projectStream, userStream } from '../../events/streams';
import { memberRole } from '../../queries/memberships';
import { countOtherActiveSuperAdmins, userByEmail } from '../../queries/users';
import type { UserDoc } from '../../projections/access-projection';
import { newCommandContext } from '../command-context';
import { executeCommand } from '../execute-command';
import { projectDecider } from '../project/project-decider';
import { userDecider } from '../user/user-decider';
import { type NewSession, SESSION_LIFETIME_MS } from './log-in';
import { registerUser } from './register-user';

type Services = Pick<AppServices, 'events' | 'clock' | 'projections' | 'reads' | 'registry' | 'logger'>;

/** The actor of what single sign-on does on its own: accounts it creates, roles the role map sets. */
export const SSO_ACTOR = 'system:sso';

/**
 * A person the provider vouched for signs in: the account with their (verified) email, created on the
 * first sign-in; the roles OIDC_ROLE_MAP gives their groups, set on every sign-in; then a session like
 * a password sign-in's.
 */
export async function signInWithSso(services: Services, oidc: OidcConfig, identity: SsoIdentity): Promise<NewSession> {
  if (!identity.emailVerified) {
    throw new ForbiddenError('The sign-on provider does not vouch for this email address', [
      `email_verified: must be true for ${identity.email} (verify the address at the provider)`,
    ]);
  }
  const user = (await userByEmail(services, identity.email)) ?? (await provision(services, identity));
  if (user.disabled) throw new ForbiddenError('This account is disabled; ask a super admin to enable it');
  await applyRoleMap(services, oidc, identity, user);
  const token = newSecret('cos');
  const now = services.clock.now();
  const expiresAt = new Date(now.getTime() + SESSION_LIFETIME_MS).toISOString();
  const command = { type: 'LogInWithSso' as const, sessionId: randomUUID(), tokenHash: sha256Hex(token), expiresAt, at: now.toISOString() };
  await executeCommand(services, userStream(user.id), userDecider, command, newCommandContext(user.id));
  return { token, expiresAt, userId: user.id };
}

/**
 * A new account (UserRegistered, by `system:sso`). Its password is a random secret hashed and never
 * shown, so no password opens it until a super admin sets one. Two first sign-ins at once: the second
 * finds the email taken and uses the account the first made.
 */
async function provision(services: Services, identity: SsoIdentity): Promise<UserDoc> {
  const name = identity.name ?? identity.email.split('@')[0]!;
  try {
    await registerUser(services, { email: identity.email, name, password: randomBytes(32).toString('base64url'), superAdmin: false }, newCommandContext(SSO_ACTOR));
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
  }
  const user = await userByEmail(services, identity.email);
  if (!user) throw new ConflictError(`The account of ${identity.email} is being created; sign in again`);
  services.logger.info({ userId: user.id, email: user.email, subject: identity.subject }, 'account created at its first single sign-on');
  return user;
}

/**
 * Sets the role the map gives in each project it names and the groups reach, and super admin when a
 * group grants it. Never removes a membership or the super admin power (done by hand). A change the
 * project refuses (unknown or deleted project, its last admin demoted) is logged, and the sign-in goes on.
 */
async function applyRoleMap(services: Services, oidc: OidcConfig, identity: SsoIdentity, user: UserDoc): Promise<void> {
  const { projects, superAdmin } = mappedRoles(oidc.roleMap, identity.groups);
  const context = newCommandContext(SSO_ACTOR);
  const at = services.clock.now().toISOString();
  if (superAdmin && !user.superAdmin) {
    const otherActiveSuperAdmins = await countOtherActiveSuperAdmins(services, user.id);
    await executeCommand(services, userStream(user.id), userDecider, { type: 'UpdateUser', changes: { superAdmin: true }, otherActiveSuperAdmins, at }, context);
  }
  for (const [projectId, role] of projects) {
    if ((await memberRole(services, projectId, user.email)) === role) continue;
    try {
      await executeCommand(services, projectStream(projectId), projectDecider, { type: 'SetProjectMember', email: user.email, role, at }, context);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      services.logger.warn({ projectId, email: user.email, role, reason: err.message }, 'OIDC_ROLE_MAP: role not set at sign-in');
    }
  }
}
