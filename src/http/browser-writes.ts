/**
 * Cross-site request forgery defence for the dashboard's session cookie (SameSite=Lax already keeps it
 * off other sites' POSTs; this also covers sibling origins of the same site and old browsers). A state
 * change (POST, PUT, PATCH, DELETE) authenticated by the `co_session` cookie must
 * - be sent as `Content-Type: application/json` (415 otherwise): a page of another origin can only send
 *   that type after a CORS preflight, which it does not pass;
 * - come from the server's own origin, or from one listed in CORS_ORIGINS (403 otherwise). The `Origin`
 *   header decides; browsers send it on every such request. Only when it is absent is the request taken
 *   as same-origin on `Sec-Fetch-Site: same-origin` or a same-origin `Referer`; with none of them it is
 *   refused, as a script outside a browser should use a bearer token or an API key.
 * Same-origin compares host and port with the request's `Host` (the scheme is not compared: TLS often
 * ends at a proxy in front). Requests with an `Authorization` header (bearer token, API key) are not
 * affected: browsers never attach one on their own.
 */
import type { RequestHandler } from 'express';
import { ForbiddenError, UnsupportedMediaTypeError } from '../errors/app-error';
import { SESSION_COOKIE } from './authentication';

const STATE_CHANGES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function browserWrites(corsOrigins: readonly string[]): RequestHandler {
  const trusted = new Set(corsOrigins.filter((o) => o !== '*'));
  return (req, _res, next) => {
    if (!STATE_CHANGES.has(req.method) || req.headers.authorization?.trim() || !carriesSessionCookie(req.headers.cookie)) return next();
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') {
      return next(
        new UnsupportedMediaTypeError('Unsupported Content-Type for a cookie-authenticated request', [
          `Content-Type: must be application/json when the session cookie authenticates a ${req.method}, got ${type ? `"${type.slice(0, 40)}"` : 'none'}`,
        ]),
      );
    }
    const host = req.headers.host?.toLowerCase();
    const origin = req.headers.origin?.toLowerCase();
    if (origin !== undefined) {
      if (trusted.has(origin) || hostOf(origin) === host) return next();
      return next(forbidden(`Origin: "${origin.slice(0, 80)}" is neither this server's origin nor listed in CORS_ORIGINS`));
    }
    if (req.headers['sec-fetch-site'] === 'same-origin') return next();
    const referer = req.headers.referer;
    if (referer !== undefined && hostOf(referer) === host) return next();
    next(forbidden('Origin: missing, and neither Sec-Fetch-Site nor Referer shows a same-origin request'));
  };
}

function forbidden(detail: string): ForbiddenError {
  return new ForbiddenError("Cross-origin request refused: a state change made with the session cookie must come from the dashboard's origin", [detail]);
}

function carriesSessionCookie(header: string | undefined): boolean {
  return header?.split(';').some((part) => part.trim().startsWith(`${SESSION_COOKIE}=`)) ?? false;
}

/** `host[:port]` of a URL as a Host header spells it, or null when it is not an http(s) URL. */
function hostOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.host.toLowerCase() : null;
  } catch {
    return null;
  }
}
