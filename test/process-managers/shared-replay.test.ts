import { unionOf } from '../../src/process-managers/shared-replay';

describe("the shared replay's filter: the union of the managers'", () => {
  it('passes every prefix any manager follows, and every event when one follows everything', () => {
    expect(unionOf([{ streamPrefixes: ['task-'] }, { streamPrefixes: ['execution-', 'task-'] }])).toEqual({ streamPrefixes: ['task-', 'execution-'] });
    expect(unionOf([{ streamPrefixes: ['task-'] }, undefined])).toBeUndefined();
    expect(unionOf([{ streamPrefixes: ['task-'] }, { streamPrefixes: [''] }])).toBeUndefined();
  });

  it('reads a category without its data only when no manager that follows it needs the data', () => {
    const dispatcher = { streamPrefixes: ['execution-', 'executionlog-'], withoutData: ['executionlog-'] };
    expect(unionOf([dispatcher, { streamPrefixes: ['task-'] }])).toEqual({ streamPrefixes: ['execution-', 'executionlog-', 'task-'], withoutData: ['executionlog-'] });
    // Another manager reads log batches whole: so does the replay.
    expect(unionOf([dispatcher, { streamPrefixes: ['executionlog-'] }])?.withoutData).toBeUndefined();
    // A bare prefix (`execution`) covers `executionlog-…` too.
    expect(unionOf([dispatcher, { streamPrefixes: ['execution'] }])?.withoutData).toBeUndefined();
  });
});
