import { ValidationError } from '../../errors/app-error';

/** How long a browser has between leaving for the provider and coming back. */
export const LOGIN_TRANSACTION_LIFETIME_MS = 10 * 60 * 1000;

export const LOGIN_TRANSACTION_COOKIE = 'co_oidc';

/** The cookie lives only where the callback is (and the login route, which sets it). */
export const LOGIN_TRANSACTION_COOKIE_PATH = '/api/v1/auth/oidc';

/** One sign-in under way in one browser: what the provider's answer must match. */
export interface LoginTransaction {
  state: string;
  nonce: string;
  /** The PKCE code verifier; the provider holds its S256 challenge. */
  verifier: string;
  startedAt: string;
}

/**
 * The transaction travels in an HttpOnly, SameSite=Lax cookie of this browser (session-cookie.ts), not
 * on the server, so any instance can finish a sign-in another one started. It is not signed: each value
 * is random and only compared with what the provider answers (the `state` it sends back, the `nonce` in
 * the ID token it signs, the challenge it holds for the verifier), so an altered cookie only makes its
 * own browser's sign-in fail; and one planted in a victim's browser holds no code issued for them.
 */
export function encodeTransaction(transaction: LoginTransaction): string {
  return Buffer.from(JSON.stringify(transaction)).toString('base64url');
}

/** The transaction this browser started (its `co_oidc` cookie), still fresh at `now`; a 400 saying what is wrong otherwise. */
export function transactionFrom(raw: string | null, now: Date): LoginTransaction {
  const refused = (detail: string) => new ValidationError('Single sign-on refused', [detail]);
  if (!raw) throw refused('state: this browser started no sign-in here (or it expired); start again from the sign-in page');
  let transaction: unknown;
  try {
    transaction = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw refused('state: the sign-in cookie is unreadable; start again from the sign-in page');
  }
  const { state, nonce, verifier, startedAt } = (typeof transaction === 'object' && transaction !== null ? transaction : {}) as Partial<LoginTransaction>;
  if (![state, nonce, verifier, startedAt].every((v) => typeof v === 'string' && v !== '') || Number.isNaN(Date.parse(startedAt!))) {
    throw refused('state: the sign-in cookie is incomplete; start again from the sign-in page');
  }
  const age = now.getTime() - Date.parse(startedAt!);
  // A minute early is another instance's clock, not a forgery worth a word.
  if (age > LOGIN_TRANSACTION_LIFETIME_MS || age < -60_000) {
    throw refused(`state: this sign-in was started at ${startedAt} and expired after ${LOGIN_TRANSACTION_LIFETIME_MS / 60_000} minutes; start again`);
  }
  return { state: state!, nonce: nonce!, verifier: verifier!, startedAt: startedAt! };
}
