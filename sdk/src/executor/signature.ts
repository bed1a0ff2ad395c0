import { createHmac, timingSafeEqual } from 'node:crypto';

export const TIMESTAMP_HEADER = 'x-cron-observer-timestamp';
export const SIGNATURE_HEADER = 'x-cron-observer-signature';
/** How far a dispatch's timestamp may be from the executor's clock (replays older than this are refused). */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** `hex(HMAC-SHA256(secret, timestamp + "." + rawBody))`, the `v1` scheme. */
export function computeSignature(secret: string, timestamp: number | string, rawBody: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}

/**
 * The headers Cron Observer sends with a dispatch, for tests and for forwarding: one `v1=` per
 * secret (several during a secret rotation).
 */
export function signatureHeaders(secrets: string | string[], rawBody: string | Buffer, nowMs = Date.now()): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000);
  const list = Array.isArray(secrets) ? secrets : [secrets];
  return {
    'X-Cron-Observer-Timestamp': String(timestamp),
    'X-Cron-Observer-Signature': list.map((secret) => `v1=${computeSignature(secret, timestamp, rawBody)}`).join(','),
  };
}

export type Verification = { ok: true; timestamp: number } | { ok: false; reason: string };

export interface VerifyInput {
  /** The secrets this executor accepts (the current one, and the previous one during a rotation). */
  secrets: string[];
  timestamp: string | string[] | undefined;
  signature: string | string[] | undefined;
  rawBody: Buffer | string;
  nowMs?: number;
  toleranceSeconds?: number;
}

/** Checks a dispatch: the timestamp within the tolerance, and any `v1=` matching any secret. */
export function verifySignature(input: VerifyInput): Verification {
  const timestampText = single(input.timestamp);
  const signatureText = single(input.signature);
  if (!timestampText || !signatureText) return { ok: false, reason: 'missing X-Cron-Observer-Timestamp or X-Cron-Observer-Signature' };
  if (!/^\d{1,12}$/.test(timestampText.trim())) return { ok: false, reason: 'X-Cron-Observer-Timestamp is not unix seconds' };
  const timestamp = Number(timestampText.trim());
  const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const skew = Math.abs((input.nowMs ?? Date.now()) / 1000 - timestamp);
  if (skew > tolerance) return { ok: false, reason: `timestamp is ${Math.round(skew)} s away from this executor's clock (at most ${tolerance} s)` };
  const candidates = signatureText
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.startsWith('v1='))
    .map((part) => part.slice(3).toLowerCase())
    .filter((hex) => /^[0-9a-f]{64}$/.test(hex))
    .map((hex) => Buffer.from(hex, 'hex'));
  if (candidates.length === 0) return { ok: false, reason: 'no v1 signature' };
  for (const secret of input.secrets) {
    const expected = Buffer.from(computeSignature(secret, timestampText.trim(), input.rawBody), 'hex');
    if (candidates.some((candidate) => timingSafeEqual(candidate, expected))) return { ok: true, timestamp };
  }
  return { ok: false, reason: 'signature does not match' };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
