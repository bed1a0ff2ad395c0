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
  if (!credential) throw unauthenticated('Missing credentials: send "Authorization: Bearer <token>" or a project API key');
  const principal =
    securityName === 'apiKey'
      ? await services.principals.byApiKey(credential)
      : await services.principals.bySessionToken(credential);
  if (!principal) throw unauthenticated(securityName === 'apiKey' ? 'Unknown or revoked API key' : 'Invalid or expired session');
  return principal;
}

/**
 * A failed attempt is routine: on routes that take a session or a key, tsoa tries every @Security at
 * once, so every executor report fails the session check. A 401 is answered, never logged, so its
 * error is built without capturing a stack trace, which cost a measurable share of each report's CPU
 * (bench/ingest.ts).
 */
function unauthenticated(message: string): UnauthenticatedError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new UnauthenticatedError(message);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

export function credentialOf(request: Pick<Request, 'headers'>): string | null {
  const header = request.headers.authorization?.trim();
  if (header) return header.replace(/^Bearer\s+/i, '').trim() || null;
  const cookie = cookieOf(request, SESSION_COOKIE);
  return cookie ? decodeURIComponent(cookie) : null;
}

/** A cookie's raw value from the request's `Cookie` header; null when absent or empty. */
export function cookieOf(request: Pick<Request, 'headers'>, name: string): string | null {
  const cookie = request.headers.cookie
    ?.split(';')
    .map((part) => part.trim().split('='))
    .find(([key]) => key === name);
  return cookie?.[1] || null;
}

/** The caller when its credential is a valid key or session, whichever the route takes; else null. */
export async function principalOfCredential(services: Pick<AppServices, 'principals'>, request: Pick<Request, 'headers'>): Promise<Principal | null> {
  const credential = credentialOf(request);
  if (!credential) return null;
  return (await services.principals.byApiKey(credential)) ?? (await services.principals.bySessionToken(credential));
}

/** The principal tsoa attached to the request (controllers take `@Request() request`). */
export function principalOf(request: Request): Principal {
  const principal = (request as Request & { user?: Principal }).user;
  if (!principal) throw new UnauthenticatedError();
  return principal;
}
