import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NewEvent } from '../../src/stores/events/event-store';
import { SqliteEventStore } from '../../src/stores/events/sqlite-event-store';
import { nameThisThread } from '../../src/threads/thread-name';
import { makeTempDir } from '../support/temp-dir';

const id = randomUUID();
const named: NewEvent = {
  type: 'Named',
  data: {},
  metadata: { eventId: id, occurredAt: '2030-01-01T00:00:00.000Z', actor: 'system:test', correlationId: id, causationId: id, schemaVersion: 1 },
};

/** The names of this process's OS threads, from procfs. */
function threadNames(): string[] {
  return readdirSync('/proc/self/task').map((tid) => readFileSync(join('/proc/self/task', tid, 'comm'), 'utf8').trim());
}

describe('nameThisThread', () => {
  it('refuses a name Linux would cut short', () => {
    expect(() => nameThisThread('a-name-of-16-byt')).toThrow('A thread name has at most 15 bytes: a-name-of-16-byt');
  });
});

(process.platform === 'linux' ? describe : describe.skip)('the event store writer thread', () => {
  it('is named, so that top -H and the ingest bench tell it from the other threads', async () => {
    const temp = makeTempDir('thread-name-');
    const store = SqliteEventStore.open({ file: join(temp.dir, 'events.db'), writerThread: true });
    try {
      // An answered append: the thread has run its first lines, the naming among them.
      await store.append('thread-name-1', [named], 'no_stream');
      expect(threadNames()).toContain('event-writer');
    } finally {
      await store.close();
      temp.cleanup();
    }
    expect(threadNames()).not.toContain('event-writer');
  });
});
