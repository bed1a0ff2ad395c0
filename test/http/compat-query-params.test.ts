import { compatDays, compatPage, compatPageSize } from '../../src/http/query-params';

/** The original API's reading of `days`, `page` and `page_size`: clamp or default, never refuse. */
describe('lenient query numbers', () => {
  it.each([
    [undefined, 7],
    ['', 7],
    ['abc', 7],
    ['7.5', 7],
    ['1e2', 7],
    ['0', 1],
    ['-4', 1],
    ['1', 1],
    [' 12 ', 12],
    ['30', 30],
    ['31', 30],
    ['100', 30],
    [15, 15],
  ] as const)('days=%p is %p', (value, days) => expect(compatDays(value)).toBe(days));

  it.each([
    [undefined, 1],
    ['abc', 1],
    ['0', 1],
    ['-1', 1],
    ['2', 2],
    ['99999999999999999999', 1_000_000_000],
  ] as const)('page=%p is %p', (value, page) => expect(compatPage(value)).toBe(page));

  it.each([
    [undefined, 100],
    ['abc', 100],
    ['0', 1],
    ['20', 20],
    ['500', 100],
  ] as const)('page_size=%p is %p', (value, size) => expect(compatPageSize(value, 100)).toBe(size));
});
