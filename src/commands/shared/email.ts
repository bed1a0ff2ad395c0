/** Emails are compared and stored trimmed and lowercased (members, invitations, alert recipients). */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * Deliberately loose (something@something, no spaces, at most 254 characters): the only real check of
 * an address is a mail reaching it, and a strict pattern refuses valid addresses.
 */
export function isEmail(email: string): boolean {
  const trimmed = email.trim();
  return trimmed.length <= 254 && /^[^\s@]+@[^\s@]+$/.test(trimmed);
}
