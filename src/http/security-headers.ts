/**
 * Security headers on every response (helmet): a Content-Security-Policy the dashboard passes as built
 * (scripts, styles, images and fonts from its own origin only; framing refused), `nosniff`, and a
 * Referrer-Policy that keeps paths (which carry project and task ids) inside the origin. Swagger UI at
 * /api/docs sets inline styles and data: images, so that page alone allows inline styles.
 * `upgrade-insecure-requests` is left out: self-hosted instances are often reached over plain http on an
 * internal network, where upgrading the dashboard's own assets would break it.
 */
import helmet from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';

type Middleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

const STRICT_DIRECTIVES = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  connectSrc: ["'self'"],
  fontSrc: ["'self'", 'data:'],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  imgSrc: ["'self'", 'data:'],
  objectSrc: ["'none'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'"],
  upgradeInsecureRequests: null,
};

function headers(styleSrc: string[]): Middleware {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { ...STRICT_DIRECTIVES, styleSrc } },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'same-origin' },
    // HSTS is the TLS terminator's business: sent over plain http it would be ignored, and a proxy in front decides.
    strictTransportSecurity: false,
  }) as Middleware;
}

const strict = headers(["'self'"]);
const apiDocs = headers(["'self'", "'unsafe-inline'"]);

/** The headers on every response express answers (the API docs page with its own style rule). */
export const securityHeaders: Middleware = (req, res, next) => {
  (req.url?.startsWith('/api/docs') ? apiDocs : strict)(req, res, next);
};

/**
 * The headers the strict middleware sets, which its options fix for every response: recorded once, so
 * that the report fast path (which answers without express) sends them in its one writeHead rather than
 * running helmet's dozen middlewares and setHeader calls for every report.
 */
export const STRICT_SECURITY_HEADERS: Readonly<Record<string, string>> = headersSetBy(strict);

function headersSetBy(middleware: Middleware): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: string) => void (headers[name] = value),
    removeHeader: (name: string) => void delete headers[name],
  };
  middleware({ url: '/' } as IncomingMessage, recorder as unknown as ServerResponse, (err) => {
    if (err) throw err;
  });
  return Object.freeze(headers);
}
