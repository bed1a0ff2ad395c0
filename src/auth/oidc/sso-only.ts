import { ForbiddenError } from '../../errors/app-error';
import { normalizeEmail } from '../../commands/shared/email';
import type { OidcConfig } from './oidc-config';

/**
 * With OIDC_SSO_ONLY, password sign-in is refused (403, before any password is checked) for everyone
 * but the break-glass admin, who can still get in when the provider is down or misconfigured: the first
 * super admin (the account ADMIN_EMAIL or the generated password created) and ADMIN_EMAIL while set.
 */
export function refusePasswordSignInWhenSsoOnly(oidc: OidcConfig | null, breakGlassEmails: ReadonlyArray<string | null | undefined>, email: string): void {
  if (!oidc?.ssoOnly) return;
  const account = normalizeEmail(email);
  if (breakGlassEmails.some((allowed) => typeof allowed === 'string' && normalizeEmail(allowed) === account)) return;
  throw new ForbiddenError('Password sign-in is turned off on this server', [
    `password: refused while OIDC_SSO_ONLY is true; use "${oidc.buttonLabel}" (GET /api/v1/auth/oidc/login)`,
  ]);
}
