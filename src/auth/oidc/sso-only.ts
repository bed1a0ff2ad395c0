import { ForbiddenError } from '../../errors/app-error';
import { normalizeEmail } from '../../commands/shared/email';
import type { OidcConfig } from './oidc-config';

/**
 * With OIDC_SSO_ONLY, password sign-in is refused (403, before any password is checked) for everyone
 * but the break-glass admin, ADMIN_EMAIL (or the generated first admin), who can still get in when
 * the provider is down or misconfigured.
 */
export function refusePasswordSignInWhenSsoOnly(oidc: OidcConfig | null, breakGlassEmail: string, email: string): void {
  if (!oidc?.ssoOnly || normalizeEmail(email) === normalizeEmail(breakGlassEmail)) return;
  throw new ForbiddenError('Password sign-in is turned off on this server', [
    `password: refused while OIDC_SSO_ONLY is true; use "${oidc.buttonLabel}" (GET /api/v1/auth/oidc/login)`,
  ]);
}
