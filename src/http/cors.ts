/**
 * Cross-origin access to the API (the original served its web UI from another origin). Origins listed
 * in CORS_ORIGINS get their origin echoed and may send credentials (the session cookie); `*` lets any
 * other origin call without credentials; with none listed no CORS header is sent. Preflights are
 * answered here, before authentication, as browsers send them without credentials; the request headers
 * a preflight asks for are allowed (authentication still decides).
 */
import cors, { type CorsOptions } from 'cors';
import type { RequestHandler } from 'express';
import { WARNING_HEADER } from './tolerant-reader';

/** Preflight answers may be cached by the browser this long (seconds). */
const PREFLIGHT_MAX_AGE = 600;

export function corsPolicy(origins: readonly string[]): RequestHandler {
  const listed = new Set(origins.filter((o) => o !== '*'));
  const anyOrigin = origins.includes('*');
  const common: CorsOptions = {
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    exposedHeaders: [WARNING_HEADER, 'Location', 'Retry-After', 'ETag'],
    maxAge: PREFLIGHT_MAX_AGE,
  };
  return cors((req, callback) => {
    const origin = req.headers.origin?.toLowerCase();
    if (origin !== undefined && listed.has(origin)) return callback(null, { ...common, origin: true, credentials: true });
    if (anyOrigin) return callback(null, { ...common, origin: '*', credentials: false });
    callback(null, { origin: false });
  });
}

