import { IdempotencyConflictError } from '../../errors/store-errors';
import {
  type AppendResult,
  type EarlierAppend,
  IDEMPOTENCY_TTL_MS,
  type IdempotencyRecords,
  type IdempotentAnswer,
  type IdempotentAppend,
} from './event-store';

/** Bounds the memory one process spends on them; the oldest go first. */
const MAX_RECORDS = 100_000;

interface Kept<T> {
  value: T;
  requestHash: string;
  expiresAt: number;
}

/**
 * Idempotency records kept in this process's memory, for an event store that cannot yet record them
 * in the transaction of the append (EventStoreDB): a retry to the same process within a day is applied
 * once, but one after a restart or to another instance may be applied again.
 */
export class ProcessIdempotencyRecords implements IdempotencyRecords {
  private readonly appends = new Map<string, Kept<EarlierAppend>>();
  private readonly answers = new Map<string, Kept<IdempotentAnswer>>();

  constructor(private readonly now: () => number = Date.now) {}

  async answer(scope: string): Promise<IdempotentAnswer | null> {
    return this.live(this.answers, scope)?.value ?? null;
  }

  async earlierAppend(stream: string, append: IdempotentAppend): Promise<EarlierAppend | null> {
    const kept = this.live(this.appends, appendKey(stream, append));
    if (!kept) return null;
    if (kept.requestHash !== append.requestHash) throw new IdempotencyConflictError();
    return kept.value;
  }

  async saveAnswer({ scope, requestHash, status, body }: IdempotentAnswer & { scope: string }): Promise<void> {
    if (this.live(this.answers, scope)) return;
    this.keep(this.answers, scope, { requestHash, status, body }, requestHash);
  }

  /** Notes an append made for an idempotent request, once the store has taken it. */
  appended(stream: string, append: IdempotentAppend, result: AppendResult, eventCount: number): void {
    const value = { fromRevision: result.nextExpectedRevision - eventCount + 1, toRevision: result.nextExpectedRevision, position: result.position };
    this.keep(this.appends, appendKey(stream, append), value, append.requestHash);
  }

  private live<T>(map: Map<string, Kept<T>>, key: string): Kept<T> | undefined {
    const kept = map.get(key);
    if (kept && kept.expiresAt <= this.now()) {
      map.delete(key);
      return undefined;
    }
    return kept;
  }

  private keep<T>(map: Map<string, Kept<T>>, key: string, value: T, requestHash: string): void {
    map.set(key, { value, requestHash, expiresAt: this.now() + IDEMPOTENCY_TTL_MS });
    // Maps iterate in insertion order: the first key is the oldest.
    if (map.size > MAX_RECORDS) map.delete(map.keys().next().value!);
  }
}

function appendKey(stream: string, append: IdempotentAppend): string {
  return `${stream}\u0000${append.scope}\u0000${append.step}`;
}
