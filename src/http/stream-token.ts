/**
 * Short-lived stream tokens: EventSource cannot send an Authorization header, so a client asks for a
 * token (POST /projects/{id}/events/token) and opens the stream with it in the query.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { CredentialRef } from '../auth/principal';
import { UnauthenticatedError } from '../errors/app-error';

export const STREAM_TOKEN_SECONDS = 60;

interface TokenBody {
  /** Project the token is for. */
  p: string;
  /** Expiry, epoch ms. */
  e: number;
  /**
   * The credential that asked for it (a session or a key), never the rights it had then: opening the
   * stream resolves it again, so a token minted before a logout, a password change, a disabled account,
   * a revoked key or a removed membership opens nothing.
   */
  a: CredentialRef;
}

function credentialRefOf(credential: CredentialRef): CredentialRef {
  return credential.kind === 'user'
    ? { kind: 'user', userId: credential.userId, sessionId: credential.sessionId }
    : { kind: 'apiKey', keyId: credential.keyId };
}

/**
 * An opaque token (AES-256-GCM, so it can be neither read nor forged) that lets the holder open the
 * project's event stream with `credential` until `expiresAt`. The key is shared by the servers of one
 * installation through the read store (read-side.ts).
 */
export function mintStreamToken(key: Buffer, projectId: string, credential: CredentialRef, expiresAtMs: number): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body: TokenBody = { p: projectId, e: expiresAtMs, a: credentialRefOf(credential) };
  const encrypted = Buffer.concat([cipher.update(JSON.stringify(body), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), encrypted]).toString('base64url');
}

/** The credential of a valid, unexpired token for this project (still to be resolved); 401 otherwise. */
export function openStreamToken(key: Buffer, token: string, projectId: string, nowMs: number): CredentialRef {
  let body: TokenBody;
  try {
    const raw = Buffer.from(token, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    body = JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')) as TokenBody;
  } catch {
    throw new UnauthenticatedError('Invalid stream token');
  }
  if (body.p !== projectId) throw new UnauthenticatedError('This stream token is for another project');
  if (body.e <= nowMs) throw new UnauthenticatedError('The stream token has expired; ask for a new one');
  return credentialRefOf(body.a);
}
