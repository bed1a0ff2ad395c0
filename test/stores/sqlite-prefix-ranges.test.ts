import { ValidationError } from '../../src/errors/app-error';
import { normalizePrefixes, prefixRange } from '../../src/stores/events/sqlite-prefix-ranges';

describe('a stream filter as SQL ranges', () => {
  it('keeps disjoint prefixes only: duplicates and prefixes another one covers go', () => {
    expect(normalizePrefixes({ streamPrefixes: ['task-', 'task-42', 'execution-', 'task-'] })).toEqual(['task-', 'execution-']);
  });

  it('reads an empty prefix as no filter, and refuses a filter without prefixes', () => {
    expect(normalizePrefixes({ streamPrefixes: ['task-', ''] })).toEqual([]);
    expect(() => normalizePrefixes({ streamPrefixes: [] })).toThrow(ValidationError);
  });

  it('serves a category from the category index, a stream from the stream index, a bare word as a range of categories', () => {
    expect(prefixRange('execution-')).toEqual({ sql: 'e.category = ?', params: ['execution'], index: 'events_by_category' });
    expect(prefixRange('task-42')).toEqual({
      sql: 'e.stream_id IN (SELECT id FROM streams WHERE name >= ? AND name < ?)',
      params: ['task-42', 'task-43'],
      index: 'events_by_stream',
    });
    // `task` also covers `taskgroup-…`: every category from "task" up to, not including, "tasl".
    expect(prefixRange('task')).toEqual({ sql: 'e.category >= ? AND e.category < ?', params: ['task', 'tasl'], index: 'events_by_category' });
  });
});
