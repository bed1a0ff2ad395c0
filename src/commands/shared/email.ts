/** Emails are compared and stored trimmed and lowercased (members, invitations, alert recipients). */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
