import { ForbiddenError } from '../errors/app-error';
import type { Principal, UserPrincipal } from './principal';

/** Routes about people (accounts, creating projects, membership) need a signed-in person, not a key. */
export function requireUser(principal: Principal): UserPrincipal {
  if (principal.kind !== 'user') throw new ForbiddenError('This needs a signed-in user; API keys cannot do it');
  return principal;
}

/** Account management (and the installation's own state, such as quarantined events) is for super admins. */
export function requireSuperAdmin(principal: Principal, action = 'manage accounts'): UserPrincipal {
  const user = requireUser(principal);
  if (!user.superAdmin) throw new ForbiddenError(`Only a super admin may ${action}`);
  return user;
}
