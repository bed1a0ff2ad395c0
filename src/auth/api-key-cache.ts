import type { Clock } from '../time/clock';
import type { ApiKeyPrincipal } from './principal';

export interface ApiKeyCacheOptions {
  /** How long a key found in the read model is trusted without asking again. */
  ttlMs: number;
  /** Bound on memory; the oldest entry makes room. */
  maxEntries: number;
}

export const DEFAULT_API_KEY_CACHE: ApiKeyCacheOptions = { ttlMs: 30_000, maxEntries: 10_000 };

/**
 * Key hash → principal, for a short time: executors report (logs, status) many times per execution,
 * each with the key. Only valid keys are cached, so a key never becomes valid late; a revoke in this
 * process calls `forget` and takes effect at once, one in another process within the TTL.
 */
export class ApiKeyCache {
  private readonly entries = new Map<string, { principal: ApiKeyPrincipal; expiresAt: number }>();

  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    private readonly options: ApiKeyCacheOptions = DEFAULT_API_KEY_CACHE,
  ) {}

  get(hash: string): ApiKeyPrincipal | null {
    const entry = this.entries.get(hash);
    if (!entry) return null;
    if (entry.expiresAt <= this.clock.now().getTime()) {
      this.entries.delete(hash);
      return null;
    }
    return entry.principal;
  }

  set(hash: string, principal: ApiKeyPrincipal): void {
    this.entries.delete(hash);
    if (this.entries.size >= this.options.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(hash, { principal, expiresAt: this.clock.now().getTime() + this.options.ttlMs });
  }

  forget(keyId: string): void {
    for (const [hash, entry] of this.entries) if (entry.principal.keyId === keyId) this.entries.delete(hash);
  }
}
