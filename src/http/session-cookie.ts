import { SESSION_LIFETIME_MS } from '../commands/flows/log-in';
import { encodeTransaction, LOGIN_TRANSACTION_COOKIE, LOGIN_TRANSACTION_COOKIE_PATH, LOGIN_TRANSACTION_LIFETIME_MS, type LoginTransaction } from '../auth/oidc/login-transaction';
import { SESSION_COOKIE } from './authentication';

/**
 * The dashboard's cookies, the session's first: HttpOnly (scripts cannot read the token), SameSite=Lax (other sites
 * cannot send it with their POSTs), Secure when the server is reached over https.
 */
export function sessionCookie(token: string, publicUrl: string): string {
  return cookie(SESSION_COOKIE, encodeURIComponent(token), SESSION_LIFETIME_MS / 1000, publicUrl, '/');
}

/** Tells the browser to drop the cookie (after logout). */
export function clearedSessionCookie(publicUrl: string): string {
  return cookie(SESSION_COOKIE, '', 0, publicUrl, '/');
}

/** A single sign-on under way in this browser (`co_oidc`, src/auth/oidc/login-transaction.ts), sent to its routes only. */
export function transactionCookie(transaction: LoginTransaction, publicUrl: string): string {
  return cookie(LOGIN_TRANSACTION_COOKIE, encodeTransaction(transaction), LOGIN_TRANSACTION_LIFETIME_MS / 1000, publicUrl, LOGIN_TRANSACTION_COOKIE_PATH);
}

/** Dropped once the callback has used it, whatever the outcome: a sign-in is good for one try. */
export function clearedTransactionCookie(publicUrl: string): string {
  return cookie(LOGIN_TRANSACTION_COOKIE, '', 0, publicUrl, LOGIN_TRANSACTION_COOKIE_PATH);
}

function cookie(name: string, value: string, maxAgeSeconds: number, publicUrl: string, path: string): string {
  const secure = publicUrl.startsWith('https:') ? '; Secure' : '';
  return `${name}=${value}; Path=${path}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${secure}`;
}
