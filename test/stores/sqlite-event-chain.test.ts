// SQLite internals: the hash chain as the embedded event store keeps it in its file.
import { createHash, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import canonicalize from 'canonicalize';
import type { NewEvent, StoredEvent } from '../../src/stores/events/event-store';
import { describeChainReport } from '../../src/stores/events/event-chain';
import { SqliteEventStore } from '../../src/stores/events/sqlite-event-store';
import { makeTempDir } from '../support/temp-dir';

/** The embedded store's chain against direct changes to its file: each must be named exactly. */
describe('SQLite event store: tamper evidence', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let file: string;
  let store: SqliteEventStore;
  const project = randomUUID();
  const task = `task-${randomUUID()}`;
  const execution = `execution-${randomUUID()}`;

  beforeEach(async () => {
    temp = makeTempDir('event-chain-');
    file = join(temp.dir, 'events.db');
    store = SqliteEventStore.open({ file });
    await store.append(task, [event('TaskCreated', { projectId: project, name: 'backup' }), event('TaskUpdated', { projectId: project })], 'no_stream');
    await store.append(execution, [0, 1, 2, 3].map((n) => event('ExecutionProgressed', { projectId: project, n })), 'no_stream');
    await store.append(task, [event('TaskPaused', { projectId: project })], 1);
  });
  afterEach(async () => {
    await store.close();
    temp.cleanup();
  });

  /** Changes the stored file behind the store's back, as someone with access to the disk could. */
  function tamper(sql: string, ...params: unknown[]): void {
    const db = new Database(file);
    try {
      expect(db.prepare(sql).run(...params).changes).toBe(1);
    } finally {
      db.close();
    }
  }

  const streamId = (name: string) => `(SELECT id FROM streams WHERE name = '${name}')`;

  it('verifies an untouched store: every event, every stream', async () => {
    const report = await store.verifyChain();

    expect(report).toEqual({ events: 7, streams: 2, unhashed: 0, broken: null });
    expect(describeChainReport(report)).toBe('verified 7 events in 2 streams');
  });

  it('stores JSON in its canonical form and hashes exactly as the README says', async () => {
    await store.append(`task-${randomUUID()}`, [event('TaskCreated', { z: 1, a: { y: [1.5, 'ä', null], b: true } })], 'no_stream');
    const db = new Database(file, { readonly: true });
    const rows = db
      .prepare<[], { stream: string; revision: number; type: string; data: string; metadata: string; hash: Buffer }>(
        'SELECT s.name AS stream, e.revision, e.type, e.data, e.metadata, e.hash FROM events e JOIN streams s ON s.id = e.stream_id ORDER BY s.id, e.revision',
      )
      .all();
    db.close();
    expect(rows.at(-1)!.data).toBe('{"a":{"b":true,"y":[1.5,"ä",null]},"z":1}');
    let previous: { stream: string; hash: string } | null = null;
    for (const row of rows) {
      // The recipe: JCS of {data, metadata, previousHash, revision, stream, type}, SHA-256.
      const previousHash: string | null = previous?.stream === row.stream ? previous.hash : null;
      const canonical: string = canonicalize({ stream: row.stream, revision: row.revision, type: row.type, data: JSON.parse(row.data), metadata: JSON.parse(row.metadata), previousHash })!;
      const hash: string = createHash('sha256').update(canonical, 'utf8').digest('hex');
      expect(row.hash.toString('hex')).toBe(hash);
      previous = { stream: row.stream, hash };
    }
  });

  it.each([
    ['data', `UPDATE events SET data = replace(data, '"n":2', '"n":3')`],
    ['metadata', `UPDATE events SET metadata = replace(metadata, 'system:test', 'system:tesT')`],
    ['type', `UPDATE events SET type = 'ExecutionProgresseD'`],
  ])('names exactly the event whose %s changed by one byte, with expected vs found', async (_what, update) => {
    tamper(`${update} WHERE stream_id = ${streamId(execution)} AND revision = 2`);

    const report = await store.verifyChain();

    expect(report.broken).toMatchObject({ stream: execution, revision: 2, kind: 'changed' });
    expect(report.broken!.expected).toMatch(/^[0-9a-f]{64}$/);
    expect(report.broken!.found).toMatch(/^[0-9a-f]{64}$/);
    expect(report.broken!.expected).not.toBe(report.broken!.found);
    expect(describeChainReport(report)).toContain(`broken link at ${execution} revision 2: changed`);
  });

  it('names the gap when an event in the middle of a stream is deleted', async () => {
    tamper(`DELETE FROM events WHERE stream_id = ${streamId(execution)} AND revision = 1`);

    const report = await store.verifyChain();

    expect(report.broken).toEqual({ stream: execution, revision: 2, kind: 'gap', expected: 'revision 1', found: 'revision 2 (missing 1)' });
  });

  it('names the next event when one is changed and its hash recomputed: the link to it no longer holds', async () => {
    const db = new Database(file);
    const row = db.prepare(`SELECT e.data, e.metadata, e.type FROM events e WHERE stream_id = ${streamId(execution)} AND revision = 1`).get() as { data: string; metadata: string; type: string };
    const previous = db.prepare(`SELECT hash FROM events WHERE stream_id = ${streamId(execution)} AND revision = 0`).pluck().get() as Buffer;
    const data = row.data.replace('"n":1', '"n":9');
    const canonical = canonicalize({ stream: execution, revision: 1, type: row.type, data: JSON.parse(data), metadata: JSON.parse(row.metadata), previousHash: previous.toString('hex') })!;
    db.prepare(`UPDATE events SET data = ?, hash = ? WHERE stream_id = ${streamId(execution)} AND revision = 1`).run(data, createHash('sha256').update(canonical).digest());
    db.close();

    expect((await store.verifyChain()).broken).toMatchObject({ stream: execution, revision: 2, kind: 'changed' });
  });

  it('refuses an event without a hash written after the chain began', async () => {
    tamper(`UPDATE events SET hash = NULL WHERE stream_id = ${streamId(task)} AND revision = 2`);

    expect((await store.verifyChain()).broken).toMatchObject({ stream: task, revision: 2, kind: 'unhashed' });
  });

  it('verifies one project only with `project`', async () => {
    await store.append(`task-${randomUUID()}`, [event('TaskCreated', { projectId: randomUUID() })], 'no_stream');
    tamper(`UPDATE events SET data = replace(data, '"n":2', '"n":3') WHERE stream_id = ${streamId(execution)} AND revision = 2`);

    expect((await store.verifyChain({ project: randomUUID() })).broken).toBeNull();
    expect((await store.verifyChain({ project })).broken).toMatchObject({ stream: execution, revision: 2 });
  });

  it('names an event whose data is no longer JSON, with `project` too (even when it was the first of its stream)', async () => {
    tamper(`UPDATE events SET data = '[' || substr(data, 2) WHERE stream_id = ${streamId(execution)} AND revision = 0`);

    expect((await store.verifyChain({ project })).broken).toMatchObject({ stream: execution, revision: 0, kind: 'changed' });
    expect((await store.verifyChain({ project: randomUUID() })).broken).toMatchObject({ stream: execution, revision: 0, kind: 'changed' });
  });

  it('upgrades a file written before the chain: its events count as unhashed, later ones are chained, also on old streams', async () => {
    await store.close();
    const oldFile = join(temp.dir, 'old.db');
    const old = new Database(oldFile);
    old.exec(`CREATE TABLE streams (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, deleted INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE events (position INTEGER PRIMARY KEY AUTOINCREMENT, stream_id INTEGER NOT NULL, revision INTEGER NOT NULL,
        category TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL);
      CREATE UNIQUE INDEX events_by_stream ON events (stream_id, revision);
      CREATE INDEX events_by_category ON events (category, position);
      INSERT INTO streams (id, name) VALUES (1, '${task}');
      INSERT INTO events (stream_id, revision, category, type, data, metadata) VALUES
        (1, 0, 'task', 'TaskCreated', '{"projectId":"${project}","name":"old"}', '{"schemaVersion":1}'),
        (1, 1, 'task', 'TaskUpdated', '{"name":"older","projectId":"${project}"}', '{"schemaVersion":1}');
      PRAGMA user_version = 2;`);
    old.close();

    store = SqliteEventStore.open({ file: oldFile });
    await store.append(task, [event('TaskPaused', { projectId: project })], 1);
    await store.append(execution, [event('ExecutionCreated', { projectId: project })], 'no_stream');

    const report = await store.verifyChain();
    expect(report).toEqual({ events: 2, streams: 2, unhashed: 2, broken: null });
    expect(describeChainReport(report)).toBe('verified 2 events in 2 streams (and 2 unhashed events from before the chain)');
    expect((await store.readStream(task)).map((e) => e.type)).toEqual(['TaskCreated', 'TaskUpdated', 'TaskPaused']);
    // Exported as they are: no hash for the old ones, and the first hashed event links to null.
    const exported = await storedEvents(store, project);
    expect(exported.filter((e) => e.stream === task).map((e) => [e.revision, e.previousHash, e.hash === null])).toEqual([
      [0, null, true],
      [1, null, true],
      [2, null, false],
    ]);
  });

  it('exports an event whose data is no longer JSON as its stored text, so its hash no longer fits it', async () => {
    tamper(`UPDATE events SET data = '[' || substr(data, 2) WHERE stream_id = ${streamId(execution)} AND revision = 1`);

    const changed = (await storedEvents(store, project)).find((e) => e.stream === execution && e.revision === 1)!;

    expect(typeof changed.data).toBe('string');
    expect((changed.data as string).startsWith('["')).toBe(true);
    const { stream, revision, type, data, metadata, previousHash } = changed;
    expect(createHash('sha256').update(canonicalize({ stream, revision, type, data, metadata, previousHash })!).digest('hex')).not.toBe(changed.hash);
  });
});

async function storedEvents(store: SqliteEventStore, project: string): Promise<StoredEvent[]> {
  const all: StoredEvent[] = [];
  for await (const page of store.readStored({ project })) all.push(...page);
  return all;
}

function event(type: string, data: unknown): NewEvent {
  const id = randomUUID();
  return { type, data, metadata: { eventId: id, occurredAt: '2030-01-01T00:00:00.000Z', actor: 'system:test', correlationId: id, causationId: id, schemaVersion: 1 } };
}
