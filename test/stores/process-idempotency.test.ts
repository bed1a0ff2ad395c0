import { IdempotencyConflictError } from '../../src/errors/store-errors';
import { IDEMPOTENCY_TTL_MS } from '../../src/stores/events/event-store';
import { ProcessIdempotencyRecords } from '../../src/stores/events/process-idempotency';

/** The records an event store keeps in memory when it cannot keep them with its events (EventStoreDB). */
describe('idempotency records kept by one process', () => {
  let now = Date.parse('2026-03-01T00:00:00Z');
  const records = () => new ProcessIdempotencyRecords(() => now);
  const append = { scope: 'caller+route+key', requestHash: 'body-1', step: 1 };

  it('gives back an earlier append of the same request, and refuses the same key with another body', async () => {
    const kept = records();
    expect(await kept.earlierAppend('execution-1', append)).toBeNull();
    kept.appended('execution-1', append, { nextExpectedRevision: 7, position: 120 }, 3);
    expect(await kept.earlierAppend('execution-1', append)).toEqual({ fromRevision: 5, toRevision: 7, position: 120 });
    expect(await kept.earlierAppend('execution-1', { ...append, step: 2 })).toBeNull();
    expect(await kept.earlierAppend('execution-2', append)).toBeNull();
    await expect(kept.earlierAppend('execution-1', { ...append, requestHash: 'body-2' })).rejects.toBeInstanceOf(IdempotencyConflictError);
  });

  it('keeps the first answer, and forgets both after a day', async () => {
    const kept = records();
    await kept.saveAnswer({ scope: 's', requestHash: 'h', status: 201, body: { id: 'a' } });
    await kept.saveAnswer({ scope: 's', requestHash: 'h', status: 200, body: { id: 'b' } });
    kept.appended('task-1', append, { nextExpectedRevision: 0, position: 1 }, 1);
    expect(await kept.answer('s')).toEqual({ requestHash: 'h', status: 201, body: { id: 'a' } });
    now += IDEMPOTENCY_TTL_MS;
    expect(await kept.answer('s')).toBeNull();
    expect(await kept.earlierAppend('task-1', append)).toBeNull();
  });
});
