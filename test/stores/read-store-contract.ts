/**
 * The ReadStore contract: every adapter runs this suite (test/stores/<adapter>-read-store.test.ts).
 * Each test opens a fresh, empty store (on MongoDB: a fresh database), so collection listings are exact.
 */
import { ConflictError, ValidationError } from '../../src/errors/app-error';
import type { Doc, FindQuery, PositionedOperation, ReadStore, WriteOperation } from '../../src/stores/read/read-store';
import { seededRandom } from '../support/seeded-random';

export type OpenReadStore = () => Promise<{ store: ReadStore; cleanup: () => Promise<void> }>;

export interface ReadStoreContractOptions {
  /**
   * True (SQLite): a batch that fails changes nothing at all. False (MongoDB, no transactions): the
   * checkpoint and the failing document are unchanged, other documents' writes may have been applied,
   * and redelivering the batch applies nothing twice.
   */
  atomicBatches: boolean;
}

const CHECKPOINT = 'contract#1';

export function describeReadStoreContract(
  adapterName: string,
  open: OpenReadStore,
  options: ReadStoreContractOptions = { atomicBatches: true },
): void {
  describe(`ReadStore contract: ${adapterName}`, () => {
    let store: ReadStore;
    let cleanup: () => Promise<void>;
    /** Positions only grow across a test, as they do in `$all`. */
    let position = 0;

    beforeEach(async () => {
      ({ store, cleanup } = await open());
      position = 0;
    });
    afterEach(async () => {
      await cleanup();
    });

    /** Applies operations, each at its own new position, and checkpoints at the last one. */
    async function apply(ops: WriteOperation[], checkpoint = CHECKPOINT): Promise<PositionedOperation[]> {
      const positioned = ops.map((op) => ({ ...op, position: ++position }) as PositionedOperation);
      await store.applyBatch(positioned, { name: checkpoint, position: Math.max(position, 1) });
      return positioned;
    }

    async function ids(collection: string, query: FindQuery = {}): Promise<string[]> {
      return (await store.find(collection, query)).items.map((d) => d.id);
    }

    /** Every document, in id order, to compare whole collections before and after. */
    async function snapshot(collection: string): Promise<Doc[]> {
      return (await store.find(collection, { sort: [['id', 1]] })).items;
    }

    describe('collections', () => {
      it('ensureCollection is idempotent, keeps the documents, and can add an index later', async () => {
        await store.ensureCollection({ name: 'tasks', indexes: [{ fields: [['projectId', 1]] }] });
        await apply([{ op: 'upsert', collection: 'tasks', id: 't1', doc: { id: 't1', projectId: 'p1', name: 'b' } }]);
        await store.ensureCollection({ name: 'tasks', indexes: [{ fields: [['projectId', 1]] }] });
        await store.ensureCollection({
          name: 'tasks',
          indexes: [{ fields: [['projectId', 1]] }, { fields: [['name', 1], ['projectId', -1]] }],
        });

        expect(await store.listCollections()).toEqual(['tasks']);
        expect(await store.get('tasks', 't1')).toEqual({ id: 't1', projectId: 'p1', name: 'b' });
        await apply([{ op: 'upsert', collection: 'tasks', id: 't2', doc: { id: 't2', projectId: 'p1', name: 'a' } }]);
        expect(await ids('tasks', { filter: { projectId: 'p1' }, sort: [['name', 1]] })).toEqual(['t2', 't1']);
      });

      it('ensureCollection with a changed spec: an index no longer declared is dropped, a unique one stops refusing', async () => {
        const unique = { name: 'people', indexes: [{ fields: [['email', 1]] as Array<[string, 1 | -1]>, unique: true }] };
        await store.ensureCollection(unique);
        await apply([{ op: 'upsert', collection: 'people', id: 'p1', doc: { id: 'p1', email: 'a@x' } }]);
        await store.ensureCollection(unique);
        await expect(apply([{ op: 'upsert', collection: 'people', id: 'p2', doc: { id: 'p2', email: 'a@x' } }])).rejects.toThrow(ConflictError);

        await store.ensureCollection({ name: 'people', indexes: [{ fields: [['email', 1]] }] });
        await apply([{ op: 'upsert', collection: 'people', id: 'p2', doc: { id: 'p2', email: 'a@x' } }]);
        expect(await ids('people', { filter: { email: 'a@x' }, sort: [['email', 1]] })).toEqual(['p1', 'p2']);
        await store.ensureCollection({ name: 'people', indexes: [] });
        expect(await ids('people', { filter: { email: 'a@x' }, sort: [['email', -1]] })).toEqual(['p2', 'p1']);
      });

      it('lists only collections (sorted), including one a batch wrote to without declaring it', async () => {
        await store.ensureCollection({ name: 'zeta', indexes: [] });
        await store.ensureCollection({ name: 'alpha_v2', indexes: [{ fields: [['x', -1]] }] });
        await apply([{ op: 'set', collection: 'undeclared', id: 'u', fields: { a: 1 } }]);
        await store.setMeta('k', 1);

        expect(await store.listCollections()).toEqual(['alpha_v2', 'undeclared', 'zeta']);
        expect(await store.get('undeclared', 'u')).toEqual({ id: 'u', a: 1 });
      });

      it('dropCollection removes a collection with its documents; dropping a missing one is fine', async () => {
        await store.ensureCollection({ name: 'gone', indexes: [{ fields: [['a', 1]] }] });
        await apply([{ op: 'upsert', collection: 'gone', id: 'g', doc: { id: 'g', a: 1 } }]);

        await store.dropCollection('gone');
        await store.dropCollection('gone');
        await store.dropCollection('neverExisted');

        expect(await store.listCollections()).toEqual([]);
        expect(await store.get('gone', 'g')).toBeNull();
        await store.ensureCollection({ name: 'gone', indexes: [{ fields: [['a', 1]] }] });
        expect(await store.count('gone')).toBe(0);
      });

      it('reads of a collection that does not exist find nothing', async () => {
        expect(await store.get('nothing', 'x')).toBeNull();
        expect(await store.find('nothing', { count: true, sort: [['a', -1]], limit: 5 })).toEqual({ items: [], total: 0 });
        expect(await store.count('nothing', { a: 1 })).toBe(0);
      });

      it('rejects invalid collection names and index specs', async () => {
        await expect(store.ensureCollection({ name: '_checkpoints', indexes: [] })).rejects.toThrow(ValidationError);
        await expect(store.ensureCollection({ name: 'a b', indexes: [] })).rejects.toThrow(ValidationError);
        await expect(store.ensureCollection({ name: 'ok', indexes: [{ fields: [] }] })).rejects.toThrow(ValidationError);
        await expect(store.ensureCollection({ name: 'ok', indexes: [{ fields: [['$a', 1]] }] })).rejects.toThrow(ValidationError);
        await expect(store.get('bad.name', 'x')).rejects.toThrow(ValidationError);
      });

      it('ping answers', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
      });
    });

    describe('documents', () => {
      it('get returns the document as upserted: nested objects, arrays, null, booleans, unicode', async () => {
        const doc = {
          id: 'ä/1 ✓',
          name: 'Crème brûlée ✓',
          nested: { deep: { list: [1, 'two', { three: 3 }], none: null } },
          flags: [true, false],
          n: 1.5,
          big: 2 ** 40,
          empty: '',
          zero: 0,
        };
        await store.ensureCollection({ name: 'docs', indexes: [] });
        await apply([{ op: 'upsert', collection: 'docs', id: doc.id, doc }]);

        expect(await store.get('docs', doc.id)).toEqual(doc);
        expect(await store.get('docs', 'missing')).toBeNull();
      });
    });

    describe('filters', () => {
      const DOCS: Doc[] = [
        { id: 'd1', n: 1, s: 'apple', b: true, nested: { k: 'x', m: 10 } },
        { id: 'd2', n: 2, s: 'banana', b: false, nested: { k: 'y' } },
        { id: 'd3', n: 3, s: 'cherry', b: true, nested: {} },
        { id: 'd4', n: null, s: null, b: null, nested: null },
        { id: 'd5' },
        { id: 'd6', n: 2.5, s: 'Apple', b: false, nested: { k: 'x' } },
        { id: 'd7', n: -1, s: '', nested: { k: null } },
        // Mixed types, only to show that range operators compare within a type.
        { id: 'd8', n: 'text', s: 42 },
      ];
      const CASES: Array<[string, FindQuery['filter'], string[]]> = [
        ['shorthand equality', { n: 2 }, ['d2']],
        ['$eq', { n: { $eq: 2 } }, ['d2']],
        ['null matches null and missing', { n: null }, ['d4', 'd5']],
        ['$eq null', { n: { $eq: null } }, ['d4', 'd5']],
        ['$ne matches missing too', { n: { $ne: 2 } }, ['d1', 'd3', 'd4', 'd5', 'd6', 'd7', 'd8']],
        ['$ne null', { n: { $ne: null } }, ['d1', 'd2', 'd3', 'd6', 'd7', 'd8']],
        ['$in', { n: { $in: [1, 3, 99] } }, ['d1', 'd3']],
        ['$in with null', { n: { $in: [1, null] } }, ['d1', 'd4', 'd5']],
        ['$in empty', { n: { $in: [] } }, []],
        ['$gt number (no strings)', { n: { $gt: 1 } }, ['d2', 'd3', 'd6']],
        ['$gte', { n: { $gte: 2 } }, ['d2', 'd3', 'd6']],
        ['$lt', { n: { $lt: 2 } }, ['d1', 'd7']],
        ['$lte', { n: { $lte: 2 } }, ['d1', 'd2', 'd7']],
        ['range', { n: { $gt: 1, $lt: 3 } }, ['d2', 'd6']],
        ['$gte null', { n: { $gte: null } }, ['d4', 'd5']],
        ['$gt null', { n: { $gt: null } }, []],
        ['$gt string (binary order, no numbers)', { s: { $gt: 'b' } }, ['d2', 'd3']],
        ['string range', { s: { $gte: 'apple', $lt: 'c' } }, ['d1', 'd2']],
        ['empty string', { s: '' }, ['d7']],
        ['boolean true', { b: true }, ['d1', 'd3']],
        ['boolean false', { b: false }, ['d2', 'd6']],
        ['$ne boolean', { b: { $ne: true } }, ['d2', 'd4', 'd5', 'd6', 'd7', 'd8']],
        ['$exists true (null exists)', { n: { $exists: true } }, ['d1', 'd2', 'd3', 'd4', 'd6', 'd7', 'd8']],
        ['$exists false', { n: { $exists: false } }, ['d5']],
        ['dotted equality', { 'nested.k': 'x' }, ['d1', 'd6']],
        ['dotted null (missing parents too)', { 'nested.k': null }, ['d3', 'd4', 'd5', 'd7', 'd8']],
        ['dotted $exists', { 'nested.k': { $exists: true } }, ['d1', 'd2', 'd6', 'd7']],
        ['dotted range', { 'nested.m': { $gte: 10 } }, ['d1']],
        ['id equality', { id: 'd3' }, ['d3']],
        ['id $in', { id: { $in: ['d1', 'd9'] } }, ['d1']],
        ['id range', { id: { $gt: 'd6' } }, ['d7', 'd8']],
        ['several fields', { b: true, n: { $gt: 1 } }, ['d3']],
        ['no condition', {}, ['d1', 'd2', 'd3', 'd4', 'd5', 'd6', 'd7', 'd8']],
      ];

      for (const indexed of [true, false]) {
        describe(indexed ? 'on indexed fields' : 'on fields without an index', () => {
          beforeEach(async () => {
            const indexes = indexed
              ? [{ fields: [['n', 1]] as Array<[string, 1 | -1]> }, { fields: [['s', -1]] as Array<[string, 1 | -1]> }, { fields: [['b', 1], ['nested.k', 1]] as Array<[string, 1 | -1]> }, { fields: [['nested.m', 1]] as Array<[string, 1 | -1]> }]
              : [];
            await store.ensureCollection({ name: 'f', indexes });
            await apply(DOCS.map((doc) => ({ op: 'upsert', collection: 'f', id: doc.id, doc })));
          });

          it.each(CASES)('%s', async (_name, filter, expected) => {
            expect(await ids('f', { filter, sort: [['id', 1]] })).toEqual(expected);
            expect(await store.count('f', filter)).toBe(expected.length);
          });

          it('sorts ascending with null and missing first, ties by id', async () => {
            expect(await ids('f', { sort: [['n', 1]] })).toEqual(['d4', 'd5', 'd7', 'd1', 'd2', 'd6', 'd3', 'd8']);
            expect(await ids('f', { sort: [['s', 1]] })).toEqual(['d4', 'd5', 'd8', 'd7', 'd6', 'd1', 'd2', 'd3']);
          });

          it('sorts descending with null and missing last, ties by id descending', async () => {
            expect(await ids('f', { sort: [['n', -1]] })).toEqual(['d8', 'd3', 'd6', 'd2', 'd1', 'd7', 'd5', 'd4']);
          });

          it('sorts on several keys in mixed directions, booleans true before false descending', async () => {
            expect(await ids('f', { sort: [['b', -1], ['n', 1]] })).toEqual(['d1', 'd3', 'd2', 'd6', 'd4', 'd5', 'd7', 'd8']);
            expect(await ids('f', { sort: [['nested.k', 1], ['id', -1]] })).toEqual(['d8', 'd7', 'd5', 'd4', 'd3', 'd6', 'd1', 'd2']);
          });

          it('filters and sorts together, with limit and skip', async () => {
            const query: FindQuery = { filter: { n: { $ne: null } }, sort: [['n', -1]] };
            expect(await ids('f', { ...query, limit: 3 })).toEqual(['d8', 'd3', 'd6']);
            expect(await ids('f', { ...query, skip: 2, limit: 3 })).toEqual(['d6', 'd2', 'd1']);
            expect(await ids('f', { ...query, skip: 5 })).toEqual(['d7']);
            expect(await ids('f', { ...query, skip: 50, limit: 3 })).toEqual([]);
          });
        });
      }

      it('rejects unknown operators, bad values and bad paths', async () => {
        await store.ensureCollection({ name: 'f', indexes: [] });
        const bad: unknown[] = [
          { n: { $regex: 'a' } },
          { n: { $in: 'a' } },
          { n: { $gt: true } },
          { n: { $exists: 1 } },
          { n: { nested: 1 } },
          { n: [1, 2] },
          { n: { $eq: { a: 1 } } },
          { n: Number.NaN },
          { $or: [{ a: 1 }] },
          { 'a..b': 1 },
          { _pos: 1 },
        ];
        for (const filter of bad) {
          await expect(store.find('f', { filter: filter as FindQuery['filter'] })).rejects.toThrow(ValidationError);
        }
        await expect(store.find('f', { limit: 0 })).rejects.toThrow(ValidationError);
        await expect(store.find('f', { skip: -1 })).rejects.toThrow(ValidationError);
        await expect(store.find('f', { sort: [['a', 2 as 1]] })).rejects.toThrow(ValidationError);
      });
    });

    describe('count and totals', () => {
      it('counts with and without a filter, and find reports the total ignoring limit and cursor', async () => {
        await store.ensureCollection({ name: 'c', indexes: [{ fields: [['kind', 1]] }] });
        await apply(
          Array.from({ length: 25 }, (_, i) => ({
            op: 'upsert' as const,
            collection: 'c',
            id: `c${String(i).padStart(2, '0')}`,
            doc: { id: `c${String(i).padStart(2, '0')}`, kind: i % 3 === 0 ? 'a' : 'b' },
          })),
        );

        expect(await store.count('c')).toBe(25);
        expect(await store.count('c', { kind: 'a' })).toBe(9);
        const first = await store.find('c', { filter: { kind: 'b' }, limit: 4, count: true });
        expect(first.total).toBe(16);
        expect(first.items).toHaveLength(4);
        const second = await store.find('c', { filter: { kind: 'b' }, limit: 4, count: true, cursor: first.nextCursor });
        expect(second.total).toBe(16);
        expect((await store.find('c', { limit: 4 })).total).toBeUndefined();
      });
    });

    describe('keyset pagination', () => {
      const N = 3000;
      const PAGE = 97;

      function original(i: number): Doc {
        const doc: Doc = { id: `o${String(i).padStart(5, '0')}`, group: `g${i % 3}`, rank: i % 17 === 0 ? null : i % 50, even: i % 2 === 0 };
        // An unindexed field with duplicates, nulls and missing values.
        if (i % 11 !== 0) doc.score = i % 7 === 0 ? null : (i * 7919) % 113;
        return doc;
      }

      beforeEach(async () => {
        await store.ensureCollection({ name: 'p', indexes: [{ fields: [['group', 1], ['rank', -1]] }, { fields: [['rank', -1]] }] });
        await apply(Array.from({ length: N }, (_, i) => ({ op: 'upsert' as const, collection: 'p', id: original(i).id, doc: original(i) })));
      });

      async function walk(query: FindQuery, between?: (page: number) => Promise<void>): Promise<string[]> {
        const seen: string[] = [];
        let cursor: string | undefined;
        for (let page = 0; ; page++) {
          const result = await store.find('p', { ...query, limit: PAGE, cursor });
          expect(result.items.length).toBeLessThanOrEqual(PAGE);
          seen.push(...result.items.map((d) => d.id));
          if (!result.nextCursor) break;
          expect(result.items).toHaveLength(PAGE);
          cursor = result.nextCursor;
          if (between) await between(page);
          if (page > 2 * (N / PAGE) + 100) throw new Error('pagination does not end');
        }
        return seen;
      }

      const QUERIES: Array<[string, FindQuery]> = [
        ['indexed field descending, with nulls', { sort: [['rank', -1]] }],
        ['unindexed field ascending, with nulls and missing', { sort: [['score', 1]] }],
        ['filter on an index prefix, sort on the next field', { filter: { group: 'g1' }, sort: [['rank', -1]] }],
        ['two keys in mixed directions', { sort: [['rank', 1], ['score', -1]] }],
        ['id only', { sort: [['id', -1]] }],
        // Keys all one way: pages after a cursor without nulls are one row-value range on SQLite.
        ['two indexed keys ascending, with nulls', { sort: [['group', 1], ['rank', 1]] }],
        ['a boolean and a number descending, with nulls', { sort: [['even', -1], ['rank', -1]] }],
      ];

      it.each(QUERIES)('%s: pages together equal one unpaged find', async (_name, query) => {
        const all = await ids('p', query);
        expect(await walk(query)).toEqual(all);
      });

      it.each(QUERIES)('%s: sees every document once while others are inserted between pages', async (_name, query) => {
        const expected = new Set(await ids('p', query));
        let added = 0;
        const seen = await walk(query, async (page) => {
          // New documents land before, inside and after the current page.
          const ops: WriteOperation[] = Array.from({ length: 13 }, (_, j) => {
            const id = `n${String(added++).padStart(5, '0')}`;
            return { op: 'upsert', collection: 'p', id, doc: { id, group: `g${j % 3}`, rank: (page * 13 + j) % 60, score: j % 5 === 0 ? null : j * 9 } };
          });
          await apply(ops);
        });

        expect(new Set(seen).size).toBe(seen.length);
        const seenSet = new Set(seen);
        const lost = [...expected].filter((id) => !seenSet.has(id));
        expect(lost).toEqual([]);
        expect(added).toBeGreaterThan(0);
      });

      it('breaks ties by id the same way on every store: many equal keys paged in small pages', async () => {
        // Ids whose byte order is not their insertion order, nor their numeric order: upper before lower case, '10' before '9'.
        const tied = ['b', 'B', 'a', 'A', '10', '9', 'z-1', 'Z_2', 'aa', 'a0', '_u', '~t'].flatMap((stem) => [`${stem}`, `${stem}x`]);
        await store.ensureCollection({ name: 'ties', indexes: [{ fields: [['k', 1]] }] });
        // Three keys, each shared by many documents: a string, null, and missing (which sorts as null).
        const kOf = (i: number) => (i % 3 === 0 ? 'same' : i % 3 === 1 ? null : undefined);
        await apply(tied.map((id, i) => ({ op: 'upsert' as const, collection: 'ties', id, doc: kOf(i) === undefined ? { id } : { id, k: kOf(i) } })));
        const keyed = new Set(tied.filter((_, i) => kOf(i) === 'same'));
        const byId = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
        // Ascending: null and missing first, ties by id ascending; descending is the exact reverse.
        const ascending = [...tied].sort((a, b) => Number(keyed.has(a)) - Number(keyed.has(b)) || byId(a, b));
        for (const [sort, expected] of [
          [[['k', 1]], ascending],
          [[['k', -1]], [...ascending].reverse()],
          [[['id', 1]], [...tied].sort(byId)],
        ] as Array<[FindQuery['sort'], string[]]>) {
          expect(await ids('ties', { sort })).toEqual(expected);
          for (const limit of [1, 2, 5]) {
            const paged: string[] = [];
            let cursor: string | undefined;
            do {
              const page = await store.find('ties', { sort, limit, cursor });
              paged.push(...page.items.map((d) => d.id));
              cursor = page.nextCursor;
            } while (cursor !== undefined && paged.length <= tied.length);
            expect(paged).toEqual(expected);
          }
        }
      });

      it('ends without a cursor on the last page, and an exact last page has no cursor', async () => {
        const result = await store.find('p', { filter: { rank: 1 }, limit: 1000 });
        expect(result.nextCursor).toBeUndefined();
        const count = await store.count('p', { rank: 1 });
        const exact = await store.find('p', { filter: { rank: 1 }, limit: count });
        expect(exact.items).toHaveLength(count);
        expect(exact.nextCursor).toBeUndefined();
      });

      it('rejects a mangled cursor and a cursor from another sort', async () => {
        const { nextCursor } = await store.find('p', { sort: [['rank', -1]], limit: 5 });
        expect(nextCursor).toEqual(expect.any(String));
        await expect(store.find('p', { sort: [['rank', 1]], cursor: nextCursor })).rejects.toThrow(ValidationError);
        await expect(store.find('p', { sort: [['rank', -1]], cursor: 'not-a-cursor' })).rejects.toThrow(ValidationError);
        await expect(store.find('p', { sort: [['rank', -1]], cursor: Buffer.from('{"s":1}').toString('base64url') })).rejects.toThrow(
          ValidationError,
        );
      });
    });

    describe('applyBatch operations', () => {
      beforeEach(async () => {
        await store.ensureCollection({ name: 'w', indexes: [{ fields: [['kind', 1]] }] });
      });

      it('upsert replaces the whole document', async () => {
        await apply([{ op: 'upsert', collection: 'w', id: 'a', doc: { id: 'a', kind: 'x', old: true } }]);
        await apply([{ op: 'upsert', collection: 'w', id: 'a', doc: { id: 'a', kind: 'y' } }]);
        expect(await store.get('w', 'a')).toEqual({ id: 'a', kind: 'y' });
      });

      it('set writes dotted fields, creating the document and parents; undefined removes a field', async () => {
        await apply([{ op: 'set', collection: 'w', id: 'a', fields: { kind: 'x', 'stats.last.status': 'OK' } }]);
        expect(await store.get('w', 'a')).toEqual({ id: 'a', kind: 'x', stats: { last: { status: 'OK' } } });

        await apply([{ op: 'set', collection: 'w', id: 'a', fields: { 'stats.last.at': '2024-01-01', kind: undefined, list: [1, 2] } }]);
        expect(await store.get('w', 'a')).toEqual({ id: 'a', stats: { last: { status: 'OK', at: '2024-01-01' } }, list: [1, 2] });
      });

      it('inc adds to dotted numeric fields (missing = 0); setOnInsert only when the document is new', async () => {
        await apply([{ op: 'inc', collection: 'w', id: 's', fields: { runs: 1, 'by.FAILED': 2 }, setOnInsert: { kind: 'stats', runs0: 0 } }]);
        expect(await store.get('w', 's')).toEqual({ id: 's', kind: 'stats', runs0: 0, runs: 1, by: { FAILED: 2 } });

        await apply([{ op: 'inc', collection: 'w', id: 's', fields: { runs: 2.5, 'by.SUCCESS': 1, 'by.FAILED': -1 }, setOnInsert: { kind: 'other' } }]);
        expect(await store.get('w', 's')).toEqual({ id: 's', kind: 'stats', runs0: 0, runs: 3.5, by: { FAILED: 1, SUCCESS: 1 } });
      });

      it('edits existing documents keeping JSON types, creating missing parents, exact float sums', async () => {
        await apply([{ op: 'upsert', collection: 'w', id: 'a', doc: { id: 'a', n: 0.1, five: 5, keep: 'me' } }]);
        await apply([
          {
            op: 'set',
            collection: 'w',
            id: 'a',
            fields: { flag: true, none: null, json: '{"not":"parsed"}', obj: { x: [1, { y: 2 }] }, 'deep.er.est': 'x', 'five.below': undefined },
          },
          { op: 'inc', collection: 'w', id: 'a', fields: { n: 0.2, 'counts.fresh': 2 } },
        ]);
        expect(await store.get('w', 'a')).toEqual({
          id: 'a',
          n: 0.1 + 0.2,
          five: 5,
          keep: 'me',
          flag: true,
          none: null,
          json: '{"not":"parsed"}',
          obj: { x: [1, { y: 2 }] },
          deep: { er: { est: 'x' } },
          counts: { fresh: 2 },
        });
      });

      it('delete removes one document; deleting a missing one is fine', async () => {
        await apply([
          { op: 'upsert', collection: 'w', id: 'a', doc: { id: 'a' } },
          { op: 'upsert', collection: 'w', id: 'b', doc: { id: 'b' } },
        ]);
        await apply([
          { op: 'delete', collection: 'w', id: 'a' },
          { op: 'delete', collection: 'w', id: 'nope' },
        ]);
        expect(await ids('w', { sort: [['id', 1]] })).toEqual(['b']);
      });

      it('deleteMany removes the matching documents; later operations of the batch see the result', async () => {
        await apply(['a', 'b', 'c', 'd'].map((id, i) => ({ op: 'upsert', collection: 'w', id, doc: { id, kind: i % 2 ? 'odd' : 'even' } })));
        await apply([
          { op: 'inc', collection: 'w', id: 'a', fields: { n: 1 } },
          { op: 'deleteMany', collection: 'w', filter: { kind: 'even' } },
          { op: 'inc', collection: 'w', id: 'a', fields: { n: 1 } },
          { op: 'set', collection: 'w', id: 'b', fields: { seen: true } },
        ]);
        expect(await snapshot('w')).toEqual([
          { id: 'a', n: 1 },
          { id: 'b', kind: 'odd', seen: true },
          { id: 'd', kind: 'odd' },
        ]);
      });

      it('applies several operations on one document in order, within and across positions', async () => {
        const ops: WriteOperation[] = [
          { op: 'upsert', collection: 'w', id: 'x', doc: { id: 'x', kind: 'k', counts: { a: 1 } } },
          { op: 'inc', collection: 'w', id: 'x', fields: { 'counts.a': 1, 'counts.b': 1 } },
          { op: 'set', collection: 'w', id: 'x', fields: { meta: { v: 1 } } },
          { op: 'inc', collection: 'w', id: 'x', fields: { 'meta.n': 5 } },
          { op: 'delete', collection: 'w', id: 'x' },
          { op: 'inc', collection: 'w', id: 'x', fields: { total: 1 }, setOnInsert: { kind: 'reborn' } },
          { op: 'set', collection: 'w', id: 'y', fields: { v: { a: 1 } } },
          { op: 'inc', collection: 'w', id: 'y', fields: { 'v.b': 2 } },
          { op: 'set', collection: 'w', id: 'y', fields: { 'v.c': 3 } },
        ];
        // Once with a position per operation, once with all operations of one event at one position.
        await apply(ops);
        expect(await store.get('w', 'x')).toEqual({ id: 'x', kind: 'reborn', total: 1 });
        expect(await store.get('w', 'y')).toEqual({ id: 'y', v: { a: 1, b: 2, c: 3 } });

        await store.dropCollection('w');
        const at = ++position;
        await store.applyBatch(
          ops.map((op) => ({ ...op, position: at })),
          { name: CHECKPOINT, position: at },
        );
        expect(await store.get('w', 'x')).toEqual({ id: 'x', kind: 'reborn', total: 1 });
        expect(await store.get('w', 'y')).toEqual({ id: 'y', v: { a: 1, b: 2, c: 3 } });
      });

      it('counts a thousand increments of one document in one batch', async () => {
        await apply(Array.from({ length: 1000 }, () => ({ op: 'inc' as const, collection: 'w', id: 'hot', fields: { n: 1, 'd.x': 2 }, setOnInsert: { kind: 'hot' } })));
        expect(await store.get('w', 'hot')).toEqual({ id: 'hot', kind: 'hot', n: 1000, d: { x: 2000 } });
      });

      it('a batch gives the same documents as its operations applied one by one (random sequences)', async () => {
        const random = seededRandom(20240601);
        const pick = <T,>(items: T[]): T => items[Math.floor(random() * items.length)]!;
        const ids = ['x', 'y'];
        const randomOp = (): WriteOperation => {
          const id = pick(ids);
          switch (pick(['upsert', 'set', 'set', 'inc', 'inc', 'inc', 'delete', 'deleteMany'] as const)) {
            case 'upsert':
              return { op: 'upsert', collection: 'm', id, doc: pick([{ id, kind: 'x', a: { x: 1 } }, { id, kind: 'y', n: 'text' }, { id, c: 5 }]) };
            case 'set':
              return { op: 'set', collection: 'm', id, fields: { [pick(['a', 'a.x', 'a.y', 'b', 'c.d', 'kind'])]: pick([1, 'v', { x: 2 }, null, undefined, 'x']) } };
            case 'inc':
              return random() < 0.5
                ? { op: 'inc', collection: 'm', id, fields: { [pick(['n', 'a.x', 'c.e'])]: pick([1, 2.5, -1]) } }
                : { op: 'inc', collection: 'm', id, fields: { n: 1 }, setOnInsert: { k: pick([1, 'first']) } };
            case 'delete':
              return { op: 'delete', collection: 'm', id };
            case 'deleteMany':
              return { op: 'deleteMany', collection: 'm', filter: { kind: 'x' } };
          }
        };

        for (let round = 0; round < 60; round++) {
          const ops = Array.from({ length: 2 + Math.floor(random() * 10) }, randomOp);
          // One by one: an operation that fails changes nothing and is left out of the reference.
          await store.dropCollection('m');
          const applied: WriteOperation[] = [];
          for (const op of ops) {
            try {
              await apply([op]);
              applied.push(op);
            } catch (err) {
              if (!(err instanceof ValidationError)) throw err;
            }
          }
          const expected = await snapshot('m');

          await store.dropCollection('m');
          const batch = await apply(applied);
          expect({ round, ops: applied, docs: await snapshot('m') }).toEqual({ round, ops: applied, docs: expected });
          // Redelivered: nothing changes.
          await store.applyBatch(batch, { name: CHECKPOINT, position });
          expect({ round, ops: applied, docs: await snapshot('m') }).toEqual({ round, ops: applied, docs: expected });

          // All operations of one event, at a single position.
          await store.dropCollection('m');
          const at = ++position;
          await store.applyBatch(applied.map((op) => ({ ...op, position: at }) as PositionedOperation), { name: CHECKPOINT, position: at });
          expect({ round, ops: applied, docs: await snapshot('m') }).toEqual({ round, ops: applied, docs: expected });
        }
      });

      it('rejects malformed batches before writing anything', async () => {
        const bad: unknown[] = [
          [{ op: 'upsert', collection: 'w', id: 'a', doc: { id: 'other' }, position: 1 }],
          [{ op: 'upsert', collection: 'w', id: 'a', doc: { id: 'a', _pos: 1 }, position: 1 }],
          [{ op: 'set', collection: 'w', id: 'a', fields: { id: 'b' }, position: 1 }],
          [{ op: 'set', collection: 'w', id: 'a', fields: { a: 1, 'a.b': 2 }, position: 1 }],
          // Sorted, `a-b` lies between `a` and `a.b`.
          [{ op: 'set', collection: 'w', id: 'a', fields: { a: 1, 'a-b': 2, 'a.b': 3 }, position: 1 }],
          [{ op: 'set', collection: 'w', id: 'a', fields: { ...manyFields(20), x: 1, 'x-y': 2, 'x.y.z': 3 }, position: 1 }],
          [{ op: 'inc', collection: 'w', id: 'a', fields: { ...manyFields(20), 'f3.n': 1 }, position: 1 }],
          [{ op: 'inc', collection: 'w', id: 'a', fields: { n: 'one' }, position: 1 }],
          [{ op: 'inc', collection: 'w', id: 'a', fields: { n: 1 }, setOnInsert: { n: 0 }, position: 1 }],
          [{ op: 'explode', collection: 'w', id: 'a', position: 1 }],
          [{ op: 'delete', collection: 'w', id: '', position: 1 }],
          [{ op: 'delete', collection: 'w', id: 'a', position: -1 }],
          [{ op: 'deleteMany', collection: 'w', filter: { a: { $where: 1 } }, position: 1 }],
          [
            { op: 'upsert', collection: 'w', id: 'a', doc: { id: 'a' }, position: 2 },
            { op: 'upsert', collection: 'w', id: 'b', doc: { id: 'b' }, position: 1 },
          ],
        ];
        for (const ops of bad) {
          await expect(store.applyBatch(ops as PositionedOperation[], { name: CHECKPOINT, position: 5 })).rejects.toThrow(ValidationError);
        }
        await expect(
          store.applyBatch([{ op: 'upsert', collection: 'w', id: 'a', doc: { id: 'a' }, position: 9 }], { name: CHECKPOINT, position: 5 }),
        ).rejects.toThrow(ValidationError);
        expect(await store.count('w')).toBe(0);
        expect(await store.getCheckpoint(CHECKPOINT)).toBeNull();
      });

      it('names the two overlapping fields of an edit, and takes edits of many fields that do not overlap', async () => {
        for (const fields of [{ 'a-b': 1, a: 2, 'a.b': 3 }, { ...manyFields(20), 'a-b': 1, 'a.b': 3, a: 2 }]) {
          await expect(store.applyBatch([{ op: 'set', collection: 'w', id: 'a', fields, position: 1 }], { name: CHECKPOINT, position: 1 })).rejects.toThrow(
            'a and a.b overlap',
          );
        }
        const fields = { ...manyFields(20), a: 1, 'a-b': 2, 'ab.c': 3, 'f1x.y': 4 };
        await store.applyBatch([{ op: 'set', collection: 'w', id: 'a', fields, position: 1 }], { name: CHECKPOINT, position: 1 });
        expect(await store.get('w', 'a')).toEqual({ id: 'a', ...manyFields(20), a: 1, 'a-b': 2, ab: { c: 3 }, f1x: { y: 4 } });
      });
    });

    describe('applyBatch failures', () => {
      beforeEach(async () => {
        await store.ensureCollection({ name: 'w', indexes: [] });
        // Unique indexes live in their own collection: MongoDB counts a missing field as one null value.
        await store.ensureCollection({ name: 'uq', indexes: [{ fields: [['email', 1]], unique: true }] });
        await apply([
          { op: 'upsert', collection: 'w', id: 'text', doc: { id: 'text', n: 'not a number', nested: 5, list: [1], empty: null } },
          { op: 'upsert', collection: 'w', id: 'u1', doc: { id: 'u1' } },
          { op: 'upsert', collection: 'uq', id: 'e1', doc: { id: 'e1', email: 'a@x' } },
        ]);
      });

      async function expectFailedBatch(ops: WriteOperation[], error: new (...args: never[]) => Error): Promise<void> {
        const before = [await snapshot('w'), await snapshot('uq')];
        const checkpointBefore = await store.getCheckpoint(CHECKPOINT);
        const other: WriteOperation[] = [
          { op: 'upsert', collection: 'w', id: 'new', doc: { id: 'new' } },
          { op: 'inc', collection: 'w', id: 'u1', fields: { logins: 1 } },
          { op: 'upsert', collection: 'other', id: 'o', doc: { id: 'o' } },
        ];
        const batch = [...other, ...ops].map((op) => ({ ...op, position: ++position }) as PositionedOperation);

        await expect(store.applyBatch(batch, { name: CHECKPOINT, position })).rejects.toThrow(error);

        expect(await store.getCheckpoint(CHECKPOINT)).toBe(checkpointBefore);
        const after = [await snapshot('w'), await snapshot('uq')];
        if (options.atomicBatches) {
          expect(after).toEqual(before);
          expect(await store.get('other', 'o')).toBeNull();
        } else {
          // Without transactions the failing document is unchanged and a redelivery adds nothing twice.
          expect(after[0]!.find((d) => d.id === 'text')).toEqual(before[0]!.find((d) => d.id === 'text'));
          expect(after[1]).toEqual(before[1]);
          await store.applyBatch(batch.slice(0, other.length), { name: CHECKPOINT, position });
          expect((await store.get('w', 'u1'))?.logins).toBe(1);
        }
      }

      it('a document nested deeper than the stores can hold fails with a ValidationError, upserted or set', async () => {
        let deep: Record<string, unknown> = { leaf: 1 };
        for (let i = 0; i < 1000; i++) deep = { a: deep };
        await expectFailedBatch([{ op: 'upsert', collection: 'w', id: 'deep', doc: { id: 'deep', deep } }], ValidationError);
        await expectFailedBatch([{ op: 'set', collection: 'w', id: 'u1', fields: { 'x.y': deep } }], ValidationError);
        // 99 levels below the document itself are fine.
        let fits: Record<string, unknown> = { leaf: 1 };
        for (let i = 0; i < 98; i++) fits = { a: fits };
        await store.applyBatch([{ op: 'upsert', collection: 'w', id: 'fits', doc: { id: 'fits', fits }, position: ++position }], { name: CHECKPOINT, position });
        expect(await store.get('w', 'fits')).toEqual({ id: 'fits', fits });
      });

      it('inc on a non-numeric field fails with a ValidationError', async () => {
        await expectFailedBatch([{ op: 'inc', collection: 'w', id: 'text', fields: { n: 1 } }], ValidationError);
      });

      it('inc on a field set to a string earlier in the same batch fails with a ValidationError', async () => {
        await expectFailedBatch(
          [
            { op: 'set', collection: 'w', id: 'u1', fields: { label: 'x' } },
            { op: 'inc', collection: 'w', id: 'u1', fields: { label: 1 } },
          ],
          ValidationError,
        );
      });

      it('set below a field that is not an object fails with a ValidationError', async () => {
        await expectFailedBatch([{ op: 'set', collection: 'w', id: 'text', fields: { 'nested.x': 1 } }], ValidationError);
      });

      it('inc on a null field fails with a ValidationError', async () => {
        await expectFailedBatch([{ op: 'inc', collection: 'w', id: 'text', fields: { empty: 1 } }], ValidationError);
      });

      it('set below an array fails with a ValidationError', async () => {
        await expectFailedBatch([{ op: 'set', collection: 'w', id: 'text', fields: { 'list.x': 1 } }], ValidationError);
      });

      it('a unique index violation fails with a ConflictError', async () => {
        await expectFailedBatch([{ op: 'upsert', collection: 'uq', id: 'e2', doc: { id: 'e2', email: 'a@x' } }], ConflictError);
      });
    });

    describe('redelivery', () => {
      beforeEach(async () => {
        await store.ensureCollection({ name: 'r', indexes: [{ fields: [['taskId', 1]] }] });
      });

      function batchOf(ops: WriteOperation[], from: number): PositionedOperation[] {
        return ops.map((op, i) => ({ ...op, position: from + i }) as PositionedOperation);
      }

      it('applying the same batch twice changes nothing the second time (increments do not double)', async () => {
        const batch = batchOf(
          [
            { op: 'inc', collection: 'r', id: 'stats', fields: { runs: 1, 'by.OK': 1 }, setOnInsert: { taskId: 't' } },
            { op: 'upsert', collection: 'r', id: 'e1', doc: { id: 'e1', taskId: 't', status: 'PENDING' } },
            { op: 'inc', collection: 'r', id: 'stats', fields: { runs: 1 } },
            { op: 'set', collection: 'r', id: 'e1', fields: { status: 'OK' } },
            { op: 'inc', collection: 'r', id: 'e1', fields: { logs: 3 } },
          ],
          10,
        );
        await store.applyBatch(batch, { name: CHECKPOINT, position: 14 });
        const once = await snapshot('r');
        await store.applyBatch(batch, { name: CHECKPOINT, position: 14 });

        expect(await snapshot('r')).toEqual(once);
        expect(once).toEqual([
          { id: 'e1', taskId: 't', status: 'OK', logs: 3 },
          { id: 'stats', taskId: 't', runs: 2, by: { OK: 1 } },
        ]);
        expect(await store.getCheckpoint(CHECKPOINT)).toBe(14);
      });

      it('overlapping batches apply each operation once (a batch cut differently after a crash)', async () => {
        const ops: WriteOperation[] = Array.from({ length: 8 }, (_, i) => ({
          op: 'inc',
          collection: 'r',
          id: i % 2 ? 'odd' : 'even',
          fields: { n: 1, [`at.p${i}`]: 1 },
        }));
        const all = batchOf(ops, 100);
        await store.applyBatch(all.slice(0, 5), { name: CHECKPOINT, position: 104 });
        await store.applyBatch(all.slice(2), { name: CHECKPOINT, position: 107 });

        expect(await store.get('r', 'even')).toEqual({ id: 'even', n: 4, at: { p0: 1, p2: 1, p4: 1, p6: 1 } });
        expect(await store.get('r', 'odd')).toEqual({ id: 'odd', n: 4, at: { p1: 1, p3: 1, p5: 1, p7: 1 } });
      });

      it('an operation older than the document is ignored', async () => {
        await store.applyBatch(batchOf([{ op: 'upsert', collection: 'r', id: 'a', doc: { id: 'a', v: 'new' } }], 50), { name: CHECKPOINT, position: 50 });
        await store.applyBatch(
          batchOf(
            [
              { op: 'set', collection: 'r', id: 'a', fields: { v: 'old' } },
              { op: 'inc', collection: 'r', id: 'a', fields: { n: 1 } },
              { op: 'delete', collection: 'r', id: 'a' },
            ],
            40,
          ),
          { name: CHECKPOINT, position: 50 },
        );
        expect(await store.get('r', 'a')).toEqual({ id: 'a', v: 'new' });
      });

      it('a redelivered deleteMany leaves what later operations wrote', async () => {
        const batch = batchOf(
          [
            { op: 'upsert', collection: 'r', id: 'a', doc: { id: 'a', taskId: 't1' } },
            { op: 'upsert', collection: 'r', id: 'b', doc: { id: 'b', taskId: 't1' } },
            { op: 'upsert', collection: 'r', id: 'c', doc: { id: 'c', taskId: 't2' } },
            { op: 'deleteMany', collection: 'r', filter: { taskId: 't1' } },
            { op: 'inc', collection: 'r', id: 'a', fields: { n: 1 }, setOnInsert: { taskId: 't1' } },
            { op: 'set', collection: 'r', id: 'c', fields: { seen: 1 } },
          ],
          200,
        );
        await store.applyBatch(batch, { name: CHECKPOINT, position: 205 });
        const once = await snapshot('r');
        expect(once).toEqual([
          { id: 'a', taskId: 't1', n: 1 },
          { id: 'c', taskId: 't2', seen: 1 },
        ]);

        await store.applyBatch(batch, { name: CHECKPOINT, position: 205 });
        expect(await snapshot('r')).toEqual(once);
        // Redelivered in two pieces, cut inside the batch.
        await store.applyBatch(batch.slice(0, 4), { name: CHECKPOINT, position: 203 });
        await store.applyBatch(batch.slice(4), { name: CHECKPOINT, position: 205 });
        expect(await snapshot('r')).toEqual(once);
      });
    });

    describe('checkpoints and meta', () => {
      it('stores checkpoints by name, with or without operations, and deletes them', async () => {
        expect(await store.getCheckpoint('a#1')).toBeNull();
        await store.applyBatch([], { name: 'a#1', position: 0 });
        expect(await store.getCheckpoint('a#1')).toBe(0);
        await store.applyBatch([], { name: 'a#1', position: 2 ** 40 });
        await store.applyBatch([{ op: 'set', collection: 'x', id: 'x', fields: { a: 1 }, position: 7 }], { name: 'b#1', position: 9 });

        expect(await store.getCheckpoint('a#1')).toBe(2 ** 40);
        expect(await store.getCheckpoint('b#1')).toBe(9);
        await store.deleteCheckpoint('a#1');
        await store.deleteCheckpoint('never');
        expect(await store.getCheckpoint('a#1')).toBeNull();
        expect(await store.getCheckpoint('b#1')).toBe(9);
        await expect(store.applyBatch([], { name: '', position: 1 })).rejects.toThrow(ValidationError);
        await expect(store.applyBatch([], { name: 'c', position: 1.5 })).rejects.toThrow(ValidationError);
      });

      it('stores meta values as JSON and overwrites them', async () => {
        expect(await store.getMeta('registry')).toBeNull();
        await store.setMeta('registry', { projections: { tasks: { active: 2, generations: [1, 2] } }, note: null });
        expect(await store.getMeta('registry')).toEqual({ projections: { tasks: { active: 2, generations: [1, 2] } }, note: null });
        await store.setMeta('registry', 'replaced');
        await store.setMeta('n', 42);
        await store.setMeta('when', new Date('2024-03-01T00:00:00Z'));

        expect(await store.getMeta('registry')).toBe('replaced');
        expect(await store.getMeta('n')).toBe(42);
        expect(await store.getMeta('when')).toBe('2024-03-01T00:00:00.000Z');
        await expect(store.setMeta('bad', undefined)).rejects.toThrow(ValidationError);
      });

      it('compares and sets meta atomically: only one of several contenders wins', async () => {
        const lease = { holder: 'a', token: 1, expiresAt: 1000 };
        const contenders = await Promise.all(['a', 'b', 'c'].map((holder) => store.compareAndSetMeta('lease', null, { ...lease, holder })));
        expect(contenders.filter(Boolean)).toHaveLength(1);
        const current = await store.getMeta<typeof lease>('lease');
        const renewed = { ...current!, expiresAt: 2000 };
        expect(await store.compareAndSetMeta('lease', current, renewed)).toBe(true);
        // A stale view of the record loses.
        expect(await store.compareAndSetMeta('lease', current, { ...current!, holder: 'z' })).toBe(false);
        expect(await store.getMeta('lease')).toEqual(renewed);
      });

      it('a lease: one holder at a time, renewed with its token, taken with a larger one once released or lapsed', async () => {
        const first = await store.acquireLease('leader', 'a', 60_000);
        expect(first).toEqual({ holder: 'a', token: 1, expiresAt: expect.any(Number) });
        // Others get the record as it stands; a release by someone else changes nothing.
        expect(await Promise.all(['b', 'c'].map((holder) => store.acquireLease('leader', holder, 60_000)))).toEqual([first, first]);
        await store.releaseLease('leader', 'b');
        const renewed = await store.acquireLease('leader', 'a', 60_000);
        expect(renewed).toMatchObject({ holder: 'a', token: 1 });
        expect(renewed.expiresAt).toBeGreaterThanOrEqual(first.expiresAt);

        await store.releaseLease('leader', 'a');
        expect(await store.acquireLease('leader', 'b', 60_000)).toMatchObject({ holder: 'b', token: 2 });
        // A lease of no duration has lapsed by the store's clock as soon as it is written.
        expect(await store.acquireLease('leader', 'b', 0)).toMatchObject({ holder: 'b', token: 2 });
        expect(await store.acquireLease('leader', 'c', 60_000)).toMatchObject({ holder: 'c', token: 3 });
        // Its own lapsed lease renewed is the same term: nobody held it meanwhile.
        await store.acquireLease('leader', 'c', 0);
        expect(await store.acquireLease('leader', 'c', 60_000)).toMatchObject({ holder: 'c', token: 3 });
        // A new term starts at least at minToken (the event store's fence may be ahead of the lease).
        await store.releaseLease('leader', 'c');
        expect(await store.acquireLease('leader', 'a', 60_000, 10)).toMatchObject({ holder: 'a', token: 10 });
        expect(await store.acquireLease('leader', 'a', 60_000)).toMatchObject({ holder: 'a', token: 10 });
        // Its holder renewing below minToken moves to minToken (the fence was found ahead of its term).
        expect(await store.acquireLease('leader', 'a', 60_000, 20)).toMatchObject({ holder: 'a', token: 20 });
      });

      it('a free lease goes to exactly one of several contenders', async () => {
        const answers = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((holder) => store.acquireLease('contended', holder, 60_000)));
        expect(new Set(answers.map((a) => a.holder)).size).toBe(1);
        expect(answers.every((a) => a.token === 1)).toBe(true);
      });

      it('refuses bad lease arguments', async () => {
        await expect(store.acquireLease('', 'a', 1000)).rejects.toThrow(ValidationError);
        await expect(store.acquireLease('l', '', 1000)).rejects.toThrow(ValidationError);
        await expect(store.acquireLease('l', 'a', -1)).rejects.toThrow(ValidationError);
        await expect(store.acquireLease('l', 'a', 1.5)).rejects.toThrow(ValidationError);
        await expect(store.acquireLease('l', 'a', 1000, 0)).rejects.toThrow(ValidationError);
      });
    });
  });
}

/** `{f0: 0, f1: 1, …}`: an edit of more fields than are compared pair by pair. */
function manyFields(count: number): Record<string, number> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`f${i}`, i]));
}
