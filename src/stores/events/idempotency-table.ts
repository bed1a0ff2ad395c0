/**
 * The embedded store's records of idempotent requests (tables `idempotency` and `idempotent_appends`,
 * event-database.ts): written by the writer inside the transaction of the append they describe, read
 * by the store's reading connection. Times are milliseconds of the store's clock; a record older than
 * IDEMPOTENCY_TTL_MS counts as absent and is deleted a few at a time as new requests arrive, by the
 * `created_at` index, so expiry never scans.
 */
import type { Database, Statement } from 'better-sqlite3';
import { IdempotencyConflictError } from '../../errors/store-errors';
import { type EarlierAppend, IDEMPOTENCY_TTL_MS, type IdempotentAppend, type IdempotentRequestRecord } from './event-store';

/** Expired requests removed per new one: more than one, so expiry keeps up with any arrival rate. */
const EXPIRED_PER_NEW_REQUEST = 2;

interface RequestRow {
  request_hash: string;
  created_at: number;
  status: number | null;
  body: string | null;
}

interface AppendRow {
  from_revision: number;
  to_revision: number;
  position: number;
}

/** The writer's side: checks and records, always inside the append's transaction. */
export class IdempotencyWrites {
  private readonly selectRequest: Statement<[string], RequestRow>;
  private readonly selectAppend: Statement<[string, number, number], AppendRow>;
  private readonly insertRequest: Statement<[string, string, number]>;
  private readonly insertAppend: Statement<[string, number, number, number, number, number]>;
  private readonly updateAnswer: Statement<[number, string, string, string]>;
  private readonly selectExpired: Statement<[number, number], string>;
  private readonly deleteRequest: Statement<[string]>;
  private readonly deleteAppends: Statement<[string]>;

  constructor(db: Database) {
    this.selectRequest = db.prepare<[string], RequestRow>('SELECT request_hash, created_at, status, body FROM idempotency WHERE scope = ?');
    this.selectAppend = db.prepare<[string, number, number], AppendRow>(
      'SELECT from_revision, to_revision, position FROM idempotent_appends WHERE scope = ? AND stream_id = ? AND step = ?',
    );
    this.insertRequest = db.prepare<[string, string, number]>('INSERT INTO idempotency (scope, request_hash, created_at) VALUES (?, ?, ?)');
    this.insertAppend = db.prepare<[string, number, number, number, number, number]>(
      'INSERT INTO idempotent_appends (scope, stream_id, step, from_revision, to_revision, position) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.updateAnswer = db.prepare<[number, string, string, string]>(
      'UPDATE idempotency SET status = ?, body = ? WHERE scope = ? AND request_hash = ? AND status IS NULL',
    );
    this.selectExpired = db.prepare<[number, number], string>('SELECT scope FROM idempotency WHERE created_at <= ? ORDER BY created_at LIMIT ?').pluck();
    this.deleteRequest = db.prepare<[string]>('DELETE FROM idempotency WHERE scope = ?');
    this.deleteAppends = db.prepare<[string]>('DELETE FROM idempotent_appends WHERE scope = ?');
  }

  /**
   * Looks the request up: the earlier result of this append when the request already made it (null
   * when it has not), and whether the store knows the request at all (for recordAppend). Throws
   * IdempotencyConflictError when the scope was used by a request with another body.
   */
  earlier(append: IdempotentAppend, streamId: number | undefined, now: number): { result: AppendRow | null; known: boolean } {
    const request = this.selectRequest.get(append.scope);
    if (!request || request.created_at <= now - IDEMPOTENCY_TTL_MS) return { result: null, known: false };
    if (request.request_hash !== append.requestHash) throw new IdempotencyConflictError();
    return { result: streamId === undefined ? null : (this.selectAppend.get(append.scope, streamId, append.step) ?? null), known: true };
  }

  /** Records an append just made (same transaction); `known` as `earlier` said. */
  recordAppend(append: IdempotentAppend, known: boolean, streamId: number, fromRevision: number, toRevision: number, position: number, now: number): void {
    if (!known) this.insertFresh(append.scope, append.requestHash, now);
    this.insertAppend.run(append.scope, streamId, append.step, fromRevision, toRevision, position);
  }

  /** Stores the request's answer unless one is stored already. */
  saveAnswer(scope: string, requestHash: string, status: number, body: string, now: number): void {
    const request = this.selectRequest.get(scope);
    if (!request || request.created_at <= now - IDEMPOTENCY_TTL_MS) this.insertFresh(scope, requestHash, now);
    this.updateAnswer.run(status, body, scope, requestHash);
  }

  /** The request's row, replacing an expired one; each new row removes a few expired ones. */
  private insertFresh(scope: string, requestHash: string, now: number): void {
    this.forget(scope);
    this.insertRequest.run(scope, requestHash, now);
    for (const expired of this.selectExpired.all(now - IDEMPOTENCY_TTL_MS, EXPIRED_PER_NEW_REQUEST)) this.forget(expired);
  }

  private forget(scope: string): void {
    this.deleteAppends.run(scope);
    this.deleteRequest.run(scope);
  }
}

/** The reading side, on the store's reading connection. */
export class IdempotencyReads {
  private readonly selectRequest: Statement<[string, number], RequestRow>;
  private readonly selectAppend: Statement<[string, string, number, number], AppendRow & { request_hash: string }>;

  constructor(db: Database) {
    this.selectRequest = db.prepare<[string, number], RequestRow>(
      'SELECT request_hash, created_at, status, body FROM idempotency WHERE scope = ? AND created_at > ?',
    );
    this.selectAppend = db.prepare<[string, string, number, number], AppendRow & { request_hash: string }>(
      `SELECT a.from_revision, a.to_revision, a.position, i.request_hash FROM idempotent_appends a
        JOIN streams s ON s.id = a.stream_id JOIN idempotency i ON i.scope = a.scope
        WHERE a.scope = ? AND s.name = ? AND a.step = ? AND i.created_at > ?`,
    );
  }

  find(scope: string, now: number): IdempotentRequestRecord | null {
    const row = this.selectRequest.get(scope, now - IDEMPOTENCY_TTL_MS);
    if (!row) return null;
    const answer = row.status === null ? null : { status: row.status, body: row.body === null ? undefined : (JSON.parse(row.body) as unknown) };
    return { requestHash: row.request_hash, answer };
  }

  /** Throws IdempotencyConflictError when the append was made by a request with another body. */
  earlierAppend(stream: string, append: IdempotentAppend, now: number): EarlierAppend | null {
    const row = this.selectAppend.get(append.scope, stream, append.step, now - IDEMPOTENCY_TTL_MS);
    if (!row) return null;
    if (row.request_hash !== append.requestHash) throw new IdempotencyConflictError();
    return { fromRevision: row.from_revision, toRevision: row.to_revision, position: row.position };
  }
}
