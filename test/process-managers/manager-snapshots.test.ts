import { holdCommands } from '../../src/commands/loop-share';
import { loadSnapshot, MANAGER_SNAPSHOTS, ensureManagerSnapshots, snapshotWrites } from '../../src/process-managers/manager-snapshots';
import type { ProcessManager } from '../../src/process-managers/process-manager';
import { processManagerCheckpoint } from '../../src/process-managers/manager-loop';
import { ProcessManagerRunner } from '../../src/process-managers/process-manager-runner';
import type { RecordedEvent } from '../../src/stores/events/event-store';
import { silentLogger } from '../support/silent-logger';
import { waitFor } from '../support/wait-for';
import { testEvent } from '../support/test-events';
import { storesEachTest } from '../support/test-stores';

/** Counts the events of each task stream; notes every event it is handed. */
class TaskCounter implements ProcessManager {
  readonly name = 'task-counter';
  readonly filter = { streamPrefixes: ['task-'] };
  counts: Record<string, number> = {};
  readonly handed: string[] = [];
  restoredFrom: unknown = undefined;
  readonly snapshots;

  constructor(version = 1, failRestore = false) {
    this.snapshots = {
      version,
      take: () => ({ counts: this.counts }),
      restore: (state: unknown) => {
        this.restoredFrom = state;
        if (failRestore) throw new Error('this state is not mine');
        this.counts = { ...(state as { counts: Record<string, number> }).counts };
      },
    };
  }

  apply(event: RecordedEvent, replaying: boolean): void {
    this.counts[event.streamId] = (this.counts[event.streamId] ?? 0) + 1;
    this.handed.push(`${event.streamId}${replaying ? ' (replayed)' : ''}`);
  }
}

/**
 * A manager that saves its state begins the next start from it: it is handed only the events after
 * the state's position (replayed up to its checkpoint, acted on past it) and ends in the state a full
 * replay builds. A state it cannot use (another version, no checkpoint, a failed restore) is ignored.
 */
describe('process manager snapshots', () => {
  const stores = storesEachTest();

  async function runOnce(manager: TaskCounter | (() => TaskCounter[]), work: () => Promise<void> = async () => {}): Promise<void> {
    const runner = stores.stopAfter(new ProcessManagerRunner(typeof manager === 'function' ? manager : [manager], stores.events, stores.reads, silentLogger));
    await runner.start();
    await work();
    await runner.idle();
    await runner.stop();
    stores.forget(runner);
  }

  async function appendTo(...streams: string[]): Promise<void> {
    for (const stream of streams) await stores.events.append(stream, [testEvent('Happened')], 'any');
  }

  it('saves the state at stop; the next start restores it and is handed only the later events', async () => {
    const first = new TaskCounter();
    await runOnce(first, () => appendTo('task-a', 'task-b', 'task-a'));
    expect(first.counts).toEqual({ 'task-a': 2, 'task-b': 1 });
    const saved = await loadSnapshot(stores.reads, 'task-counter', 1);
    expect(saved).toEqual({ position: await stores.events.headPosition(), state: { counts: { 'task-a': 2, 'task-b': 1 } } });
    expect(await stores.reads.getCheckpoint(processManagerCheckpoint('task-counter'))).toBe(saved!.position);

    await appendTo('task-c');
    const second = new TaskCounter();
    await runOnce(second, () => appendTo('task-a'));
    expect(second.restoredFrom).toEqual({ counts: { 'task-a': 2, 'task-b': 1 } });
    expect(second.handed).toEqual(['task-c', 'task-a']);
    expect(second.counts).toEqual({ 'task-a': 3, 'task-b': 1, 'task-c': 1 });
  });

  it('reads its saved state only once the server answers (a large state takes a while)', async () => {
    await runOnce(new TaskCounter(), () => appendTo('task-a'));
    const counter = new TaskCounter();
    const runner = stores.stopAfter(new ProcessManagerRunner([counter], stores.events, stores.reads, silentLogger));
    let answer = () => {};
    runner.holdUntil(new Promise<void>((resolve) => (answer = resolve)));
    await runner.start();
    expect(counter.restoredFrom).toBeUndefined();
    answer();
    await runner.idle();
    expect(counter.restoredFrom).toEqual({ counts: { 'task-a': 1 } });
  });

  it('replays, as replays, the events between its state and its checkpoint', async () => {
    await runOnce(new TaskCounter(), () => appendTo('task-a'));
    const statePosition = (await loadSnapshot(stores.reads, 'task-counter', 1))!.position;
    // A later run that saved its checkpoint but not its state (a crash before the next snapshot was due).
    await appendTo('task-b', 'task-b');
    await stores.reads.applyBatch([], { name: processManagerCheckpoint('task-counter'), position: (await stores.events.headPosition())! });

    const next = new TaskCounter();
    await runOnce(next);
    expect(next.handed).toEqual(['task-b (replayed)', 'task-b (replayed)']);
    expect(next.counts).toEqual({ 'task-a': 1, 'task-b': 2 });
    expect((await loadSnapshot(stores.reads, 'task-counter', 1))!.position).toBeGreaterThan(statePosition);
  });

  it('shares the replay with other managers, each from its own state', async () => {
    await runOnce(new TaskCounter(), () => appendTo('task-a', 'project-p'));
    await appendTo('task-b', 'project-q');
    await stores.reads.applyBatch([], { name: processManagerCheckpoint('task-counter'), position: (await stores.events.headPosition())! });
    await stores.reads.applyBatch([], { name: processManagerCheckpoint('projects'), position: (await stores.events.headPosition())! });
    const counter = new TaskCounter();
    const projects: string[] = [];
    const follower: ProcessManager = { name: 'projects', filter: { streamPrefixes: ['project-'] }, apply: (event, replaying) => void projects.push(`${event.streamId}${replaying ? ' (replayed)' : ''}`) };
    const runner = stores.stopAfter(new ProcessManagerRunner([counter, follower], stores.events, stores.reads, silentLogger));
    await runner.start();
    await runner.idle();
    expect(counter.handed).toEqual(['task-b (replayed)']);
    expect(projects).toEqual(['project-p (replayed)', 'project-q (replayed)']);
  });

  it('saves the state when live once enough events and time have passed since the last save, not on going live', async () => {
    const policy = { events: 3, intervalMs: 0, afterTicksWithinMs: 0 };
    const counter = new TaskCounter();
    const saved = () => loadSnapshot(stores.reads, 'task-counter', 1);
    const checkpointAtHead = async () => {
      const head = await stores.events.headPosition();
      await waitFor(async () => (await stores.reads.getCheckpoint(processManagerCheckpoint('task-counter'))) === head);
    };
    await stores.events.append('task-a', Array.from({ length: 4 }, () => testEvent('Happened')), 'no_stream');
    await stores.reads.applyBatch([], { name: processManagerCheckpoint('task-counter'), position: (await stores.events.headPosition())! });
    const runner = stores.stopAfter(new ProcessManagerRunner([counter], stores.events, stores.reads, silentLogger, policy));
    await runner.start();
    await runner.idle();
    // Four events replayed, more than the policy's three: still nothing saved on going live.
    expect(await saved()).toBeNull();

    await appendTo('task-b', 'task-b');
    await waitFor(async () => (await saved())?.position === (await stores.events.headPosition()));
    expect((await saved())?.state).toEqual({ counts: { 'task-a': 4, 'task-b': 2 } });

    await appendTo('task-c', 'task-c');
    await checkpointAtHead();
    // Two events since the last save: the checkpoint moved on, the state did not.
    expect((await saved())?.state).toEqual({ counts: { 'task-a': 4, 'task-b': 2 } });
    await appendTo('task-c');
    await waitFor(async () => (await saved())?.position === (await stores.events.headPosition()));
    expect((await saved())?.state).toEqual({ counts: { 'task-a': 4, 'task-b': 2, 'task-c': 3 } });
  });

  it('takes a periodic state once the ticks being committed are, writes it once the next instant\'s are, and checkpoints meanwhile', async () => {
    const policy = { events: 1, intervalMs: 0, afterTicksWithinMs: 600_000 };
    const saved = () => loadSnapshot(stores.reads, 'task-counter', 1);
    const checkpoint = () => stores.reads.getCheckpoint(processManagerCheckpoint('task-counter'));
    const counter = new TaskCounter();
    let taken = 0;
    const take = counter.snapshots.take;
    counter.snapshots.take = () => (taken++, take());
    const runner = stores.stopAfter(new ProcessManagerRunner([counter], stores.events, stores.reads, silentLogger, policy));
    await runner.start();
    await runner.idle();
    // The scheduler holds commands from an instant's first tick fired to its last committed.
    const instant = holdCommands();
    await appendTo('task-a', 'task-a');
    const takenAt = await stores.events.headPosition();
    await waitFor(async () => (await checkpoint()) === takenAt);
    expect(await saved()).toBeNull();
    expect(taken).toBe(0);

    instant();
    await waitFor(async () => taken === 1);
    await appendTo('task-b');
    await runner.idle();
    expect(await saved()).toBeNull();
    const nextInstant = holdCommands();
    nextInstant();
    await waitFor(async () => (await saved()) !== null);
    expect(await saved()).toEqual({ position: takenAt, state: { counts: { 'task-a': 2 } } });
    const head = await stores.events.headPosition();
    expect(await checkpoint()).toBe(head);

    // A start from there restores the state and replays the event past it.
    const restarted = new TaskCounter();
    const second = stores.stopAfter(new ProcessManagerRunner([restarted], stores.events, stores.reads, silentLogger, policy));
    await second.start();
    await second.idle();
    expect(restarted.restoredFrom).toEqual({ counts: { 'task-a': 2 } });
    expect(restarted.handed).toEqual(['task-b (replayed)']);
    expect(restarted.counts).toEqual({ 'task-a': 2, 'task-b': 1 });
  });

  it('ignores a state of another version, or one without a checkpoint, and replays the history', async () => {
    await runOnce(new TaskCounter(1), () => appendTo('task-a', 'task-b'));
    const upgraded = new TaskCounter(2);
    await runOnce(upgraded);
    expect(upgraded.restoredFrom).toBeUndefined();
    expect(upgraded.handed).toEqual(['task-a (replayed)', 'task-b (replayed)']);

    await stores.reads.deleteCheckpoint(processManagerCheckpoint('task-counter'));
    const reset = new TaskCounter(2);
    await runOnce(reset);
    expect(reset.restoredFrom).toBeUndefined();
    expect(reset.handed).toEqual(['task-a', 'task-b']);
  });

  it('builds the managers anew and replays when a state cannot be restored', async () => {
    await runOnce(new TaskCounter(), () => appendTo('task-a', 'task-b'));
    const built: TaskCounter[] = [];
    await runOnce(() => {
      built.push(new TaskCounter(1, built.length === 0));
      return [built[built.length - 1]!];
    });
    expect(built).toHaveLength(2);
    expect(built[0]!.restoredFrom).toBeDefined();
    expect(built[1]!.restoredFrom).toBeUndefined();
    expect(built[1]!.handed).toEqual(['task-a (replayed)', 'task-b (replayed)']);
  });

  it('stores a large state in parts; a save cut short before its head leaves the saved state as it was', async () => {
    await ensureManagerSnapshots(stores.reads);
    const checkpoint = (position: number) => ({ name: processManagerCheckpoint('big'), position });
    const save = async (position: number, state: unknown): Promise<number> => {
      const { parts, head } = snapshotWrites('big', 7, position, JSON.stringify(state));
      for (const part of parts) await stores.reads.applyBatch([part], checkpoint(position));
      await stores.reads.applyBatch(head, checkpoint(position));
      return parts.length;
    };
    const state = { lines: Array.from({ length: 3 }, (_, i) => `${i}`.repeat(3_000_000)) };
    expect(await save(40, state)).toBeGreaterThan(2);
    expect(await loadSnapshot(stores.reads, 'big', 7)).toEqual({ position: 40, state });
    expect(await loadSnapshot(stores.reads, 'big', 8)).toBeNull();

    // A newer save that wrote its first part and no more (a crash, or a batch applied in part on MongoDB).
    const { parts } = snapshotWrites('big', 7, 50, JSON.stringify({ lines: ['x'.repeat(5_000_000)] }));
    await stores.reads.applyBatch([parts[0]!], checkpoint(50));
    expect(await loadSnapshot(stores.reads, 'big', 7)).toEqual({ position: 40, state });

    // The next save removes the parts of both: its head and its one part are left.
    await save(60, { small: true });
    expect(await loadSnapshot(stores.reads, 'big', 7)).toEqual({ position: 60, state: { small: true } });
    expect(await stores.reads.count(MANAGER_SNAPSHOTS)).toBe(2);
  });

  it('loads a state saved before its parts were named by its position', async () => {
    await ensureManagerSnapshots(stores.reads);
    const doc = (id: string, fields: Record<string, unknown>) => ({ op: 'upsert' as const, collection: MANAGER_SNAPSHOTS, id, doc: { id, manager: 'old', position: 9, ...fields }, position: 9 });
    await stores.reads.applyBatch([doc('old/0', { text: '{"a":' }), doc('old/1', { text: '1}' }), doc('old', { version: 3, parts: 2 })], { name: processManagerCheckpoint('old'), position: 9 });
    expect(await loadSnapshot(stores.reads, 'old', 3)).toEqual({ position: 9, state: { a: 1 } });
  });
});
