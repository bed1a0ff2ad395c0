import type { Request } from 'express';
import type { AppServices } from '../app-services';
import type { Principal } from '../auth/principal';
import { UnauthenticatedError } from '../errors/app-error';

/** Cookie the dashboard uses instead of the bearer header. */
export const SESSION_COOKIE = 'co_session';

export type SecurityName = 'user' | 'apiKey';

/**
 * tsoa's authentication hook. `@Security('user')` accepts a session (bearer token or cookie);
 * `@Security('apiKey')` a project key, raw in `Authorization` as the original SDK sends it, or as
 * `Bearer <key>`. Several @Security decorators on one route mean "any of them".
 */
export async function expressAuthentication(request: Request, securityName: string, _scopes?: string[]): Promise<Principal> {
  const services = request.app.locals.services as AppServices;
  const credential = credentialOf(request);
  if (!credential) throw new UnauthenticatedError('Missing credentials: send "Authorization: Bearer <token>" or a project API key');
  const principal =
    securityName === 'apiKey'
      ? await services.principals.byApiKey(credential)
      : await services.principals.bySessionToken(credential);
  if (!principal) throw new UnauthenticatedError(securityName === 'apiKey' ? 'Unknown or revoked API key' : 'Invalid or expired session');
  return principal;
}

function credentialOf(request: Request): string | null {
  const header = request.headers.authorization?.trim();
  if (header) return header.replace(/^Bearer\s+/i, '').trim() || null;
  const cookie = request.headers.cookie
    ?.split(';')
    .map((part) => part.trim().split('='))
    .find(([name]) => name === SESSION_COOKIE);
  return cookie?.[1] ? decodeURIComponent(cookie[1]) : null;
}

/** The principal tsoa attached to the request (controllers take `@Request() request`). */
export function principalOf(request: Request): Principal {
  const principal = (request as Request & { user?: Principal }).user;
  if (!principal) throw new UnauthenticatedError();
  return principal;
}
