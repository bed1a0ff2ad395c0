import { ANY, NO_STREAM, STREAM_EXISTS } from '@kurrent/kurrentdb-client';
import { ValidationError } from '../../src/errors/app-error';
import { toEsdbExpected } from '../../src/stores/events/esdb-tombstone';

describe('given a tombstone’s expected revision', () => {
  it('when it is a named state or a revision, then the client gets its own spelling of it', () => {
    expect(toEsdbExpected('any')).toBe(ANY);
    expect(toEsdbExpected('no_stream')).toBe(NO_STREAM);
    expect(toEsdbExpected('stream_exists')).toBe(STREAM_EXISTS);
    expect(toEsdbExpected(0)).toBe(0n);
    expect(toEsdbExpected(41)).toBe(41n);
  });

  it('when it is not a revision, then it is refused before anything is sent', () => {
    for (const invalid of [-1, 1.5, Number.MAX_SAFE_INTEGER + 1, Number.NaN]) {
      expect(() => toEsdbExpected(invalid)).toThrow(ValidationError);
    }
  });
});
