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
    cache.set('hash-a', principal('a'));
    now += 999;
    expect(cache.get('hash-a')).toEqual(principal('a'));
    now += 1;
    expect(cache.get('hash-a')).toBeNull();
  });

  it('forgets a key by id at once', () => {
    const cache = new ApiKeyCache(clock, { ttlMs: 1000, maxEntries: 10 });
    cache.set('hash-a', principal('a'));
    cache.set('hash-b', principal('b'));
    cache.forget('a');
    expect(cache.get('hash-a')).toBeNull();
    expect(cache.get('hash-b')).toEqual(principal('b'));
  });

  it('makes room by dropping the oldest entry', () => {
    const cache = new ApiKeyCache(clock, { ttlMs: 1000, maxEntries: 2 });
    cache.set('hash-a', principal('a'));
    cache.set('hash-b', principal('b'));
    cache.set('hash-c', principal('c'));
    expect(cache.get('hash-a')).toBeNull();
    expect(cache.get('hash-b')).not.toBeNull();
    expect(cache.get('hash-c')).not.toBeNull();
  });
});
