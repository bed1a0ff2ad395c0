/**
 * The merge of batch-plan.ts, checked without any store: a document's operations merged into writes
 * (what the MongoDB adapter sends as update operators) must give the same document as the operations
 * applied one by one (`applyOps`, the reference), or both must fail. MongoDB's update operators are
 * interpreted here as the server documents them ($set creates parents and fails below a non-object,
 * $unset ignores a path it cannot reach, $inc fails on a non-number, $setOnInsert only on insert).
 */
import { ValidationError } from '../../src/errors/app-error';
import { applyOps, type DocOperation, type DocWrite, planDoc } from '../../src/stores/read/batch-plan';
import { copyJson } from '../../src/stores/read/copy-json';
import { incPath, setPath } from '../../src/stores/read/field-path';
import type { Doc } from '../../src/stores/read/read-store';
import { seededRandom } from '../support/seeded-random';

function applyMerged(existing: Doc | null, write: DocWrite): Doc | null {
  const merged = write.merged;
  switch (merged.kind) {
    case 'delete':
      return null;
    case 'replace':
      return copyJson(merged.doc);
    case 'update': {
      const doc: Doc = existing ?? { id: write.id };
      if (!existing) for (const [path, value] of merged.setOnInsert) setPath(doc, path.split('.'), copyJson(value));
      for (const [path, value] of merged.set) setPath(doc, path.split('.'), copyJson(value));
      for (const [path, amount] of merged.inc) incPath(doc, path.split('.'), amount);
      return doc;
    }
  }
}

function outcome(run: () => Doc | null): { doc: Doc | null } | { error: string } {
  try {
    return { doc: run() };
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    return { error: 'ValidationError' };
  }
}

function applySkippingFailures(start: Doc | null, ops: DocOperation[]): Doc | null {
  let doc = copyJson(start);
  for (const op of ops) {
    try {
      doc = applyOps(copyJson(doc), 'd', [op]);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
    }
  }
  return doc;
}

describe('batch-plan merge', () => {
  const random = seededRandom(7);
  const pick = <T,>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const PATHS = ['a', 'a.x', 'a.y', 'a.x.z', 'b', 'n'] as const;
  const VALUES = [1, 2.5, 'v', { x: 1 }, { z: 3 }, null, undefined] as const;

  function randomOp(position: number): DocOperation {
    const base = { collection: 'c', id: 'd', position };
    switch (pick(['upsert', 'set', 'set', 'set', 'inc', 'inc', 'inc', 'delete'] as const)) {
      case 'upsert':
        return { ...base, op: 'upsert', doc: pick([{ id: 'd', a: { x: 1 } }, { id: 'd', n: 'text' }, { id: 'd', a: 5 }]) };
      case 'set':
        return { ...base, op: 'set', fields: { [pick(PATHS)]: pick(VALUES) } };
      case 'inc': {
        const fields = { [pick(PATHS)]: pick([1, -2, 0.5]) };
        const key = pick(['k', 'a', 'a.y', 'n', 'b'] as const);
        const setOnInsert = random() < 0.5 && !Object.keys(fields).some((f) => f === key || f.startsWith(`${key}.`) || key.startsWith(`${f}.`)) ? { [key]: pick(VALUES) } : undefined;
        return setOnInsert ? { ...base, op: 'inc', fields, setOnInsert } : { ...base, op: 'inc', fields };
      }
      case 'delete':
        return { ...base, op: 'delete' };
    }
  }

  it('gives the same document as applying the operations one by one (20,000 random sequences)', () => {
    const starts: Array<Doc | null> = [null, { id: 'd' }, { id: 'd', a: { x: 1, y: 'y' }, n: 1 }, { id: 'd', a: 5, n: 'text' }, { id: 'd', a: null }];
    let merged = 0;
    for (let round = 0; round < 20_000; round++) {
      const ops = Array.from({ length: 1 + Math.floor(random() * 6) }, (_, i) => randomOp(10 + (random() < 0.3 ? 0 : i)));
      const start = pick(starts);
      const expected = outcome(() => applyOps(copyJson(start), 'd', ops));
      const actual = outcome(() => planDoc('c', 'd', ops).reduce<Doc | null>((doc, write) => applyMerged(doc, write), copyJson(start)));
      if ('error' in expected && 'error' in actual) continue;
      // The one allowed difference: an operation whose effect a later one overwrites (an upsert, a
      // delete, a set of the same field or a parent) is not evaluated, so an error it would raise is
      // not raised. The result is then that of the operations without the failing ones.
      if ('error' in expected && 'doc' in actual) {
        expect({ round, start, ops, result: actual.doc }).toEqual({ round, start, ops, result: applySkippingFailures(start, ops) });
        continue;
      }
      expect({ round, start, ops, result: actual }).toEqual({ round, start, ops, result: expected });
      merged++;
    }
    expect(merged).toBeGreaterThan(10_000);
  });

  it('merges the usual projection patterns into one write', () => {
    const ops: DocOperation[] = [
      { op: 'upsert', collection: 'c', id: 'd', doc: { id: 'd', status: 'PENDING' }, position: 1 },
      { op: 'set', collection: 'c', id: 'd', fields: { status: 'RUNNING' }, position: 2 },
      { op: 'inc', collection: 'c', id: 'd', fields: { logs: 10 }, position: 3 },
      { op: 'set', collection: 'c', id: 'd', fields: { status: 'SUCCESS', ended_at: 'x' }, position: 4 },
    ];
    expect(planDoc('c', 'd', ops)).toHaveLength(1);
    const counters: DocOperation[] = Array.from({ length: 100 }, (_, i) => ({
      op: 'inc',
      collection: 'c',
      id: 'stats',
      fields: { runs: 1, [`byStatus.${i % 2 ? 'OK' : 'FAILED'}`]: 1 },
      setOnInsert: { taskId: 't' },
      position: i,
    }));
    const [write, ...rest] = planDoc('c', 'stats', counters);
    expect(rest).toEqual([]);
    expect(write!.merged).toEqual({
      kind: 'update',
      set: new Map(),
      inc: new Map([['runs', 100], ['byStatus.FAILED', 50], ['byStatus.OK', 50]]),
      setOnInsert: new Map([['taskId', 't']]),
    });
  });

  it('splits where one write cannot say it: a nested field written then removed keeps its parent', () => {
    const ops: DocOperation[] = [
      { op: 'inc', collection: 'c', id: 'd', fields: { 'a.x': 1 }, position: 1 },
      { op: 'set', collection: 'c', id: 'd', fields: { 'a.x': undefined }, position: 2 },
    ];
    const writes = planDoc('c', 'd', ops);
    expect(writes).toHaveLength(2);
    expect(writes.reduce<Doc | null>((doc, write) => applyMerged(doc, write), null)).toEqual({ id: 'd', a: {} });
  });
});
