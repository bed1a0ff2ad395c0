import { ApiKeyCache } from '../../src/auth/api-key-cache';
import type { ApiKeyPrincipal } from '../../src/auth/principal';

describe('API key cache', () => {
  let now = 0;
  const clock = { now: () => new Date(now) };
  const principal = (keyId: string): ApiKeyPrincipal => ({ kind: 'apiKey', keyId, projectId: 'p', scope: 'ingest' });

  beforeEach(() => {
    now = 1_000_000;
  });

  it('answers from the cache until the TTL has passed', () => {
    const cache = new ApiKeyCache(clock, { ttlMs: 1000, maxEntries: 10 });
    cache.set('hash-a', principal('a'), 0);
    now += 999;
    expect(cache.get('hash-a', 0)).toEqual(principal('a'));
    now += 1;
    expect(cache.get('hash-a', 0)).toBeNull();
  });

  it('trusts an entry only while no revocation happened since it was looked up', () => {
    const cache = new ApiKeyCache(clock, { ttlMs: 1000, maxEntries: 10 });
    cache.set('hash-a', principal('a'), 41);
    expect(cache.get('hash-a', 41)).toEqual(principal('a'));
    expect(cache.get('hash-a', 42)).toBeNull();
    // Gone, not only hidden: looking it up again is what makes it trusted again.
    expect(cache.get('hash-a', 41)).toBeNull();
  });

  it('forgets a key by id at once', () => {
    const cache = new ApiKeyCache(clock, { ttlMs: 1000, maxEntries: 10 });
    cache.set('hash-a', principal('a'), 0);
    cache.set('hash-b', principal('b'), 0);
    cache.forget('a');
    expect(cache.get('hash-a', 0)).toBeNull();
    expect(cache.get('hash-b', 0)).toEqual(principal('b'));
  });

  it('makes room by dropping the oldest entry', () => {
    const cache = new ApiKeyCache(clock, { ttlMs: 1000, maxEntries: 2 });
    cache.set('hash-a', principal('a'), 0);
    cache.set('hash-b', principal('b'), 0);
    cache.set('hash-c', principal('c'), 0);
    expect(cache.get('hash-a', 0)).toBeNull();
    expect(cache.get('hash-b', 0)).not.toBeNull();
    expect(cache.get('hash-c', 0)).not.toBeNull();
  });
});
