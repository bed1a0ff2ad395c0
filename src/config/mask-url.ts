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

/** Query parameters whose value is a credential: `token`, `access_token`, `api_key`, `X-Amz-Signature`, `sig`, `password`, … */
const SECRET_PARAM = /token|key|secret|sig|pass|pwd|auth|credential|session/i;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/**
 * Execution endpoints and alert webhooks carry credentials too: in the userinfo (`https://user:pass@h`,
 * or a bare token, `https://TOKEN@h`) and in the query (`?token=…`, `&api_key=…`). Each such part
 * becomes `***`, the rest of the text is kept as written. The userinfo is found as WHATWG URL parsing
 * (what sends the request) finds it: up to the last `@` before the first `/`, `\`, `?` or `#`.
 */
export function maskUrlSecrets(url: string): string {
  const scheme = SCHEME.exec(url);
  if (!scheme) return url;
  const rest = url.slice(scheme[0].length);
  const authorityEnd = rest.search(/[/\\?#]/);
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  const after = authorityEnd === -1 ? '' : rest.slice(authorityEnd);
  const at = authority.lastIndexOf('@');
  let head = scheme[0] + authority;
  if (at !== -1) {
    const userinfo = authority.slice(0, at);
    const colon = userinfo.indexOf(':');
    head = scheme[0] + (colon === -1 ? '***' : `${userinfo.slice(0, colon)}:***`) + authority.slice(at);
  }
  return head + after.replace(/([?&#;])([^=&#;]*)=([^&#;]*)/g, (whole, sep: string, name: string, value: string) =>
    value !== '' && SECRET_PARAM.test(safeDecode(name)) ? `${sep}${name}=***` : whole,
  );
}

/** Every URL quoted in a text (an error message, an audit record) with its secrets masked. */
export function maskUrlsIn(text: string): string {
  return text.replace(/[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s"'<>]+/g, maskUrlSecrets);
}
