import type { ProcessManager } from '../../src/process-managers/process-manager';
import { processManagerCheckpoint } from '../../src/process-managers/manager-loop';
import { ProcessManagerRunner } from '../../src/process-managers/process-manager-runner';
import type { RecordedEvent, StreamFilter } from '../../src/stores/events/event-store';
import { silentLogger } from '../support/silent-logger';
import { testEvent } from '../support/test-events';
import { storesEachTest } from '../support/test-stores';
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
  const stores = storesEachTest();
  const runner = (managers: ProcessManager[]) => stores.stopAfter(new ProcessManagerRunner(managers, stores.events, stores.reads, silentLogger));

  it('saves how far the store searched past events it does not follow; a restart replays its own events only as replays', async () => {
    const applied: string[] = [];
    const first = runner([taskFollower(applied)]);
    await first.start();
    await stores.events.append('task-a', [testEvent('Created')], 'no_stream');
    await first.waitForPosition(await stores.events.headPosition());
    for (let i = 0; i < 20; i++) await stores.events.append(`project-p${i}`, [testEvent('Other')], 'no_stream');
    const head = await stores.events.headPosition();
    await waitFor(async () => (await stores.reads.getCheckpoint(processManagerCheckpoint('task-follower'))) === head);
    await first.stop();
    stores.forget(first);

    const second = runner([taskFollower(applied)]);
    await second.start();
    await stores.events.append('task-b', [testEvent('Created')], 'no_stream');
    await second.waitForPosition(await stores.events.headPosition());
    expect(applied).toEqual(['task-a:Created', 'task-a:Created (replayed)', 'task-b:Created']);
  });

  it('gives each manager its own events, replayed up to its checkpoint and acted on past it', async () => {
    const seen = { tasks: [] as string[], projects: [] as string[], all: [] as string[] };
    const managers = () => [
      recorder('tasks', { streamPrefixes: ['task-'] }, seen.tasks),
      recorder('projects', { streamPrefixes: ['project-'] }, seen.projects),
      recorder('all', undefined, seen.all),
    ];
    const first = runner(managers());
    await first.start();
    await stores.events.append('task-a', [testEvent('Created')], 'no_stream');
    await stores.events.append('project-p', [testEvent('Created')], 'no_stream');
    const projectsCheckpoint = (await stores.events.headPosition())!;
    await stores.events.append('task-b', [testEvent('Created')], 'no_stream');
    await stores.events.append('user-u', [testEvent('Created')], 'no_stream');
    await stores.events.append('project-q', [testEvent('Created')], 'no_stream');
    await first.waitForPosition(await stores.events.headPosition());
    await first.stop();
    stores.forget(first);
    // One manager saved its checkpoint earlier than the others (it stopped in the middle of its work).
    await stores.reads.applyBatch([], { name: processManagerCheckpoint('projects'), position: projectsCheckpoint });
    for (const list of Object.values(seen)) list.length = 0;

    const second = runner(managers());
    await second.start();
    await stores.events.append('task-c', [testEvent('Created')], 'no_stream');
    await second.waitForPosition(await stores.events.headPosition());
    expect(seen.tasks).toEqual(['task-a (replayed)', 'task-b (replayed)', 'task-c']);
    expect(seen.projects).toEqual(['project-p (replayed)', 'project-q']);
    expect(seen.all).toEqual(['task-a (replayed)', 'project-p (replayed)', 'task-b (replayed)', 'user-u (replayed)', 'project-q (replayed)', 'task-c']);
  });
});
