import type { ProcessManager } from '../../src/process-managers/process-manager';
import { ProcessManagerRunner, processManagerCheckpoint } from '../../src/process-managers/process-manager-runner';
import type { EventStore, RecordedEvent, StreamFilter } from '../../src/stores/events/event-store';
import type { ReadStore } from '../../src/stores/read/read-store';
import { silentLogger } from '../support/silent-logger';
import { makeTempDir } from '../support/temp-dir';
import { testEvent } from '../support/test-events';
import { openTestEventStore, openTestReadStore } from '../support/test-stores';
import { waitFor } from '../support/wait-for';

function taskFollower(applied: string[]): ProcessManager {
  return {
    name: 'task-follower',
    filter: { streamPrefixes: ['task-'] },
    apply(event: RecordedEvent, replaying: boolean) {
      applied.push(`${event.streamId}:${event.type}${replaying ? ' (replayed)' : ''}`);
    },
  };
}

function recorder(name: string, filter: StreamFilter | undefined, applied: string[]): ProcessManager {
  return {
    name,
    ...(filter ? { filter } : {}),
    apply(event: RecordedEvent, replaying: boolean) {
      applied.push(`${event.streamId}${replaying ? ' (replayed)' : ''}`);
    },
  };
}

/**
 * A manager whose streams are rarely written keeps its checkpoint up with the store's search, not only
 * with its own events: other processes that wait for it (the deletion saga waits for the scheduler's
 * checkpoint) see it pass events it does not follow. At a start the managers rebuild their state from one
 * read of the history shared by all: each still gets exactly the events it follows, in order, replayed up
 * to its own checkpoint and acted on past it.
 */
describe('process manager checkpoints', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let events: EventStore;
  let reads: ReadStore;
  const runners: ProcessManagerRunner[] = [];

  beforeEach(async () => {
    temp = makeTempDir();
    events = openTestEventStore(temp.dir);
    reads = await openTestReadStore(temp.dir);
  });
  afterEach(async () => {
    for (const runner of runners.splice(0)) await runner.stop();
    await events.close();
    await reads.close();
    temp.cleanup();
  });

  it('saves how far the store searched past events it does not follow; a restart replays its own events only as replays', async () => {
    const applied: string[] = [];
    const first = new ProcessManagerRunner([taskFollower(applied)], events, reads, silentLogger);
    runners.push(first);
    await first.start();
    await events.append('task-a', [testEvent('Created')], 'no_stream');
    await first.waitForPosition(await events.headPosition());
    for (let i = 0; i < 20; i++) await events.append(`project-p${i}`, [testEvent('Other')], 'no_stream');
    const head = await events.headPosition();
    await waitFor(async () => (await reads.getCheckpoint(processManagerCheckpoint('task-follower'))) === head);
    await first.stop();
    runners.splice(0);

    const second = new ProcessManagerRunner([taskFollower(applied)], events, reads, silentLogger);
    runners.push(second);
    await second.start();
    await events.append('task-b', [testEvent('Created')], 'no_stream');
    await second.waitForPosition(await events.headPosition());
    expect(applied).toEqual(['task-a:Created', 'task-a:Created (replayed)', 'task-b:Created']);
  });

  it('gives each manager its own events, replayed up to its checkpoint and acted on past it', async () => {
    const seen = { tasks: [] as string[], projects: [] as string[], all: [] as string[] };
    const managers = () => [
      recorder('tasks', { streamPrefixes: ['task-'] }, seen.tasks),
      recorder('projects', { streamPrefixes: ['project-'] }, seen.projects),
      recorder('all', undefined, seen.all),
    ];
    const first = new ProcessManagerRunner(managers(), events, reads, silentLogger);
    runners.push(first);
    await first.start();
    await events.append('task-a', [testEvent('Created')], 'no_stream');
    await events.append('project-p', [testEvent('Created')], 'no_stream');
    const projectsCheckpoint = (await events.headPosition())!;
    await events.append('task-b', [testEvent('Created')], 'no_stream');
    await events.append('user-u', [testEvent('Created')], 'no_stream');
    await events.append('project-q', [testEvent('Created')], 'no_stream');
    await first.waitForPosition(await events.headPosition());
    await runners.splice(0)[0]!.stop();
    // One manager saved its checkpoint earlier than the others (it stopped in the middle of its work).
    await reads.applyBatch([], { name: processManagerCheckpoint('projects'), position: projectsCheckpoint });
    for (const list of Object.values(seen)) list.length = 0;

    const second = new ProcessManagerRunner(managers(), events, reads, silentLogger);
    runners.push(second);
    await second.start();
    await events.append('task-c', [testEvent('Created')], 'no_stream');
    await second.waitForPosition(await events.headPosition());
    expect(seen.tasks).toEqual(['task-a (replayed)', 'task-b (replayed)', 'task-c']);
    expect(seen.projects).toEqual(['project-p (replayed)', 'project-q']);
    expect(seen.all).toEqual(['task-a (replayed)', 'project-p (replayed)', 'task-b (replayed)', 'user-u (replayed)', 'project-q (replayed)', 'task-c']);
  });
});
