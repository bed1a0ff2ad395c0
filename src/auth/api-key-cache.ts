import type { Clock } from '../time/clock';
import type { ApiKeyPrincipal } from './principal';

export interface ApiKeyCacheOptions {
  /** How long a key found in the read model is trusted at most, even when nothing was revoked since. */
  ttlMs: number;
  /** Bound on memory; the oldest entry makes room. */
  maxEntries: number;
}

export const DEFAULT_API_KEY_CACHE: ApiKeyCacheOptions = { ttlMs: 30_000, maxEntries: 10_000 };

/**
 * Key hash → principal: executors report (logs, status) many times per execution, each with the key.
 * Only valid keys are cached, so a key never becomes valid late. Each entry remembers the latest
 * revocation it was looked up after (src/auth/revocation-watch.ts) and is trusted only while that is
 * still the latest: a revoke answered by any server over the same store makes every server look its
 * cached keys up again. A revoke in this process also calls `forget`.
 */
export class ApiKeyCache {
  private readonly entries = new Map<string, { principal: ApiKeyPrincipal; revocation: number; expiresAt: number }>();

  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    private readonly options: ApiKeyCacheOptions = DEFAULT_API_KEY_CACHE,
  ) {}

  /** The cached principal, if it was looked up after `latestRevocation` and within the TTL. */
  get(hash: string, latestRevocation: number): ApiKeyPrincipal | null {
    const entry = this.entries.get(hash);
    if (!entry) return null;
    if (entry.revocation !== latestRevocation || entry.expiresAt <= this.clock.now().getTime()) {
      this.entries.delete(hash);
      return null;
    }
    return entry.principal;
  }

  /** `revocation`: the latest revocation as known before the key was looked up. */
  set(hash: string, principal: ApiKeyPrincipal, revocation: number): void {
    this.entries.delete(hash);
    if (this.entries.size >= this.options.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(hash, { principal, revocation, expiresAt: this.clock.now().getTime() + this.options.ttlMs });
  }

  forget(keyId: string): void {
    for (const [hash, entry] of this.entries) if (entry.principal.keyId === keyId) this.entries.delete(hash);
  }
}
