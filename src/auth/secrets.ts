import { createHash, randomBytes } from 'node:crypto';

/**
 * Long random secrets (API keys, session tokens, invitation tokens) are stored as SHA-256 hashes:
 * they carry 256 bits of entropy, so a slow password hash would add nothing but tens of milliseconds
 * to every executor report.
 */
export function sha256Hex(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** `<prefix>_<43 base64url chars>`; the first characters are shown in lists to recognise a key. */
export function newSecret(prefix: 'co' | 'cos' | 'coi' | 'whsec' | 'pub'): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/** What lists show of a key: enough to recognise it, too little to use it. */
export function displayPrefix(secret: string): string {
  return `${secret.slice(0, secret.indexOf('_') + 7)}…`;
}
