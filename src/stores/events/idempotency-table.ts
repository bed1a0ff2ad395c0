/**
 * The embedded store's records of idempotent requests (tables `idempotent_appends` and
 * `idempotent_answers`, event-database.ts): written by the writer inside the transaction of the append
 * (or answer) they describe, read by the store's reading connection. Times are milliseconds of the
 * store's clock; a record older than IDEMPOTENCY_TTL_MS counts as absent and is deleted a few at a
 * time as new ones arrive, by the `created_at` indexes, so expiry never scans.
 */
import type { Database, Statement } from 'better-sqlite3';
import { IdempotencyConflictError } from '../../errors/store-errors';
import { type EarlierAppend, IDEMPOTENCY_TTL_MS, type IdempotentAnswer, type IdempotentAppend } from './event-store';

/** Expired records removed per new one: more than one, so expiry keeps up with any arrival rate. */
const EXPIRED_PER_NEW_RECORD = 2;

interface AppendRow {
  request_hash: string;
  created_at: number;
  from_revision: number;
  to_revision: number;
  position: number;
}

interface AnswerRow {
  request_hash: string;
  status: number;
  body: string;
}

/** The writer's side: checks and records, always inside the append's transaction. */
export class IdempotencyWrites {
  private readonly selectAppend: Statement<[number, string, number], AppendRow>;
  private readonly insertAppend: Statement<[number, string, number, string, number, number, number, number]>;
  private readonly expireAppends: Statement<[number, number]>;
  private readonly insertAnswer: Statement<[string, string, number, number, string, number]>;
  private readonly expireAnswers: Statement<[number, number]>;
  private readonly oldestAppend: Statement<[], number | null>;
  /**
   * When the oldest append record expires: until then there is nothing to delete, and the check is
   * skipped. Records other processes add are younger than any this process has seen, so this never
   * waits too long.
   */
  private appendsExpireAt = -Infinity;

  constructor(db: Database) {
    this.selectAppend = db.prepare<[number, string, number], AppendRow>(
      'SELECT request_hash, created_at, from_revision, to_revision, position FROM idempotent_appends WHERE stream_id = ? AND scope = ? AND step = ?',
    );
    // An expired record of the same append is replaced.
    this.insertAppend = db.prepare<[number, string, number, string, number, number, number, number]>(
      `INSERT OR REPLACE INTO idempotent_appends (stream_id, scope, step, request_hash, created_at, from_revision, to_revision, position)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.expireAppends = db.prepare<[number, number]>(
      `DELETE FROM idempotent_appends WHERE (stream_id, scope, step) IN
        (SELECT stream_id, scope, step FROM idempotent_appends WHERE created_at <= ? ORDER BY created_at LIMIT ?)`,
    );
    // The first answer stays, unless it expired.
    this.oldestAppend = db.prepare<[], number | null>('SELECT min(created_at) FROM idempotent_appends').pluck();
    this.insertAnswer = db.prepare<[string, string, number, number, string, number]>(
      `INSERT INTO idempotent_answers (scope, request_hash, created_at, status, body) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (scope) DO UPDATE SET request_hash = excluded.request_hash, created_at = excluded.created_at,
          status = excluded.status, body = excluded.body
        WHERE idempotent_answers.created_at <= ?`,
    );
    this.expireAnswers = db.prepare<[number, number]>(
      `DELETE FROM idempotent_answers WHERE scope IN
        (SELECT scope FROM idempotent_answers WHERE created_at <= ? ORDER BY created_at LIMIT ?)`,
    );
  }

  /**
   * The earlier result of this append when the request already made it; null when it has not.
   * Throws IdempotencyConflictError when a request with another body made it.
   */
  earlier(append: IdempotentAppend, streamId: number | undefined, now: number): AppendRow | null {
    if (streamId === undefined) return null;
    const row = this.selectAppend.get(streamId, append.scope, append.step);
    if (!row || row.created_at <= now - IDEMPOTENCY_TTL_MS) return null;
    if (row.request_hash !== append.requestHash) throw new IdempotencyConflictError();
    return row;
  }

  /** Records an append just made (same transaction). */
  recordAppend(append: IdempotentAppend, streamId: number, fromRevision: number, toRevision: number, position: number, now: number): void {
    this.insertAppend.run(streamId, append.scope, append.step, append.requestHash, now, fromRevision, toRevision, position);
    if (now < this.appendsExpireAt) return;
    this.expireAppends.run(now - IDEMPOTENCY_TTL_MS, EXPIRED_PER_NEW_RECORD);
    this.appendsExpireAt = (this.oldestAppend.get() ?? now) + IDEMPOTENCY_TTL_MS;
  }

  /** Stores the request's answer unless one is stored already. */
  saveAnswer(scope: string, requestHash: string, status: number, body: string, now: number): void {
    this.insertAnswer.run(scope, requestHash, now, status, body, now - IDEMPOTENCY_TTL_MS);
    this.expireAnswers.run(now - IDEMPOTENCY_TTL_MS, EXPIRED_PER_NEW_RECORD);
  }
}

/** The reading side, on the store's reading connection. */
export class IdempotencyReads {
  private readonly selectAnswer: Statement<[string, number], AnswerRow>;
  private readonly selectAppend: Statement<[string, string, number, number], AppendRow>;

  constructor(db: Database) {
    this.selectAnswer = db.prepare<[string, number], AnswerRow>(
      'SELECT request_hash, status, body FROM idempotent_answers WHERE scope = ? AND created_at > ?',
    );
    this.selectAppend = db.prepare<[string, string, number, number], AppendRow>(
      `SELECT a.request_hash, a.created_at, a.from_revision, a.to_revision, a.position
        FROM streams s JOIN idempotent_appends a ON a.stream_id = s.id
        WHERE s.name = ? AND a.scope = ? AND a.step = ? AND a.created_at > ?`,
    );
  }

  answer(scope: string, now: number): IdempotentAnswer | null {
    const row = this.selectAnswer.get(scope, now - IDEMPOTENCY_TTL_MS);
    return row ? { requestHash: row.request_hash, status: row.status, body: JSON.parse(row.body) as unknown } : null;
  }

  /** Throws IdempotencyConflictError when a request with another body made the append. */
  earlierAppend(stream: string, append: IdempotentAppend, now: number): EarlierAppend | null {
    const row = this.selectAppend.get(stream, append.scope, append.step, now - IDEMPOTENCY_TTL_MS);
    if (!row) return null;
    if (row.request_hash !== append.requestHash) throw new IdempotencyConflictError();
    return { fromRevision: row.from_revision, toRevision: row.to_revision, position: row.position };
  }
}
