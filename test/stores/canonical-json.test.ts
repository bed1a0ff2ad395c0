import canonicalize from 'canonicalize';
import { canonicalJson } from '../../src/stores/events/event-chain';
import { seededRandom } from '../support/seeded-random';

/** The chain's canonical JSON is RFC 8785 (JCS): checked against the `canonicalize` package. */
describe('canonicalJson', () => {
  it('writes what canonicalize writes, for thousands of random JSON values', () => {
    const random = seededRandom(20261204);
    const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;
    const strings = ['', 'a', 'ä', '✓', '😀', 'line\nbreak', 'quote"', 'back\\slash', '\u0000\u001f', 'é', 'Z', '10', '2', 'é'];
    const numbers = [0, -0, 1, -1, 1.5, 1e21, 1e-7, 123456789012345680000, Number.MAX_SAFE_INTEGER, 5e-324, 0.1 + 0.2];
    const value = (depth: number): unknown => {
      const kind = depth > 3 ? Math.floor(random() * 4) : Math.floor(random() * 6);
      if (kind === 0) return pick(strings) + (random() < 0.3 ? pick(strings) : '');
      if (kind === 1) return pick(numbers) * (random() < 0.5 ? 1 : -1);
      if (kind === 2) return pick([true, false]);
      if (kind === 3) return null;
      if (kind === 4) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(random() * 6) }, () => [pick(strings) + pick(strings), value(depth + 1)]));
    };
    for (let i = 0; i < 5000; i++) {
      const v = value(0);
      expect(canonicalJson(v)).toBe(canonicalize(v));
    }
  });

  it('sorts keys by UTF-16 code units at every depth (😀, U+1F600, before U+FB00), integer-like keys too', () => {
    expect(canonicalJson({ b: 1, a: { '10': 1, '2': 2, B: [{ z: 1, y: 2 }] }, '😀': 0, 'ﬀ': 0 })).toBe('{"a":{"10":1,"2":2,"B":[{"y":2,"z":1}]},"b":1,"😀":0,"ﬀ":0}');
  });

  it('sorts objects of a few keys and of thousands alike, in the same order as canonicalize', () => {
    const random = seededRandom(20261208);
    for (const size of [2, 3, 16, 17, 40, 5000]) {
      const keys = Array.from({ length: size }, (_, i) => `${['k', 'K', 'é', '😀', '10', ''][i % 6]}${Math.floor(random() * 1e6)}`);
      const value = Object.fromEntries(keys.map((key, i) => [key, i % 3 === 0 ? { [key]: i, a: [key] } : i]));
      expect(canonicalJson(value)).toBe(canonicalize(value));
    }
  });

  it('leaves out and nulls what JSON.stringify does, and writes non-finite numbers as null as it does', () => {
    const value = { u: undefined, f: () => 1, list: [undefined, () => 1, NaN, -Infinity], date: new Date(0), n: NaN };
    expect(canonicalJson(value)).toBe(canonicalize(JSON.parse(JSON.stringify(value))));
    expect(canonicalJson(undefined)).toBeUndefined();
    expect(() => canonicalJson({ big: 1n })).toThrow(TypeError);
  });
});
