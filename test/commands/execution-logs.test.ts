import { buildLogBatch, executionLogsAppended, type LogLimits } from '../../src/commands/execution/log-batch';
import { TooLargeError, ValidationError } from '../../src/errors/app-error';

const receivedAt = '2025-03-01T02:00:10.000Z';
const limits: LogLimits = { maxLinesPerRequest: 3, maxLineLength: 10, maxBatchBytes: 20 };

function validationDetails(run: () => unknown): string[] {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).details ?? [];
  }
  throw new Error('expected a ValidationError');
}

describe('buildLogBatch', () => {
  test("accepts the original API's single line", () => {
    expect(buildLogBatch({ message: 'started', level: 'info' }, receivedAt)).toEqual([
      { message: 'started', level: 'info', timestamp: null, receivedAt },
    ]);
  });

  test('accepts a batch; levels in any case, client timestamps normalised to UTC ISO', () => {
    expect(
      buildLogBatch(
        {
          lines: [
            { message: 'one', level: 'DEBUG', timestamp: '2025-03-01T03:00:05+01:00' },
            { message: 'two', level: 'warn' },
            { message: 'three', level: 'Error', timestamp: '2025-03-01T02:00:06.5Z' },
          ],
        },
        receivedAt,
      ),
    ).toEqual([
      { message: 'one', level: 'debug', timestamp: '2025-03-01T02:00:05.000Z', receivedAt },
      { message: 'two', level: 'warn', timestamp: null, receivedAt },
      { message: 'three', level: 'error', timestamp: '2025-03-01T02:00:06.500Z', receivedAt },
    ]);
  });

  test('reports every malformed field at once, by path', () => {
    const details = validationDetails(() =>
      buildLogBatch(
        {
          lines: [
            { message: '', level: 'info' },
            { message: 'ok', level: 'trace' },
            { message: 'ok', level: 'info', timestamp: 'yesterday' },
            { message: 'ok', level: 'info', timestamp: '2025-03-01T02:00:00' },
            { level: 'info' },
            'text',
          ],
        },
        receivedAt,
      ),
    );
    expect(details).toEqual([
      'lines[0].message: must be a non-empty string',
      'lines[1].level: "trace" is not one of debug, info, warn, error',
      'lines[2].timestamp: must be an ISO-8601 instant with a time zone, e.g. 2025-01-31T12:00:00Z',
      'lines[3].timestamp: must be an ISO-8601 instant with a time zone, e.g. 2025-01-31T12:00:00Z',
      'lines[4].message: must be a non-empty string',
      'lines[5]: must be an object {message, level, timestamp?}',
    ]);
  });

  test('single-line paths have no prefix; a blank message or missing level is refused', () => {
    expect(validationDetails(() => buildLogBatch({ message: '   ' }, receivedAt))).toEqual([
      'message: must be a non-empty string',
      'level: null is not one of debug, info, warn, error',
    ]);
  });

  test('an empty or missing batch is refused', () => {
    expect(validationDetails(() => buildLogBatch({ lines: [] }, receivedAt))).toEqual([
      'lines: must be a non-empty array of {message, level, timestamp?}',
    ]);
    expect(validationDetails(() => buildLogBatch({ lines: 'x' }, receivedAt))).toHaveLength(1);
    expect(() => buildLogBatch(null as never, receivedAt)).toThrow(ValidationError);
  });

  test('too many lines in one request is 413', () => {
    const line = { message: 'x', level: 'info' };
    expect(() => buildLogBatch({ lines: [line, line, line, line] }, receivedAt, limits)).toThrow(
      new TooLargeError('A request may carry at most 3 log lines; this one has 4. Send them in several requests'),
    );
  });

  test('a line longer than the limit is 413, naming the line', () => {
    expect(() =>
      buildLogBatch({ lines: [{ message: 'short', level: 'info' }, { message: 'much too long', level: 'info' }] }, receivedAt, limits),
    ).toThrow(/at most 10 characters; too long: lines\[1\]\.message \(13\)\. Split long messages/);
    expect(() => buildLogBatch({ message: 'much too long', level: 'info' }, receivedAt, limits)).toThrow(TooLargeError);
  });

  test('a batch larger than the byte limit is 413 (multi-byte characters count as bytes)', () => {
    const emoji = '\u{1F600}\u{1F600}'; // 4 characters, 8 bytes
    expect(() =>
      buildLogBatch({ lines: [{ message: emoji, level: 'info' }, { message: emoji, level: 'info' }, { message: 'abcdefghi', level: 'info' }] }, receivedAt, limits),
    ).toThrow(/total 25 bytes; one request may carry at most 20/);
  });

  test('builds the event for executionlog-<id>', () => {
    const lines = buildLogBatch({ message: 'started', level: 'info' }, receivedAt);
    expect(executionLogsAppended({ executionId: 'e1', taskId: 't1', projectId: 'p1' }, lines)).toEqual({
      type: 'ExecutionLogsAppended',
      data: { executionId: 'e1', taskId: 't1', projectId: 'p1', lines },
    });
  });
});
