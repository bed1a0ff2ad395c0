import type { Database, Statement } from 'better-sqlite3';
import { StaleFencingTokenError, StreamDeletedError, WrongExpectedRevisionError } from '../../errors/store-errors';
import { type ExpectedRevision, expectedRevisionMatches, type IdempotentAppend, type StreamRevision } from './event-store';
import { chainHash } from './event-chain';
import { type EventRow, LEADER_FENCE, type StreamState } from './event-database';
import { GroupCommit } from './group-commit';
import { IdempotencyWrites } from './idempotency-table';

/** An event ready to store: validated, its JSON already canonical text (event-chain.ts). */
export interface SerializedEvent {
  type: string;
  data: string;
  metadata: string;
}

/** A write as data, so that it can be handed to the writer thread (event-writer-thread.ts). */
export type WriteRequest =
  | {
      kind: 'append';
      stream: string;
      category: string;
      events: SerializedEvent[];
      expected: ExpectedRevision;
      /** With `now`, the store's time in ms, which idempotency records are stamped and expired by. */
      idempotency?: IdempotentAppend;
      now?: number;
      fencingToken?: number;
    }
  | { kind: 'delete'; stream: string; expected: ExpectedRevision; fencingToken?: number }
  | { kind: 'fence'; fencingToken: number }
  | { kind: 'answer'; scope: string; requestHash: string; status: number; body: string; now: number };

export interface WriteResult {
  nextExpectedRevision: number;
  position: number;
  /** The events stored, for the reader's in-memory tail (recent-events.ts). */
  recorded: EventRow[];
  /** An idempotent append made earlier: nothing was stored now (see AppendResult). */
  replayedFrom?: number;
}

const NOTHING_WRITTEN: WriteResult = { nextExpectedRevision: -1, position: -1, recorded: [] };

/** A stream's row with its last event's hash, the link the next append continues. */
interface ChainedStreamState extends StreamState {
  hash: Buffer | null;
}

/**
 * One indexed read: the stream, and its last event through the (stream_id, revision) index, which holds
 * the position; the hash is then one lookup by position.
 */
const SELECT_CHAINED_STREAM_STATE = `SELECT s.id, s.deleted, e.revision, e.hash FROM streams s
  LEFT JOIN events e ON e.position = (SELECT position FROM events WHERE stream_id = s.id ORDER BY revision DESC LIMIT 1)
  WHERE s.name = ?`;

export interface EventWriterOptions {
  /** Whether to link events into their stream's chain (default); only the benchmark turns it off, to measure its cost. */
  chain?: boolean;
}

/**
 * Performs writes on one connection, group-committed (group-commit.ts). `committed` hears, right
 * after each commit and before any writer is answered, the results of the writes that succeeded in it.
 */
export class EventWriter {
  private readonly writes: GroupCommit;
  private readonly selectStreamState: Statement<[string], ChainedStreamState>;
  private readonly insertStream: Statement<[string]>;
  private readonly insertEvent: Statement<[number, number, string, string, string, string, Buffer | null]>;
  private readonly chain: boolean;
  private readonly tombstone: Statement<[string]>;
  private readonly selectPositionAt: Statement<[number, number], number>;
  private readonly selectFence: Statement<[string], number>;
  private readonly raiseFenceTo: Statement<[string, number]>;
  private readonly idempotency: IdempotencyWrites;

  constructor(db: Database, committed: (results: WriteResult[]) => void, options: EventWriterOptions = {}) {
    this.writes = new GroupCommit(db, (values) => committed(values as WriteResult[]));
    this.chain = options.chain ?? true;
    this.selectStreamState = db.prepare<[string], ChainedStreamState>(SELECT_CHAINED_STREAM_STATE);
    this.insertStream = db.prepare<[string]>('INSERT INTO streams (name) VALUES (?)');
    this.insertEvent = db.prepare<[number, number, string, string, string, string, Buffer | null]>(
      'INSERT INTO events (stream_id, revision, category, type, data, metadata, hash) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.tombstone = db.prepare<[string]>('INSERT INTO streams (name, deleted) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET deleted = 1');
    this.selectPositionAt = db.prepare<[number, number], number>('SELECT position FROM events WHERE stream_id = ? AND revision = ?').pluck();
    this.selectFence = db.prepare<[string], number>('SELECT token FROM fences WHERE name = ?').pluck();
    this.raiseFenceTo = db.prepare<[string, number]>(
      'INSERT INTO fences (name, token) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET token = excluded.token WHERE excluded.token > token',
    );
    this.idempotency = new IdempotencyWrites(db);
  }

  /** Transactions committed so far (each is one fsync of the WAL under synchronous=FULL). */
  get commitCount(): number {
    return this.writes.commitCount;
  }

  /**
   * Resolves once the write's transaction has committed. The leader's writes (they carry its fencing
   * token: ticks, timeouts, dispatch) commit ahead of queued request writes, so that a burst of requests
   * does not make scheduled runs late.
   */
  submit(request: WriteRequest): Promise<WriteResult> {
    const leaders = request.kind !== 'answer' && request.fencingToken !== undefined;
    return this.writes.submit(() => {
      // Inside the write's savepoint: a stale token rolls back exactly this write, and no other
      // connection can raise the fence between the check and the commit (the transaction holds the write lock).
      if (request.kind !== 'answer' && request.fencingToken !== undefined) this.checkFence(request.fencingToken);
      switch (request.kind) {
        case 'append':
          return this.append(request);
        case 'delete':
          return this.delete(request);
        case 'fence':
          return { nextExpectedRevision: -1, position: -1, recorded: [] };
        case 'answer':
          this.idempotency.saveAnswer(request.scope, request.requestHash, request.status, request.body, request.now);
          return NOTHING_WRITTEN;
      }
    }, leaders);
  }

  /** Commits everything submitted so far now (used when closing). */
  flushNow(): void {
    this.writes.flushNow();
  }

  /** Refuses a token older than the fence; a newer one raises it (a leader's first write may come before its raise). */
  private checkFence(token: number): void {
    const fence = this.selectFence.get(LEADER_FENCE) ?? 0;
    if (token < fence) throw new StaleFencingTokenError(token, fence);
    if (token > fence) this.raiseFenceTo.run(LEADER_FENCE, token);
  }

  private append({ stream, category, events, expected, idempotency, now = Date.now() }: Extract<WriteRequest, { kind: 'append' }>): WriteResult {
    const state = this.selectStreamState.get(stream);
    const keyed = events.length > 0 ? idempotency : undefined;
    // Checked in the transaction that would append, so two instances cannot both append for one request.
    const earlier = keyed && this.idempotency.earlier(keyed, state?.id, now);
    if (earlier) return { nextExpectedRevision: earlier.to_revision, position: earlier.position, recorded: [], replayedFrom: earlier.from_revision };
    checkExpectedRevision(stream, state, expected);
    let revision = state?.revision ?? -1;
    if (events.length === 0) {
      // A pure revision check: report where the stream stands (-1 for both when it has no events).
      const position = revision < 0 ? -1 : this.selectPositionAt.get(state!.id, revision)!;
      return { nextExpectedRevision: revision, position, recorded: [] };
    }
    const streamId = state?.id ?? Number(this.insertStream.run(stream).lastInsertRowid);
    let position = 0;
    const recorded: EventRow[] = [];
    // Read in the append's own transaction: a commit by another connection since then makes this one
    // fail (SQLite never upgrades a stale snapshot to a write), so no event links to a hash that is not the last.
    let hash = state?.hash ?? null;
    for (const event of events) {
      revision++;
      hash = this.chain ? chainHash(hash, stream, revision, event.type, event.data, event.metadata) : null;
      position = Number(this.insertEvent.run(streamId, revision, category, event.type, event.data, event.metadata, hash).lastInsertRowid);
      recorded.push([position, stream, revision, event.type, event.data, event.metadata]);
    }
    if (keyed) this.idempotency.recordAppend(keyed, streamId, recorded[0]![2], revision, position, now);
    return { nextExpectedRevision: revision, position, recorded };
  }

  private delete({ stream, expected }: Extract<WriteRequest, { kind: 'delete' }>): WriteResult {
    checkExpectedRevision(stream, this.selectStreamState.get(stream), expected);
    this.tombstone.run(stream);
    return NOTHING_WRITTEN;
  }
}

function checkExpectedRevision(stream: string, state: StreamState | undefined, expected: ExpectedRevision): void {
  if (state?.deleted) throw new StreamDeletedError(stream);
  const actual: StreamRevision = state?.revision ?? 'no_stream';
  if (!expectedRevisionMatches(expected, actual)) throw new WrongExpectedRevisionError(stream, expected, actual);
}

/** Where a store's writes go: its own connection (inProcessWrites), or the writer thread (threaded-event-writer.ts). */
export interface EventWrites {
  submit(request: WriteRequest): Promise<WriteResult>;
  readonly commitCount: number;
  /** Whether writes were submitted whose outcome this store has not been told yet. */
  readonly inFlight: boolean;
  /** Commits and answers everything submitted. */
  close(): Promise<void>;
}

export function inProcessWrites(writer: EventWriter): EventWrites {
  return {
    submit: (request) => writer.submit(request),
    get commitCount() {
      return writer.commitCount;
    },
    // In-process, a write's events are known the moment it commits.
    inFlight: false,
    close: async () => writer.flushNow(),
  };
}
