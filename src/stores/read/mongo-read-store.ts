/**
 * The MongoDB ReadStore (`MONGODB_URL`), a thin layer over the `mongodb` 6 driver.
 *
 * - A collection is a MongoDB collection; a document is stored with its `id` as `_id` and `_pos`, the
 *   position (a Long) of the last operation applied to it. Declared indexes are created (with `_id`
 *   appended, see index-spec.ts).
 * - applyBatch follows batch-plan.ts: per collection and step, ONE unordered bulk write holding one
 *   merged write per document (a rare document whose operations need two writes adds a round), each
 *   filtered on `_pos` below the write's guard and upserting.
 * - ATOMIC on a replica set or a sharded cluster (any deployment with transactions, MongoDB 4.4+): the
 *   bulk writes and the checkpoint run in ONE transaction (majority write concern), so a crash or a
 *   failing write leaves the read model and its checkpoint as they were. Operations a document has
 *   already seen (its `_pos`, read inside the transaction) are dropped before writing, because any
 *   write error aborts a transaction.
 * - On a STANDALONE server (no transactions) batches are idempotent instead: a redelivered write matches
 *   nothing and its upsert hits the `_id` unique index (E11000), the one error ignored; such a document
 *   is then written with only the operations it has not seen. The checkpoint is written after the bulk
 *   writes succeed; when a write fails the other documents' writes of that step stay applied, the error
 *   is thrown and the checkpoint is NOT written, and redelivering the batch applies nothing twice.
 * - The lease (acquireLease) is decided by the server's clock, `$$NOW`.
 */
import {
  type ClientSession,
  type Collection,
  type Db,
  type Document,
  Long,
  MongoBulkWriteError,
  MongoClient,
  MongoError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  type TransactionOptions,
  type WriteError,
} from 'mongodb';
import { maskUrl, scrubPassword } from '../../config/mask-url';
import { AppError, ConflictError, UnavailableError, ValidationError } from '../../errors/app-error';
import type { Position } from '../events/event-store';
import { type CollectionStep, type DocPlan, type DocWrite, opsAfter, planBatch, planDoc, unguarded } from './batch-plan';
import { decodeCursor, encodeCursor, keysetBranches } from './cursor';
import { validateCollectionName } from './field-path';
import { indexKeys, indexName, isDeclaredIndexName, validateIndexes } from './index-spec';
import {
  CODE_DUPLICATE_KEY,
  fromStored,
  isIdDuplicate,
  mongoField,
  type StoredDoc,
  toBulkOperation,
  toMongoBranch,
  toMongoFilter,
  toNumber,
  writeErrorToAppError,
} from './mongo-translation';
import { type LeaseDoc, leaseOf, takeOrRenewLease } from './mongo-lease';
import { normalizeCount, normalizeFilter, normalizeSort } from './query';
import {
  type Checkpoint,
  type CollectionSpec,
  type Doc,
  type Filter,
  type FindQuery,
  type IndexSpec,
  type FindResult,
  type LeaseRecord,
  type PositionedOperation,
  type ReadStore,
  validateLease,
} from './read-store';

export interface MongoReadStoreOptions {
  /** Default: the database named in the URL, else `cron_observer`. */
  dbName?: string;
  /** How long connecting (and any later operation) waits for a usable server. Default 3000 ms. */
  serverSelectionTimeoutMS?: number;
  /** TCP/TLS connect timeout of one connection. Default 10000 ms. */
  connectTimeoutMS?: number;
}

const DEFAULT_DB = 'cron_observer';
/** Rounds that find documents past some of their operations; more than this means a second writer. */
const MAX_CATCH_UPS = 3;

const CODE_NAMESPACE_NOT_FOUND = 26;
const CODE_NAMESPACE_EXISTS = 48;
const CODE_INDEX_NOT_FOUND = 27;

/** A batch waits for a majority so that a failover cannot roll back a committed checkpoint. */
const BATCH_TRANSACTION: TransactionOptions = { readConcern: { level: 'snapshot' }, writeConcern: { w: 'majority' }, readPreference: 'primary' };


/** What a standalone server gives up, said once at start (README "MongoDB deployments"). */
export const STANDALONE_WARNING =
  'MongoDB is a standalone server, which has no transactions: read-model batches are idempotent, not atomic. ' +
  'After a crash or a failed write a read model can show part of a batch ahead of its checkpoint until the batch is applied again ' +
  '(nothing is ever applied twice). Run a replica set (one node is enough) or a sharded cluster for atomic batches.';

export class MongoReadStore implements ReadStore {
  private constructor(
    private readonly client: MongoClient,
    private readonly db: Db,
    private readonly maskedUrl: string,
    /** Whether the deployment runs transactions (a replica set or mongos): then batches are atomic. */
    readonly atomicBatches: boolean,
  ) {}

  /** Connects, or fails within `serverSelectionTimeoutMS` with an UnavailableError naming the masked URL. */
  static async connect(url: string, options: MongoReadStoreOptions = {}): Promise<MongoReadStore> {
    const masked = maskUrl(url);
    const serverSelectionTimeoutMS = options.serverSelectionTimeoutMS ?? 3000;
    let client: MongoClient;
    try {
      client = new MongoClient(url, {
        serverSelectionTimeoutMS,
        connectTimeoutMS: options.connectTimeoutMS ?? 10_000,
        // As JSON does: a field set to undefined is absent, never stored as null.
        ignoreUndefined: true,
        appName: 'cron-observer',
      });
    } catch (err) {
      throw new ValidationError(`Invalid MongoDB URL ${masked}: ${scrubPassword(messageOf(err), url)}`);
    }
    try {
      await client.connect();
    } catch (err) {
      await client.close().catch(() => undefined);
      throw new UnavailableError(`Cannot connect to MongoDB at ${masked}: ${scrubPassword(messageOf(err), url)}`);
    }
    let atomicBatches: boolean;
    try {
      atomicBatches = supportsTransactions(await client.db('admin').command({ hello: 1 }));
    } catch (err) {
      await client.close().catch(() => undefined);
      throw new UnavailableError(`MongoDB at ${masked} did not answer hello: ${scrubPassword(messageOf(err), url)}`);
    }
    return new MongoReadStore(client, client.db(options.dbName ?? databaseInUrl(url) ?? DEFAULT_DB), masked, atomicBatches);
  }

  async ensureCollection(spec: CollectionSpec): Promise<void> {
    validateCollectionName(spec.name);
    const indexes = validateIndexes(spec.indexes);
    // Deferred indexes need nothing before they are built here; they are refused alike, though.
    validateIndexes(spec.deferredIndexes);
    await this.call('ensureCollection', async () => {
      try {
        await this.db.createCollection(spec.name);
      } catch (err) {
        if (!(err instanceof MongoServerError && err.code === CODE_NAMESPACE_EXISTS)) throw err;
      }
      await this.reconcileIndexes(spec.name, indexes);
    });
  }

  /**
   * Makes the declared indexes exactly the spec's, so starting twice with the same spec changes nothing
   * and a changed one takes effect: one no longer declared, or declared under its name with other keys
   * (built by an older version), is dropped; the missing ones are built. Indexes not named as declared
   * ones are left alone.
   */
  private async reconcileIndexes(name: string, indexes: IndexSpec[]): Promise<void> {
    const collection = this.collection(name);
    const wanted = new Map(
      indexes.map((index) => [indexName(index), { keys: indexKeys(index).map(([field, direction]) => [mongoField(field), direction] as const), unique: index.unique === true }]),
    );
    for (const existing of await collection.listIndexes().toArray()) {
      const existingName = String(existing.name);
      if (!isDeclaredIndexName(existingName)) continue;
      const want = wanted.get(existingName);
      const sameKeys = want !== undefined && JSON.stringify(Object.entries(existing.key as Document)) === JSON.stringify(want.keys);
      if (sameKeys && (existing.unique === true) === want.unique) {
        wanted.delete(existingName);
        continue;
      }
      try {
        await collection.dropIndex(existingName);
      } catch (err) {
        // Another instance starting with the same spec dropped it first.
        if (!(err instanceof MongoServerError && err.code === CODE_INDEX_NOT_FOUND)) throw err;
      }
    }
    if (wanted.size === 0) return;
    await collection.createIndexes([...wanted].map(([declared, { keys, unique }]) => ({ key: new Map(keys), name: declared, unique })));
  }

  async dropCollection(name: string): Promise<void> {
    validateCollectionName(name);
    await this.call('dropCollection', async () => {
      try {
        await this.collection(name).drop();
      } catch (err) {
        if (!(err instanceof MongoServerError && err.code === CODE_NAMESPACE_NOT_FOUND)) throw err;
      }
    });
  }

  async listCollections(): Promise<string[]> {
    const infos = await this.call('listCollections', () => this.db.listCollections({}, { nameOnly: true }).toArray());
    return infos
      .map((info) => info.name)
      .filter((name) => !name.startsWith('_') && !name.startsWith('system.'))
      .sort();
  }

  async get<T extends Doc = Doc>(collection: string, id: string): Promise<T | null> {
    validateCollectionName(collection);
    const stored = await this.call('get', () => this.collection(collection).findOne({ _id: id }, { projection: { _pos: 0 } }));
    return stored ? (fromStored(stored) as T) : null;
  }

  async find<T extends Doc = Doc>(collection: string, query: FindQuery = {}): Promise<FindResult<T>> {
    validateCollectionName(collection);
    const filter = toMongoFilter(normalizeFilter(query.filter));
    const sort = normalizeSort(query.sort);
    const limit = normalizeCount(query.limit, 'limit');
    const skip = normalizeCount(query.skip, 'skip');
    const after = query.cursor !== undefined ? decodeCursor(query.cursor, sort) : null;

    let pageFilter = filter;
    if (after) {
      const branches = keysetBranches(sort, after);
      if (branches.length === 0) return query.count ? { items: [], total: await this.count(collection, query.filter) } : { items: [] };
      pageFilter = { $and: [filter, { $or: branches.map(toMongoBranch) }] };
    }
    const stored = await this.call('find', () =>
      this.collection(collection)
        .find(pageFilter, {
          sort: sort.map(([field, direction]) => [mongoField(field), direction] as [string, 1 | -1]),
          projection: { _pos: 0 },
          ...(skip ? { skip } : {}),
          // One document more than the page tells whether there is a next page.
          ...(limit !== undefined ? { limit: limit + 1 } : {}),
        })
        .toArray(),
    );
    const items = stored.map((doc) => fromStored(doc) as T);
    const result: FindResult<T> = { items };
    if (limit !== undefined && items.length > limit) {
      items.length = limit;
      result.nextCursor = encodeCursor(sort, items[items.length - 1]!);
    }
    if (query.count) result.total = await this.call('count', () => this.collection(collection).countDocuments(filter));
    return result;
  }

  async count(collection: string, filter?: Filter): Promise<number> {
    validateCollectionName(collection);
    const mongoFilter = toMongoFilter(normalizeFilter(filter));
    return this.call('count', () => this.collection(collection).countDocuments(mongoFilter));
  }

  async applyBatch(operations: PositionedOperation[], checkpoint: Checkpoint): Promise<void> {
    // Planning validates the whole batch first: a malformed one writes nothing on either path.
    const plan = planBatch(operations, checkpoint);
    if (this.atomicBatches) {
      await this.call('applyBatch', () =>
        this.client.withSession((session) => session.withTransaction(() => this.applyInTransaction(operations, checkpoint, session), BATCH_TRANSACTION)),
      );
      return;
    }
    // Collections are independent; wait for all of them before reporting the first failure.
    const outcomes = await Promise.allSettled([...plan].map(([collection, steps]) => this.applySteps(collection, steps)));
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw this.toAppError(failed.reason, 'applyBatch');
    await this.call('applyBatch checkpoint', () => this.writeCheckpoint(checkpoint));
  }

  /**
   * One transaction: what each document has already seen is read first and left out (a write error
   * would abort the transaction, so the standalone way of detecting it cannot be used), then every
   * collection in turn (a transaction runs one operation at a time), then the checkpoint.
   */
  private async applyInTransaction(operations: PositionedOperation[], checkpoint: Checkpoint, session: ClientSession): Promise<void> {
    const unseen = await this.unseenOperations(operations, session);
    for (const [collection, steps] of planBatch(unseen, checkpoint)) await this.applySteps(collection, steps, session);
    await this.writeCheckpoint(checkpoint, session);
  }

  private async unseenOperations(operations: PositionedOperation[], session: ClientSession): Promise<PositionedOperation[]> {
    const idsByCollection = new Map<string, Set<string>>();
    for (const op of operations) {
      if (op.op === 'deleteMany') continue;
      let ids = idsByCollection.get(op.collection);
      if (!ids) idsByCollection.set(op.collection, (ids = new Set()));
      ids.add(op.id);
    }
    const seen = new Map<string, Map<string, number>>();
    for (const [collection, ids] of idsByCollection) {
      const stored = await this.collection(collection).find({ _id: { $in: [...ids] } }, { projection: { _pos: 1 }, session }).toArray();
      seen.set(collection, new Map(stored.map((doc) => [doc._id, toNumber(doc._pos)])));
    }
    return operations.filter((op) => op.op === 'deleteMany' || op.position > (seen.get(op.collection)?.get(op.id) ?? -1));
  }

  private async writeCheckpoint(checkpoint: Checkpoint, session?: ClientSession): Promise<void> {
    await this.db
      .collection<{ _id: string; position: Long }>('_checkpoints')
      .updateOne({ _id: checkpoint.name }, { $set: { position: Long.fromNumber(checkpoint.position) } }, { upsert: true, session });
  }

  async getCheckpoint(name: string): Promise<Position | null> {
    const stored = await this.call('getCheckpoint', () =>
      this.db.collection<{ _id: string; position: Long | number }>('_checkpoints').findOne({ _id: name }),
    );
    return stored ? toNumber(stored.position) : null;
  }

  async deleteCheckpoint(name: string): Promise<void> {
    await this.call('deleteCheckpoint', () => this.db.collection<{ _id: string }>('_checkpoints').deleteOne({ _id: name }));
  }

  async getMeta<T>(key: string): Promise<T | null> {
    const stored = await this.call('getMeta', () => this.db.collection<{ _id: string; value: unknown }>('_meta').findOne({ _id: key }));
    return stored ? (stored.value as T) : null;
  }

  async setMeta<T>(key: string, value: T): Promise<void> {
    if (typeof key !== 'string' || key.length === 0) throw new ValidationError('A meta key must be a non-empty string');
    const json = JSON.stringify(value);
    if (json === undefined) throw new ValidationError(`Meta ${key}: the value is not JSON`);
    // Stored as the JSON value it is on SQLite (a Date becomes its ISO string on both).
    await this.call('setMeta', () =>
      this.db.collection<{ _id: string; value: unknown }>('_meta').updateOne({ _id: key }, { $set: { value: JSON.parse(json) } }, { upsert: true }),
    );
  }

  async compareAndSetMeta<T>(key: string, expected: T | null, next: T): Promise<boolean> {
    const meta = this.db.collection<{ _id: string; value: unknown }>('_meta');
    const value = JSON.parse(JSON.stringify(next)) as unknown;
    if (expected === null) {
      try {
        await this.call('compareAndSetMeta', () => meta.insertOne({ _id: key, value }));
        return true;
      } catch (err) {
        if (err instanceof ConflictError) return false;
        throw err;
      }
    }
    // Equality on an embedded document compares field order too; `expected` was read from the store, so it matches.
    const result = await this.call('compareAndSetMeta', () => meta.updateOne({ _id: key, value: JSON.parse(JSON.stringify(expected)) }, { $set: { value } }));
    return result.modifiedCount === 1 || result.matchedCount === 1;
  }

  async acquireLease(key: string, holder: string, ttlMs: number, minToken = 1): Promise<LeaseRecord> {
    validateLease(key, holder, ttlMs, minToken);
    const meta = this.db.collection<LeaseDoc>('_meta');
    const taken = await this.call('acquireLease', () => takeOrRenewLease(meta, key, holder, ttlMs, minToken));
    if (taken) return taken;
    const current = await this.call('acquireLease', () => meta.findOne({ _id: key }));
    if (!current) throw new UnavailableError(`MongoDB at ${this.maskedUrl}: the lease ${key} vanished while being acquired`);
    return leaseOf(current.value);
  }

  async releaseLease(key: string, holder: string): Promise<void> {
    await this.call('releaseLease', () => this.db.collection<LeaseDoc>('_meta').updateOne({ _id: key, 'value.holder': holder }, { $set: { 'value.expiresAt': 0 } }));
  }

  /** Nothing to trade: each write is its own round trip already. */
  beginBulkLoad(): () => Promise<void> {
    return async () => undefined;
  }

  async ping(): Promise<void> {
    await this.call('ping', () => this.db.command({ ping: 1 }));
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  // ---- writes ------------------------------------------------------------------------------------

  private async applySteps(collection: string, steps: CollectionStep[], session?: ClientSession): Promise<void> {
    const coll = this.collection(collection);
    // Documents this batch has written, whose later writes take no position guard (see batch-plan.ts).
    const written = new Set<string>();
    for (const step of steps) {
      if (step.kind === 'deleteMany') {
        // Documents written after the deleteMany's position (a redelivered batch) are spared.
        const spared = { _pos: { $not: { $gt: Long.fromNumber(step.position) } } };
        await coll.deleteMany({ $and: [toMongoFilter(step.filter), spared] }, { session });
      } else {
        await this.writeDocs(coll, step.docs, written, session);
      }
    }
  }

  /** Rounds of one unordered bulk write each, taking the next write of every document. */
  private async writeDocs(coll: Collection<StoredDoc>, docs: DocPlan[], written: Set<string>, session?: ClientSession): Promise<void> {
    const queues = new Map(docs.map((doc) => [doc.id, [...doc.writes]]));
    for (let catchUps = 0; queues.size > 0; ) {
      const round = [...queues].map(([id, queue]) => (written.has(id) ? unguarded(queue[0]!) : queue[0]!));
      const past = new Set(await this.bulkWrite(coll, round, session));
      for (const write of round) {
        if (past.has(write)) continue;
        // A deleteOne that matched nothing reports no error: it may have been skipped as already applied,
        // so it does not lift the guard (a deleted document passes any guard anyway).
        if (write.merged.kind !== 'delete') written.add(write.id);
        const queue = queues.get(write.id)!;
        queue.shift();
        if (queue.length === 0) queues.delete(write.id);
      }
      if (past.size === 0) continue;
      if (++catchUps > MAX_CATCH_UPS) {
        throw new ConflictError(`Documents of ${coll.collectionName} keep changing under the batch; is another writer running?`);
      }
      // These documents are already past some of their operations (a redelivered or re-cut batch):
      // write only what they have not seen.
      const stored = await coll.find({ _id: { $in: [...past].map((w) => w.id) } }, { projection: { _pos: 1 }, session }).toArray();
      const positions = new Map(stored.map((doc) => [doc._id, toNumber(doc._pos)]));
      for (const write of past) {
        const position = positions.get(write.id) ?? -1;
        const ops = queues.get(write.id)!.flatMap((w) => opsAfter(w, position));
        if (ops.length === 0) queues.delete(write.id);
        else queues.set(write.id, planDoc(coll.collectionName, write.id, ops));
      }
    }
  }

  /** One unordered bulk write; returns the writes whose document was already past their guard. */
  private async bulkWrite(coll: Collection<StoredDoc>, writes: DocWrite[], session?: ClientSession): Promise<DocWrite[]> {
    try {
      await coll.bulkWrite(writes.map(toBulkOperation), { ordered: false, session });
      return [];
    } catch (err) {
      if (!(err instanceof MongoBulkWriteError)) throw err;
      const errors = ([] as WriteError[]).concat(err.writeErrors ?? []);
      const other = errors.find((e) => !isIdDuplicate(e));
      if (other) throw writeErrorToAppError(other, coll.collectionName);
      if (session) {
        // The transaction is aborted: never carry on (the driver would retry forever). With no write
        // error the command failed as a whole (a write conflict, a failover): the driver's own error,
        // with its labels, lets withTransaction retry. A document past its guard here was changed by
        // another writer after this transaction read it.
        if (errors.length === 0) throw err;
        throw new ConflictError(`Documents of ${coll.collectionName} changed under the batch; is another writer running?`);
      }
      // No per-document errors: the whole command failed (network, write concern), and the driver
      // wraps the cause so its class is lost.
      if (errors.length === 0) throw new UnavailableError(`MongoDB at ${this.maskedUrl}: bulk write to ${coll.collectionName} failed: ${err.message}`);
      return errors.map((e) => writes[e.index]!);
    }
  }

  // ---- plumbing ----------------------------------------------------------------------------------

  private collection(name: string): Collection<StoredDoc> {
    return this.db.collection<StoredDoc>(name);
  }

  private async call<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      throw this.toAppError(err, what);
    }
  }

  private toAppError(err: unknown, what: string): unknown {
    if (err instanceof AppError) return err;
    if (
      err instanceof MongoServerSelectionError ||
      err instanceof MongoNetworkError ||
      err instanceof MongoNotConnectedError ||
      err instanceof MongoTopologyClosedError
    ) {
      return new UnavailableError(`MongoDB at ${this.maskedUrl} is unavailable (${what}): ${err.message}`);
    }
    if (err instanceof MongoError && err.code === CODE_DUPLICATE_KEY) return new ConflictError(`Unique index violated (${what}): ${err.message}`);
    return err;
  }
}

/** A replica set member names its set; mongos answers `isdbgrid`. A standalone server does neither. */
function supportsTransactions(hello: Document): boolean {
  return typeof hello.setName === 'string' || hello.msg === 'isdbgrid';
}

/** The database path of a connection string (`mongodb://h/db?x` → `db`), if any. */
function databaseInUrl(url: string): string | undefined {
  const afterScheme = url.replace(/^[^:]+:\/\//, '');
  const withoutQuery = afterScheme.split('?')[0]!;
  const hostsAndPath = withoutQuery.slice(withoutQuery.lastIndexOf('@') + 1);
  const slash = hostsAndPath.indexOf('/');
  const name = slash === -1 ? '' : decodeURIComponent(hostsAndPath.slice(slash + 1));
  return name.length > 0 ? name : undefined;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
