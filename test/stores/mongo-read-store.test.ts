/**
 * MongoReadStore: the contract runs when MONGODB_URL is set (each test in its own database, dropped
 * afterwards); without it the suite is reported as skipped, never faked. The connection-failure tests
 * always run: they need no server, only a loopback port where none listens.
 */
import { randomUUID } from 'node:crypto';
import { Long, MongoClient } from 'mongodb';
import { maskUrl, scrubPassword } from '../../src/config/mask-url';
import { UnavailableError, ValidationError } from '../../src/errors/app-error';
import { MongoReadStore } from '../../src/stores/read/mongo-read-store';
import { describeReadStoreContract } from './read-store-contract';

const url = process.env.MONGODB_URL;

describe('MongoReadStore connection failures (no server needed)', () => {
  it('fails within a few seconds with an UnavailableError naming the URL with the password masked', async () => {
    const started = Date.now();
    const error = await MongoReadStore.connect('mongodb://user:secret@127.0.0.1:1/app').catch((err: unknown) => err);
    const elapsed = Date.now() - started;

    expect(error).toBeInstanceOf(UnavailableError);
    const message = (error as Error).message;
    expect(message).toContain('mongodb://user:***@127.0.0.1:1/app');
    expect(message).not.toContain('secret');
    expect(elapsed).toBeLessThan(5000);
  });

  it('rejects a malformed URL with a ValidationError that does not show the password', async () => {
    const error = await MongoReadStore.connect('mongodb://user:secret@host:notaport/app').catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain('user:***@host:notaport');
    expect((error as Error).message).not.toContain('secret');
  });

  it.each([
    ['mongodb://user:secret@127.0.0.1:1', 'mongodb://user:***@127.0.0.1:1'],
    ['mongodb+srv://u:p%40ss@cluster0.example.net/db?retryWrites=true&w=majority', 'mongodb+srv://u:***@cluster0.example.net/db?retryWrites=true&w=majority'],
    ['mongodb://a:b/c@d@h1:27017,h2:27018/db?replicaSet=rs', 'mongodb://a:***@h1:27017,h2:27018/db?replicaSet=rs'],
    ['mongodb://user@localhost/db', 'mongodb://user@localhost/db'],
    ['mongodb://localhost:27017/db?appName=x@y', 'mongodb://localhost:27017/db?appName=x@y'],
    ['smtp://mailer:pw@smtp.example.com:587', 'smtp://mailer:***@smtp.example.com:587'],
    ['not a url', 'not a url'],
  ])('maskUrl(%s)', (input, expected) => {
    expect(maskUrl(input)).toBe(expected);
  });

  it('scrubPassword removes the raw and the decoded password from a message', () => {
    const secretUrl = 'mongodb://u:p%40ss@h/db';
    expect(scrubPassword(`failed: ${secretUrl} (password p@ss, raw p%40ss)`, secretUrl)).toBe(
      'failed: mongodb://u:***@h/db (password ***, raw ***)',
    );
  });
});

if (url) {
  // One plain client to drop the per-test databases and to look at documents as stored.
  let admin: MongoClient | undefined;
  const adminClient = async (): Promise<MongoClient> => {
    admin ??= await new MongoClient(url, { serverSelectionTimeoutMS: 3000 }).connect();
    return admin;
  };
  afterAll(async () => {
    await admin?.close();
  });

  const openFresh = async () => {
    const dbName = `cron_observer_test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    const store = await MongoReadStore.connect(url, { dbName });
    return {
      store,
      dbName,
      cleanup: async () => {
        await store.close();
        await (await adminClient()).db(dbName).dropDatabase();
      },
    };
  };

  /**
   * What the server offers decides the contract: a replica set or mongos runs each batch and its
   * checkpoint in one transaction (all or nothing); a standalone server gets the idempotent fallback.
   */
  const deployment = { atomicBatches: false };
  beforeAll(async () => {
    const hello = await (await adminClient()).db('admin').command({ hello: 1 });
    deployment.atomicBatches = typeof hello.setName === 'string' || hello.msg === 'isdbgrid';
    console.warn(`MongoDB read-store contract: ${deployment.atomicBatches ? 'transactions (atomic batches)' : 'standalone server (idempotent, non-atomic batches)'}`);
  });

  describeReadStoreContract('MongoDB', openFresh, deployment);

  describe('MongoReadStore specifics', () => {
    it('reports atomic batches exactly when the deployment runs transactions', async () => {
      const { store, cleanup } = await openFresh();
      try {
        expect(store.atomicBatches).toBe(deployment.atomicBatches);
      } finally {
        await cleanup();
      }
    });

    it('with transactions, a batch that fails in its last collection leaves every collection and the checkpoint as they were', async () => {
      const { store, dbName, cleanup } = await openFresh();
      try {
        if (!store.atomicBatches) {
          console.warn('skipped on a standalone server: no transactions');
          return;
        }
        await store.ensureCollection({ name: 'a', indexes: [] });
        await store.ensureCollection({ name: 'z', indexes: [] });
        await store.applyBatch([{ op: 'upsert', collection: 'z', id: 'text', doc: { id: 'text', n: 'not a number' }, position: 1 }], { name: 'p#1', position: 1 });
        const failing = store.applyBatch(
          [
            { op: 'upsert', collection: 'a', id: 'a1', doc: { id: 'a1' }, position: 2 },
            { op: 'inc', collection: 'a', id: 'a2', fields: { n: 1 }, position: 3 },
            { op: 'inc', collection: 'z', id: 'text', fields: { n: 1 }, position: 4 },
          ],
          { name: 'p#1', position: 4 },
        );
        await expect(failing).rejects.toThrow(ValidationError);
        const db = (await adminClient()).db(dbName);
        expect(await db.collection('a').countDocuments()).toBe(0);
        expect(await store.getCheckpoint('p#1')).toBe(1);
        // A batch redelivered over documents it has partly written (as a standalone run may have left
        // them) writes only what they have not seen, in the same transaction as its checkpoint.
        await store.applyBatch([{ op: 'inc', collection: 'a', id: 'a2', fields: { n: 1 }, position: 3 }], { name: 'p#1', position: 3 });
        await store.applyBatch(
          [
            { op: 'inc', collection: 'a', id: 'a2', fields: { n: 1 }, position: 3 },
            { op: 'inc', collection: 'a', id: 'a2', fields: { n: 10 }, position: 5 },
          ],
          { name: 'p#1', position: 5 },
        );
        expect(await store.get('a', 'a2')).toEqual({ id: 'a2', n: 11 });
        expect(await store.getCheckpoint('p#1')).toBe(5);
      } finally {
        await cleanup();
      }
    });

    it('ensures indexes idempotently: the same spec twice is a no-op; a changed one drops and rebuilds only what changed', async () => {
      const { store, dbName, cleanup } = await openFresh();
      try {
        const raw = (await adminClient()).db(dbName).collection('people');
        const listed = async () => (await raw.listIndexes().toArray()).map((i) => [i.name, i.key, i.unique ?? false]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
        await store.ensureCollection({ name: 'people', indexes: [] });
        // Built by an older version under a declared name with other keys, and one an operator added by hand.
        await raw.createIndex({ team: 1 }, { name: 'team+' });
        await raw.createIndex({ note: 1 }, { name: 'note_1' });
        const spec = { name: 'people', indexes: [{ fields: [['email', 1]] as Array<[string, 1 | -1]>, unique: true }, { fields: [['team', 1]] as Array<[string, 1 | -1]> }] };
        await store.ensureCollection(spec);
        const first = await listed();
        expect(first).toEqual([
          ['_id_', { _id: 1 }, false],
          ['email+:unique', { email: 1 }, true],
          ['note_1', { note: 1 }, false],
          ['team+', { team: 1, _id: 1 }, false],
        ]);
        await store.ensureCollection(spec);
        expect(await listed()).toEqual(first);
        await store.ensureCollection({ name: 'people', indexes: [{ fields: [['email', 1]] }] });
        expect(await listed()).toEqual([
          ['_id_', { _id: 1 }, false],
          ['email+', { email: 1, _id: 1 }, false],
          ['note_1', { note: 1 }, false],
        ]);
      } finally {
        await cleanup();
      }
    });

    it('stores id as _id and the position as a Long _pos, and creates the declared indexes', async () => {
      const { store, dbName, cleanup } = await openFresh();
      try {
        await store.ensureCollection({ name: 'executions', indexes: [{ fields: [['taskId', 1], ['scheduledAt', -1]] }, { fields: [['key', 1]], unique: true }] });
        await store.applyBatch(
          [
            { op: 'upsert', collection: 'executions', id: 'e1', doc: { id: 'e1', taskId: 't', key: 'k1' }, position: 2 ** 40 },
            { op: 'inc', collection: 'executions', id: 'e2', fields: { n: 1 }, setOnInsert: { key: 'k2' }, position: 2 ** 40 + 1 },
          ],
          { name: 'executions#1', position: 2 ** 40 + 1 },
        );

        const db = (await adminClient()).db(dbName);
        const raw = await db.collection('executions').find({}, { promoteLongs: false, sort: { _id: 1 } }).toArray();
        expect(raw.map((d) => d._id)).toEqual(['e1', 'e2']);
        expect(raw.every((d) => !('id' in d))).toBe(true);
        expect(raw.map((d) => d._pos)).toEqual([Long.fromNumber(2 ** 40), Long.fromNumber(2 ** 40 + 1)]);
        const checkpoint = await db.collection('_checkpoints').findOne({ _id: 'executions#1' as never }, { promoteLongs: false });
        expect(checkpoint?.position).toEqual(Long.fromNumber(2 ** 40 + 1));

        const indexes = await db.collection('executions').listIndexes().toArray();
        expect(indexes.map((i) => [i.name, i.key, i.unique ?? false])).toEqual(
          expect.arrayContaining([
            ['taskId+,scheduledAt-', { taskId: 1, scheduledAt: -1, _id: -1 }, false],
            ['key+:unique', { key: 1 }, true],
          ]),
        );
      } finally {
        await cleanup();
      }
    });
  });
} else {
  describe.skip('ReadStore contract: MongoDB — skipped: MONGODB_URL is not set', () => {
    console.warn('MongoDB read-store contract skipped: MONGODB_URL is not set');
    it('runs against a MongoDB server when MONGODB_URL is set (e.g. mongodb://localhost:27017)', () => undefined);
  });
}
