// SQLite internals: idempotency records in the embedded event store's file, on its injected clock.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { IdempotencyConflictError } from '../../src/errors/store-errors';
import { IDEMPOTENCY_TTL_MS, type IdempotentAppend } from '../../src/stores/events/event-store';
import { SqliteEventStore } from '../../src/stores/events/sqlite-event-store';
import { makeTempDir } from '../support/temp-dir';
import { testEvent } from '../support/test-events';

const request = (scope: string, step = 1, requestHash = 'hash-a'): IdempotentAppend => ({ scope, requestHash, step });

describe.each([
  ['in process', false],
  ['through the writer thread', true],
])('SqliteEventStore idempotent appends (%s)', (_name, writerThread) => {
  let temp: ReturnType<typeof makeTempDir>;
  let now: number;
  let store: SqliteEventStore;
  const open = () => SqliteEventStore.open({ file: join(temp.dir, 'events.db'), writerThread, now: () => now });

  beforeEach(() => {
    temp = makeTempDir('sqlite-idempotency-');
    now = Date.UTC(2026, 0, 1);
    store = open();
  });
  afterEach(async () => {
    await store.close();
    temp.cleanup();
  });

  it('appends a request once and answers a repeat with the first append’s result', async () => {
    const first = await store.append('execution-1', [testEvent('A'), testEvent('B')], 'any', { idempotency: request('s1') });
    expect(first).toEqual({ nextExpectedRevision: 1, position: 2 });
    await store.append('execution-1', [testEvent('C')], 'any');
    const repeat = await store.append('execution-1', [testEvent('A'), testEvent('B')], 'any', { idempotency: request('s1') });
    expect(repeat).toEqual({ nextExpectedRevision: 1, position: 2, replayedFrom: 0 });
    // The expected revision no longer matches, but a repeat is answered before that check.
    expect(await store.append('execution-1', [testEvent('A')], 0, { idempotency: request('s1') })).toEqual(repeat);
    expect((await store.readStream('execution-1')).map((e) => e.type)).toEqual(['A', 'B', 'C']);
    expect(await store.idempotency.earlierAppend('execution-1', request('s1'))).toEqual({ fromRevision: 0, toRevision: 1, position: 2 });
    expect(await store.idempotency.earlierAppend('execution-2', request('s1'))).toBeNull();
  });

  it('keeps a request’s appends apart by stream and step', async () => {
    await store.append('execution-1', [testEvent('A')], 'any', { idempotency: request('s1', 1) });
    await store.append('execution-1', [testEvent('B')], 'any', { idempotency: request('s1', 2) });
    await store.append('execution-2', [testEvent('C')], 'any', { idempotency: request('s1', 1) });
    await store.append('execution-1', [testEvent('B')], 'any', { idempotency: request('s1', 2) });
    expect((await store.readStream('execution-1')).map((e) => e.type)).toEqual(['A', 'B']);
    expect((await store.readStream('execution-2')).map((e) => e.type)).toEqual(['C']);
  });

  it('refuses the append of a request with another body, appending nothing', async () => {
    await store.append('execution-1', [testEvent('A')], 'any', { idempotency: request('s1') });
    await expect(store.append('execution-1', [testEvent('B')], 'any', { idempotency: request('s1', 1, 'hash-b') })).rejects.toBeInstanceOf(
      IdempotencyConflictError,
    );
    await expect(store.idempotency.earlierAppend('execution-1', request('s1', 1, 'hash-b'))).rejects.toBeInstanceOf(IdempotencyConflictError);
    expect((await store.readStream('execution-1')).map((e) => e.type)).toEqual(['A']);
  });

  it('stores the first answer of a request, and keeps it', async () => {
    expect(await store.idempotency.answer('s1')).toBeNull();
    await store.idempotency.saveAnswer({ scope: 's1', requestHash: 'hash-a', status: 200, body: { message: 'first' } });
    await store.idempotency.saveAnswer({ scope: 's1', requestHash: 'hash-a', status: 201, body: { message: 'second' } });
    await store.idempotency.saveAnswer({ scope: 's2', requestHash: 'hash-b', status: 201, body: [1, 2] });
    expect(await store.idempotency.answer('s1')).toEqual({ requestHash: 'hash-a', status: 200, body: { message: 'first' } });
    expect(await store.idempotency.answer('s2')).toEqual({ requestHash: 'hash-b', status: 201, body: [1, 2] });
  });

  it('keeps records across a reopen and shares them with another connection to the file', async () => {
    await store.append('execution-1', [testEvent('A')], 'any', { idempotency: request('s1') });
    await store.idempotency.saveAnswer({ scope: 's1', requestHash: 'hash-a', status: 200, body: { ok: true } });
    const other = open();
    try {
      expect(await other.idempotency.answer('s1')).toEqual({ requestHash: 'hash-a', status: 200, body: { ok: true } });
      expect((await other.append('execution-1', [testEvent('A')], 'any', { idempotency: request('s1') })).replayedFrom).toBe(0);
    } finally {
      await other.close();
    }
    await store.close();
    store = open();
    expect((await store.append('execution-1', [testEvent('A')], 'any', { idempotency: request('s1') })).replayedFrom).toBe(0);
    expect(await store.readStream('execution-1')).toHaveLength(1);
  });

  it('appends once when two connections race with the same request', async () => {
    const other = open();
    try {
      const results = await Promise.all(
        [store, other, store, other].map((s) => s.append('execution-1', [testEvent('A')], 'any', { idempotency: request('s1') })),
      );
      expect(results.filter((r) => r.replayedFrom === undefined)).toHaveLength(1);
      expect(await store.readStream('execution-1')).toHaveLength(1);
    } finally {
      await other.close();
    }
  });

  it('forgets a request after 24 hours by the store’s clock, removing expired records a few at a time', async () => {
    for (let i = 0; i < 5; i++) {
      await store.append('execution-1', [testEvent('A')], 'any', { idempotency: request(`old-${i}`) });
      await store.idempotency.saveAnswer({ scope: `old-${i}`, requestHash: 'hash-a', status: 200, body: {} });
    }
    now += IDEMPOTENCY_TTL_MS - 1;
    expect(await store.idempotency.answer('old-0')).not.toBeNull();
    expect(await store.idempotency.earlierAppend('execution-1', request('old-0'))).not.toBeNull();
    now += 1;
    expect(await store.idempotency.answer('old-0')).toBeNull();
    expect(await store.idempotency.earlierAppend('execution-1', request('old-0'))).toBeNull();
    // The key may be used again, for any request.
    const again = await store.append('execution-1', [testEvent('B')], 'any', { idempotency: request('old-1', 1, 'hash-b') });
    expect(again.replayedFrom).toBeUndefined();
    await store.idempotency.saveAnswer({ scope: 'old-1', requestHash: 'hash-b', status: 201, body: { again: true } });
    expect(await store.idempotency.answer('old-1')).toEqual({ requestHash: 'hash-b', status: 201, body: { again: true } });
    const rows = () => {
      const db = new Database(join(temp.dir, 'events.db'), { readonly: true });
      try {
        return {
          appends: db.prepare('SELECT scope FROM idempotent_appends ORDER BY scope').pluck().all(),
          answers: db.prepare('SELECT scope FROM idempotent_answers ORDER BY scope').pluck().all(),
        };
      } finally {
        db.close();
      }
    };
    // Each new record replaced or removed two expired ones, the oldest first.
    expect(rows()).toEqual({ appends: ['old-1', 'old-3', 'old-4'], answers: ['old-1', 'old-3', 'old-4'] });
    await store.append('execution-1', [testEvent('C')], 'any', { idempotency: request('new') });
    expect(rows()).toEqual({ appends: ['new', 'old-1'], answers: ['old-1', 'old-3', 'old-4'] });
  });
});
