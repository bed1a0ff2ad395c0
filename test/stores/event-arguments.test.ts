import { ValidationError } from '../../src/errors/app-error';
import { categoriesWithoutData, validateCount, validateExpectedRevision, validateFencingToken, validatePosition } from '../../src/stores/events/event-arguments';

describe('the event store arguments checked before any read or write', () => {
  it('takes counts that are whole and not negative, and undefined for no limit', () => {
    expect(validateCount(undefined)).toBeUndefined();
    expect(validateCount(0)).toBe(0);
    expect(validateCount(500)).toBe(500);
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 60]) expect(() => validateCount(bad)).toThrow(ValidationError);
  });

  it('takes the named expected revisions and whole revisions from 0', () => {
    for (const good of ['any', 'no_stream', 'stream_exists', 0, 7] as const) expect(() => validateExpectedRevision(good)).not.toThrow();
    for (const bad of [-1, 2.5, 'latest']) expect(() => validateExpectedRevision(bad as never)).toThrow(/Invalid expected revision/);
  });

  it('refuses a position that is not a safe integer (one left a string would compare as text in SQL)', () => {
    expect(() => validatePosition(null)).not.toThrow();
    expect(() => validatePosition(42)).not.toThrow();
    expect(() => validatePosition('42' as never)).toThrow(/Invalid position 42/);
  });

  it('takes no fencing token or a valid one', () => {
    expect(() => validateFencingToken(undefined)).not.toThrow();
    expect(() => validateFencingToken(-3)).toThrow(/Invalid fencing token/);
  });

  it('takes whole categories for withoutData, as every adapter reads them', () => {
    expect(categoriesWithoutData(undefined)).toEqual([]);
    expect(categoriesWithoutData({ streamPrefixes: ['task-'] })).toEqual([]);
    expect(categoriesWithoutData({ streamPrefixes: [''], withoutData: ['executionlog-', 'executionlog-', 'audit2-'] })).toEqual(['executionlog', 'audit2']);
    for (const bad of ['executionlog', 'executionlog-e1', '', 'Task-', "x'-"]) {
      expect(() => categoriesWithoutData({ streamPrefixes: [''], withoutData: [bad] })).toThrow(ValidationError);
    }
  });
});
