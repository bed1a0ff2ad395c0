import { copyJson } from '../../src/stores/read/copy-json';

describe('copyJson', () => {
  const viaJson = (value: unknown) => (typeof value !== 'object' || value === null ? value : JSON.parse(JSON.stringify(value)));

  class Point {
    constructor(
      readonly x: number,
      readonly y: number,
    ) {}
  }
  const values: Array<[string, unknown]> = [
    ['scalars', { s: 'a', n: 1.5, t: true, f: false, z: null }],
    ['nested objects and arrays', { a: { b: [1, { c: [[2], []] }] }, e: {} }],
    ['integer-like keys first, as JSON orders them', { b: 1, 10: 2, a: 3, 2: 4 }],
    ['undefined fields are dropped', { a: undefined, b: 1 }],
    ['undefined in arrays becomes null', [1, undefined, 3]],
    ['non-finite numbers become null', { nan: Number.NaN, inf: Number.POSITIVE_INFINITY, list: [Number.NEGATIVE_INFINITY] }],
    ['-0 becomes 0', { zero: -0 }],
    ['dates become strings', { at: new Date(0) }],
    ['toJSON is honoured', { v: { toJSON: () => 'custom' } }],
    ['class instances become plain objects', { p: new Point(1, 2) }],
    ['a __proto__ field stays a field', JSON.parse('{"__proto__": {"polluted": true}, "a": 1}')],
    ['functions are dropped', { fn: () => 1, a: [() => 1] }],
    ['top-level scalars', 'text'],
    ['top-level null', null],
  ];
  it.each(values)('gives what a JSON round trip gives: %s', (_, value) => {
    const copy = copyJson(value);
    expect(JSON.stringify(copy)).toBe(JSON.stringify(viaJson(value)));
    expect(copy).toStrictEqual(viaJson(value));
  });

  it('copies deeply: changing the copy leaves the original alone', () => {
    const original = { a: { b: [1, { c: 2 }] } };
    const copy = copyJson(original);
    (copy.a.b[1] as { c: number }).c = 3;
    copy.a.b.push(4);
    expect(original).toEqual({ a: { b: [1, { c: 2 }] } });
  });
});
