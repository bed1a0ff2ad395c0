/**
 * Connection URLs (MONGODB_URL, EVENTSTORE_URL, SMTP_URL) carry passwords; anything that shows a URL in a
 * message or a log shows it through here. `mongodb://user:secret@h1,h2/db` → `mongodb://user:***@h1,h2/db`.
 *
 * Parsed by hand rather than with `new URL()`: multi-host MongoDB URLs and unencoded characters in
 * passwords are common, and a parser that throws on them must never be the reason a password leaks.
 */
interface Credentials {
  /** `scheme://user` */
  head: string;
  password: string;
  /** `@host…` to the end */
  tail: string;
}

function credentials(url: string): Credentials | null {
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(url);
  if (!scheme) return null;
  const rest = url.slice(scheme[0].length);
  // The credentials end at the last '@' before the query string (a password may contain '/' or '@').
  const queryStart = rest.indexOf('?');
  const at = (queryStart === -1 ? rest : rest.slice(0, queryStart)).lastIndexOf('@');
  if (at === -1) return null;
  const colon = rest.indexOf(':');
  if (colon === -1 || colon > at) return null;
  return { head: scheme[0] + rest.slice(0, colon), password: rest.slice(colon + 1, at), tail: rest.slice(at) };
}

export function maskUrl(url: string): string {
  const parts = credentials(url);
  return parts ? `${parts.head}:***${parts.tail}` : url;
}

/**
 * Removes the URL's password from a message that may quote it (driver errors sometimes echo the
 * connection string), raw or percent-decoded.
 */
export function scrubPassword(message: string, url: string): string {
  const parts = credentials(url);
  if (!parts || parts.password.length === 0) return message;
  let scrubbed = message.split(url).join(maskUrl(url));
  for (const secret of new Set([parts.password, safeDecode(parts.password)])) {
    scrubbed = scrubbed.split(secret).join('***');
  }
  return scrubbed;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
