import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { NewEvent } from '../../src/stores/events/event-store';
import { runNode } from '../support/run-node';
import { makeTempDir } from '../support/temp-dir';
import { openTestEventStore } from '../support/test-stores';

/** `npm run audit -- verify` as a real process on a data directory. */
describe('audit verify CLI', () => {
  let temp: ReturnType<typeof makeTempDir>;
  const project = randomUUID();
  const task = `task-${randomUUID()}`;
  const execution = `execution-${randomUUID()}`;
  const other = `task-${randomUUID()}`;

  beforeAll(async () => {
    temp = makeTempDir('audit-verify-');
    const store = openTestEventStore(temp.dir, { writerThread: true });
    await store.append(`project-${project}`, [event('ProjectCreated', { projectId: project })], 'no_stream');
    await store.append(task, [event('TaskCreated', { projectId: project }), event('TaskUpdated', { projectId: project })], 'no_stream');
    await store.append(execution, [1, 2, 3, 4, 5].map((n) => event('ExecutionProgressed', { projectId: project, n })), 'no_stream');
    await store.append(other, [event('TaskCreated', { projectId: randomUUID() })], 'no_stream');
    await store.deleteStream(task);
    await store.close();
  });
  afterAll(() => temp.cleanup());

  const verify = (...args: string[]) => runNode('src/cli/audit.ts', ['verify', ...args], { DATA_DIR: temp.dir });

  it('verifies every event and stream, deleted streams included', async () => {
    const run = await verify();

    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('verified 9 events in 4 streams');
    expect(run.code).toBe(0);
  });

  it('verifies the streams of one project with --project', async () => {
    const run = await verify('--project', project);

    expect(run.stdout.trim()).toBe('verified 8 events in 3 streams');
    expect(run.code).toBe(0);
  });

  it('names the changed event with expected and found hashes, then the gap of a deleted one (exit 2)', async () => {
    const db = new Database(join(temp.dir, 'events.db'));
    const stream = `(SELECT id FROM streams WHERE name = '${execution}')`;
    db.prepare(`UPDATE events SET data = replace(data, '"n":4', '"n":5') WHERE stream_id = ${stream} AND revision = 3`).run();

    const changed = await verify();

    expect(changed.code).toBe(2);
    expect(changed.stdout).toMatch(new RegExp(`^broken link at ${execution} revision 3: changed.*\\n  expected: [0-9a-f]{64}\\n  found:    [0-9a-f]{64}\\n$`));

    db.prepare(`DELETE FROM events WHERE stream_id = ${stream} AND revision = 3`).run();
    db.close();
    const gap = await verify('--project', project);

    expect(gap.code).toBe(2);
    expect(gap.stdout).toContain(`broken link at ${execution} revision 4: events missing before it\n  expected: revision 3\n  found:    revision 4 (missing 3)`);
  });
});

function event(type: string, data: unknown): NewEvent {
  const id = randomUUID();
  return { type, data, metadata: { eventId: id, occurredAt: '2030-01-01T00:00:00.000Z', actor: 'system:test', correlationId: id, causationId: id, schemaVersion: 1 } };
}
