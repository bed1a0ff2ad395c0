/**
 * For URLs and keys that are secrets as a whole (a Slack, Discord or Teams webhook URL, a PagerDuty
 * routing key): what the API and the alert trail show instead, enough to recognise which one is set.
 * `https://hooks.slack.com/services/T0/B0/XXXXabcd` → `https://hooks.slack.com/…abcd`.
 */
export function maskSecretUrl(url: string): string {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#@]*@?[^/?#]*)(.*)$/.exec(url);
  if (!match) return maskKey(url);
  const [, origin, rest] = match;
  const host = origin.includes('@') ? origin.replace(/\/\/.*@/, '//***@') : origin;
  return rest.length === 0 ? host : `${host}/…${tail(rest)}`;
}

/** `R0123456789abcdef` → `…cdef`; short keys show nothing of themselves. */
export function maskKey(key: string): string {
  return `…${tail(key)}`;
}

function tail(secret: string): string {
  return secret.length >= 16 ? secret.slice(-4) : '';
}
