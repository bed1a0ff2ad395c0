import { SESSION_LIFETIME_MS } from '../commands/flows/log-in';
import { SESSION_COOKIE } from './authentication';

/**
 * The dashboard's session cookie: HttpOnly (scripts cannot read the token), SameSite=Lax (other sites
 * cannot send it with their POSTs), Secure when the server is reached over https.
 */
export function sessionCookie(token: string, publicUrl: string): string {
  return cookie(encodeURIComponent(token), SESSION_LIFETIME_MS / 1000, publicUrl);
}

/** Tells the browser to drop the cookie (after logout). */
export function clearedSessionCookie(publicUrl: string): string {
  return cookie('', 0, publicUrl);
}

function cookie(value: string, maxAgeSeconds: number, publicUrl: string): string {
  const secure = publicUrl.startsWith('https:') ? '; Secure' : '';
  return `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${secure}`;
}
