// SQLite internals: the embedded read store's in-transaction overlay, on an in-memory database.
import { BatchOverlay } from '../../src/projections/batch-overlay';
import { SqliteReadStore } from '../../src/stores/read/sqlite-read-store';
import { WrittenIds } from '../../src/projections/written-ids';

describe('batch overlay', () => {
  let store: SqliteReadStore;
  const physical = (collection: string) => `p_${collection}`;

  beforeEach(async () => {
    store = SqliteReadStore.open({ file: ':memory:' });
    await store.applyBatch([{ op: 'upsert', collection: 'p_docs', id: 'stored', doc: { id: 'stored', n: 1 }, position: 1 }], { name: 'c', position: 1 });
  });
  afterEach(() => store.close());

  it('answers reads from the batch first, with copies the projection may change', async () => {
    const overlay = new BatchOverlay(store, physical);
    overlay.record({ op: 'upsert', collection: 'docs', id: 'a', doc: { id: 'a', list: [1] } }, 2);
    const read = await overlay.get<{ id: string; list: number[] }>('docs', 'a');
    read!.list.push(2);
    expect(await overlay.get('docs', 'a')).toEqual({ id: 'a', list: [1] });
    overlay.record({ op: 'inc', collection: 'docs', id: 'stored', fields: { n: 2 } }, 3);
    expect(await overlay.get('docs', 'stored')).toEqual({ id: 'stored', n: 3 });
    overlay.record({ op: 'delete', collection: 'docs', id: 'stored' }, 4);
    expect(await overlay.get('docs', 'stored')).toBeNull();
  });

  it('hands a document out for update without a copy, and holds the projection to writing it back', async () => {
    const overlay = new BatchOverlay(store, physical);
    const doc = (await overlay.getForUpdate<{ id: string; n: number }>('docs', 'stored'))!;
    doc.n = 5;
    await expect(overlay.get('docs', 'stored')).rejects.toThrow('docs stored was taken for update and not written back');
    overlay.record({ op: 'upsert', collection: 'docs', id: 'stored', doc }, 2);
    const again = (await overlay.getForUpdate<{ id: string; n: number }>('docs', 'stored'))!;
    expect(again).toBe(doc);
    expect(await overlay.getForUpdate('docs', 'missing')).toBeNull();
    expect(() => overlay.take()).toThrow('docs stored was taken for update and not written back');
    overlay.record({ op: 'delete', collection: 'docs', id: 'stored' }, 3);
    expect(overlay.take()).toEqual([{ op: 'delete', collection: 'p_docs', id: 'stored', position: 3 }]);
  });

  it('answers at once, without a promise, what the batch holds; a read of the store is a promise', async () => {
    const overlay = new BatchOverlay(store, physical);
    const fromStore = overlay.getForUpdate<{ id: string; n: number }>('docs', 'stored');
    expect(fromStore).toBeInstanceOf(Promise);
    const doc = (await fromStore)!;
    overlay.record({ op: 'upsert', collection: 'docs', id: 'stored', doc }, 2);
    expect(overlay.getForUpdate('docs', 'stored')).toBe(doc);
    overlay.record({ op: 'upsert', collection: 'docs', id: 'stored', doc }, 3);
    expect(overlay.get('docs', 'stored')).toEqual({ id: 'stored', n: 1 });
    expect(overlay.get('docs', 'stored')).not.toBe(doc);
    // Known to be absent (the store said so): null at once.
    expect(await overlay.get('docs', 'missing')).toBeNull();
    expect(overlay.get('docs', 'missing')).toBeNull();
    // Edits over a stored document need the store's copy: a promise.
    overlay.record({ op: 'inc', collection: 'docs', id: 'other', fields: { n: 1 } }, 4);
    expect(overlay.get('docs', 'other')).toBeInstanceOf(Promise);
  });

  it('reads a stored document once per batch', async () => {
    const get = jest.spyOn(store, 'get');
    const overlay = new BatchOverlay(store, physical);
    for (let i = 0; i < 3; i++) {
      const doc = await overlay.get<{ id: string; n: number }>('docs', 'stored');
      doc!.n = 100;
      expect(await overlay.get('docs', 'missing')).toBeNull();
    }
    expect(await overlay.get('docs', 'stored')).toEqual({ id: 'stored', n: 1 });
    expect(get).toHaveBeenCalledTimes(2);
    overlay.take();
    await overlay.get('docs', 'stored');
    expect(get).toHaveBeenCalledTimes(3);
  });

  it('drops what a later upsert or delete of the same document supersedes, keeping the order of the rest', async () => {
    const overlay = new BatchOverlay(store, physical);
    overlay.record({ op: 'upsert', collection: 'docs', id: 'a', doc: { id: 'a', v: 1 } }, 2);
    overlay.record({ op: 'inc', collection: 'counts', id: 'a', fields: { n: 1 } }, 2);
    overlay.record({ op: 'set', collection: 'docs', id: 'a', fields: { w: 1 } }, 3);
    overlay.record({ op: 'upsert', collection: 'docs', id: 'b', doc: { id: 'b' } }, 3);
    overlay.record({ op: 'upsert', collection: 'docs', id: 'a', doc: { id: 'a', v: 2 } }, 4);
    overlay.record({ op: 'set', collection: 'docs', id: 'a', fields: { w: 2 } }, 5);
    overlay.record({ op: 'delete', collection: 'docs', id: 'b' }, 5);
    overlay.record({ op: 'deleteMany', collection: 'docs', filter: { v: 0 } }, 6);
    expect(overlay.take()).toEqual([
      { op: 'inc', collection: 'p_counts', id: 'a', fields: { n: 1 }, position: 2 },
      { op: 'upsert', collection: 'p_docs', id: 'a', doc: { id: 'a', v: 2 }, position: 4 },
      { op: 'set', collection: 'p_docs', id: 'a', fields: { w: 2 }, position: 5 },
      { op: 'delete', collection: 'p_docs', id: 'b', position: 5 },
      { op: 'deleteMany', collection: 'p_docs', filter: { v: 0 }, position: 6 },
    ]);
    expect(overlay.take()).toEqual([]);
  });

  it('writes nothing for a document the store said it lacks, made and deleted within the batch', async () => {
    const overlay = new BatchOverlay(store, physical);
    expect(await overlay.getForUpdate('docs', 'missing')).toBeNull();
    overlay.record({ op: 'upsert', collection: 'docs', id: 'missing', doc: { id: 'missing', n: 1 } }, 2);
    overlay.record({ op: 'inc', collection: 'docs', id: 'missing', fields: { n: 1 } }, 3);
    expect(await overlay.get('docs', 'missing')).toEqual({ id: 'missing', n: 2 });
    overlay.record({ op: 'delete', collection: 'docs', id: 'missing' }, 4);
    expect(await overlay.get('docs', 'missing')).toBeNull();
    // A stored document's delete is written.
    overlay.record({ op: 'upsert', collection: 'docs', id: 'stored', doc: { id: 'stored', n: 2 } }, 4);
    overlay.record({ op: 'delete', collection: 'docs', id: 'stored' }, 5);
    expect(overlay.take()).toEqual([{ op: 'delete', collection: 'p_docs', id: 'stored', position: 5 }]);
  });

  it('writes the edits that follow such a delete, which make the document again', async () => {
    const overlay = new BatchOverlay(store, physical);
    expect(await overlay.get('docs', 'missing')).toBeNull();
    overlay.record({ op: 'delete', collection: 'docs', id: 'missing' }, 2);
    overlay.record({ op: 'inc', collection: 'docs', id: 'missing', fields: { n: 1 } }, 3);
    expect(await overlay.get('docs', 'missing')).toEqual({ id: 'missing', n: 1 });
    const operations = overlay.take();
    expect(operations).toEqual([{ op: 'inc', collection: 'p_docs', id: 'missing', fields: { n: 1 }, position: 3 }]);
    await store.applyBatch(operations, { name: 'c', position: 3 });
    expect(await store.get('p_docs', 'missing')).toEqual({ id: 'missing', n: 1 });
  });
});

describe('batch overlay of a generation that started empty', () => {
  it('answers "none" for a document the worker never wrote without asking the store, and reads what it wrote', async () => {
    const store = SqliteReadStore.open({ file: ':memory:' });
    try {
      const written = new WrittenIds();
      const get = jest.spyOn(store, 'get');
      const first = new BatchOverlay(store, (c) => `p_${c}`, written);
      expect(await first.get('docs', 'never')).toBeNull();
      expect(await first.getForUpdate('docs', 'never')).toBeNull();
      expect(get).not.toHaveBeenCalled();
      first.record({ op: 'upsert', collection: 'docs', id: 'a', doc: { id: 'a', n: 1 } }, 1);
      first.record({ op: 'inc', collection: 'counts', id: 'a', fields: { n: 2 } }, 1);
      await store.applyBatch(first.take(), { name: 'c', position: 1 });
      // A later batch of the same worker: written documents come from the store, the rest need no read.
      const next = new BatchOverlay(store, (c) => `p_${c}`, written);
      expect(await next.get('docs', 'a')).toEqual({ id: 'a', n: 1 });
      expect(await next.get('counts', 'a')).toEqual({ id: 'a', n: 2 });
      expect(await next.get('docs', 'b')).toBeNull();
      expect(await next.get('counts', 'b')).toBeNull();
      expect(get.mock.calls.map(([collection, id]) => `${collection} ${id}`)).toEqual(['p_docs a', 'p_counts a']);
    } finally {
      await store.close();
    }
  });

  it('writes no delete of a document it never wrote, and writes one of a document an earlier batch wrote', async () => {
    const store = SqliteReadStore.open({ file: ':memory:' });
    try {
      const written = new WrittenIds();
      const first = new BatchOverlay(store, (c) => `p_${c}`, written);
      first.record({ op: 'upsert', collection: 'docs', id: 'kept', doc: { id: 'kept' } }, 1);
      first.record({ op: 'upsert', collection: 'docs', id: 'brief', doc: { id: 'brief' } }, 1);
      first.record({ op: 'delete', collection: 'docs', id: 'brief' }, 2);
      first.record({ op: 'delete', collection: 'docs', id: 'never' }, 2);
      const operations = first.take();
      expect(operations).toEqual([{ op: 'upsert', collection: 'p_docs', id: 'kept', doc: { id: 'kept' }, position: 1 }]);
      await store.applyBatch(operations, { name: 'c', position: 2 });
      const next = new BatchOverlay(store, (c) => `p_${c}`, written);
      next.record({ op: 'delete', collection: 'docs', id: 'kept' }, 3);
      expect(next.take()).toEqual([{ op: 'delete', collection: 'p_docs', id: 'kept', position: 3 }]);
      // 'brief' is in the filter, which cannot tell that it went again: its delete is written.
      const third = new BatchOverlay(store, (c) => `p_${c}`, written);
      third.record({ op: 'delete', collection: 'docs', id: 'brief' }, 4);
      expect(third.take()).toEqual([{ op: 'delete', collection: 'p_docs', id: 'brief', position: 4 }]);
    } finally {
      await store.close();
    }
  });

  it('never answers "none" for a written id', () => {
    const written = new WrittenIds();
    const ids = Array.from({ length: 200_000 }, (_, i) => `task-${i}:hour:2026-03-${String(i % 28).padStart(2, '0')}T${i % 24}`);
    expect(ids.filter((id) => written.add('buckets', id)).length).toBeLessThan(ids.length / 100);
    expect(ids.every((id) => written.mightHave('buckets', id))).toBe(true);
    // The collection is part of the key; unwritten ids are mostly known absent.
    const others = ids.filter((id) => written.mightHave('inflight', id)).length;
    expect(others).toBeLessThan(ids.length / 100);
  });

  it('answers "maybe" for about 0.5% of unwritten ids at a million written', () => {
    const written = new WrittenIds();
    const id = (i: number) => `t|project-${i % 10}|hour|2026-03-${String(1 + (i % 28)).padStart(2, '0')}T${String(i % 24).padStart(2, '0')}|task-${i}`;
    for (let i = 0; i < 1_000_000; i++) written.add('buckets', id(i));
    let maybes = 0;
    for (let i = 1_000_000; i < 1_100_000; i++) if (written.mightHave('buckets', id(i))) maybes++;
    expect(maybes / 100_000).toBeGreaterThan(0.001);
    expect(maybes / 100_000).toBeLessThan(0.01);
  });
});
