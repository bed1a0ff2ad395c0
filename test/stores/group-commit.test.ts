import { join } from 'node:path';
import Database from 'better-sqlite3';
import { GroupCommit } from '../../src/stores/events/group-commit';
import { SqliteEventStore } from '../../src/stores/events/sqlite-event-store';
import { makeTempDir } from '../support/temp-dir';
import { testEvent } from '../support/test-events';

describe('group commit: writes ahead of a burst', () => {
  let temp: ReturnType<typeof makeTempDir>;

  beforeEach(() => {
    temp = makeTempDir('group-commit-');
  });
  afterEach(() => temp.cleanup());

  it('commits work submitted ahead in the next transaction, before ordinary work queued earlier', async () => {
    const db = new Database(join(temp.dir, 'g.db'));
    db.exec('CREATE TABLE t (n INTEGER)');
    const commits = new GroupCommit(db, () => undefined);
    const insert = db.prepare('INSERT INTO t (n) VALUES (?)');
    const committedIn = new Map<string, number>();
    const write = (name: string, ahead: boolean) =>
      commits.submit(() => insert.run(0), ahead).then(() => committedIn.set(name, commits.commitCount));
    const burst = Array.from({ length: 1000 }, (_, i) => write(`burst${i}`, false));
    const ticks = [write('tick1', true), write('tick2', true)];
    await Promise.all([...burst, ...ticks]);
    // 1,002 writes in transactions of at most 256: the burst takes four, the two ahead ride in the first.
    expect(commits.commitCount).toBe(4);
    expect(committedIn.get('tick1')).toBe(1);
    expect(committedIn.get('tick2')).toBe(1);
    expect(committedIn.get('burst0')).toBe(1);
    expect(committedIn.get('burst999')).toBe(4);
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(1002);
    db.close();
  });

  it("puts the leader's appends (with a fencing token) ahead of a burst of request appends", async () => {
    const store = SqliteEventStore.open({ file: join(temp.dir, 'events.db'), synchronous: 'NORMAL' });
    try {
      const burst = Array.from({ length: 600 }, (_, i) => store.append(`execution-b${i}`, [testEvent('ExecutionCreated')], 'no_stream'));
      const tick = store.append('execution-tick', [testEvent('ExecutionCreated')], 'no_stream', { fencingToken: 1 });
      const positions = (await Promise.all(burst)).map((result) => Number(result.position));
      const tickPosition = Number((await tick).position);
      // Stored in the first transaction: before most of the burst queued before it.
      expect(positions.filter((position) => position > tickPosition).length).toBeGreaterThan(300);
    } finally {
      await store.close();
    }
  });
});
