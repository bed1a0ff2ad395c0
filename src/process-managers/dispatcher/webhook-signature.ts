import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures (also in README.md, "Webhook signatures"), so executors can check that a dispatch
 * comes from this server and was not altered or replayed:
 *
 *   X-Cron-Observer-Timestamp: <unix time in whole seconds when the request was signed>
 *   X-Cron-Observer-Signature: v1=<hex>[,v1=<hex>]
 *
 * where `<hex>` is the lowercase hex HMAC-SHA256, keyed with the project's signing secret (the whole
 * string, `whsec_…`, as UTF-8 bytes), of
 *
 *   <timestamp> + "." + <the raw request body bytes, exactly as received>
 *
 * During the grace period after a secret rotation (the previous secret stays valid until
 * `previous_secret_valid_until`) the header carries two signatures, the current secret's first, then
 * the previous one's, separated by a comma; an executor accepts the request if ANY `v1=` value matches
 * one of the secrets it knows. Verify over the raw body (not re-serialised JSON), compare in constant
 * time, and reject timestamps more than a few minutes from your clock (DEFAULT_TOLERANCE_SECONDS) to
 * refuse replays. Future schemes get a new prefix (`v2=`); ignore prefixes you do not know.
 */
export const TIMESTAMP_HEADER = 'X-Cron-Observer-Timestamp';
export const SIGNATURE_HEADER = 'X-Cron-Observer-Signature';
export const SIGNATURE_SCHEME = 'v1';
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** The hex HMAC-SHA256 of `${timestamp}.${body}` with `secret`. */
export function computeSignature(secret: string, timestamp: number, body: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/** The signature header value: one `v1=` per secret, current first. */
export function signatureHeader(secrets: string[], timestamp: number, body: string | Buffer): string {
  return secrets.map((secret) => `${SIGNATURE_SCHEME}=${computeSignature(secret, timestamp, body)}`).join(',');
}

/** What an executor does (also used by the tests): true when some `v1=` value matches some secret and the timestamp is fresh. */
export function verifySignature(options: {
  secrets: string[];
  timestampHeader: string | undefined;
  signatureHeader: string | undefined;
  body: string | Buffer;
  nowSeconds: number;
  toleranceSeconds?: number;
}): boolean {
  const timestamp = Number(options.timestampHeader);
  if (!options.timestampHeader || !/^\d+$/.test(options.timestampHeader) || !Number.isSafeInteger(timestamp)) return false;
  if (Math.abs(options.nowSeconds - timestamp) > (options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return false;
  const given = (options.signatureHeader ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.startsWith(`${SIGNATURE_SCHEME}=`))
    .map((part) => Buffer.from(part.slice(SIGNATURE_SCHEME.length + 1), 'utf8'));
  return options.secrets.some((secret) => {
    const expected = Buffer.from(computeSignature(secret, timestamp, options.body), 'utf8');
    return given.some((candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected));
  });
}
