import type { DurationAlerts } from '../../src/events/task-events';
import type { DurationBreach } from '../../src/commands/alerts/alert-commands';
import { DurationWatch, MIN_RUNS_FOR_P95, percentile95 } from '../../src/process-managers/alerts/duration-watch';
import { testEvent } from '../support/test-events';

const taskId = 't1';
const projectId = 'p1';
const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
const OFF: DurationAlerts = { maxRunSeconds: null, slowerThanP95Factor: null, p95WindowRuns: 20, maxStartDelaySeconds: null };

/** Feeds raw recorded events, as stored, and collects the breaches. */
class Feed {
  readonly watch = new DurationWatch();
  private position = 0;
  readonly breaches: DurationBreach[] = [];
  event(type: string, data: Record<string, unknown>): DurationBreach[] {
    const found = this.watch.apply({ ...testEvent(type, { taskId, projectId, ...data }), streamId: `x-${this.position}`, revision: 0, position: this.position++ });
    this.breaches.push(...found);
    return found;
  }
  task(alerts: Partial<DurationAlerts> | null, type = 'TaskCreated'): void {
    this.event(type, alerts === null ? {} : { durationAlerts: { ...OFF, ...alerts } });
  }
  /** A run scheduled at `scheduled`, started at `started`, that succeeds (or fails) after `ranSeconds`. */
  run(id: string, scheduled: number, started: number, ranSeconds: number | null, end = 'ExecutionSucceeded'): void {
    this.event('ExecutionCreated', { executionId: id, scheduledAt: at(scheduled) });
    this.event('ExecutionStarted', { executionId: id, at: at(started), claimedBy: null });
    if (ranSeconds !== null) this.event(end, { executionId: id, at: at(started + ranSeconds), durationMs: ranSeconds * 1000, exitCode: 0, metrics: null });
  }
}

describe('DurationWatch', () => {
  it('finds a start later than the limit after its scheduled time, and only that one', () => {
    const feed = new Feed();
    feed.task({ maxStartDelaySeconds: 60 });
    feed.run('e1', 0, 60, 5);
    feed.run('e2', 100, 161, 5);
    expect(feed.breaches).toEqual([
      expect.objectContaining({ kind: 'late_start', executionId: 'e2', status: 'RUNNING', measuredAt: at(161), detail: `started 1 min 1 s after its scheduled time (${at(100)}); the limit is 1 min` }),
    ]);
  });

  it('a run still RUNNING past its limit is an overrun from its deadline on; once ended, no longer', () => {
    const feed = new Feed();
    feed.task({ maxRunSeconds: 600 });
    feed.run('e1', 0, 0, null);
    const deadline = feed.watch.deadlineOf('e1');
    expect(deadline).toMatchObject({ taskId, executionId: 'e1', deadline: new Date(T0 + 600_000) });
    expect(feed.watch.deadlines().map((d) => d.executionId)).toEqual(['e1']);
    expect(feed.watch.overrun('e1', new Date(T0 + 599_000))).toBeNull();
    expect(feed.watch.overrun('e1', new Date(T0 + 665_000))).toMatchObject({ kind: 'long_running', status: 'RUNNING', detail: 'still running after 11 min 5 s; the limit is 10 min' });
    feed.event('ExecutionTimedOut', { executionId: 'e1', at: at(700), timeoutSeconds: 700 });
    expect(feed.watch.overrun('e1', new Date(T0 + 800_000))).toBeNull();
    expect(feed.watch.deadlines()).toEqual([]);
  });

  it('a run that ended past its limit is a long run at its end (the timer may not have seen it: a restart)', () => {
    const feed = new Feed();
    feed.task({ maxRunSeconds: 600 });
    feed.run('e1', 0, 0, 599);
    feed.run('e2', 1000, 1000, 601, 'ExecutionFailed');
    expect(feed.breaches).toEqual([expect.objectContaining({ kind: 'long_running', executionId: 'e2', status: 'FAILED', detail: 'ran 10 min 1 s; the limit is 10 min' })]);
  });

  it('slower than k × the p95 of the last N successful runs, from the fifth run on', () => {
    const feed = new Feed();
    feed.task({ slowerThanP95Factor: 2, p95WindowRuns: 5 });
    // Four runs of 10 s, then one of 100 s: too few runs to judge it.
    for (let i = 0; i < MIN_RUNS_FOR_P95 - 1; i++) feed.run(`a${i}`, i * 1000, i * 1000, 10);
    feed.run('a4', 4000, 4000, 100);
    expect(feed.breaches).toEqual([]);
    // The window (10, 10, 10, 10, 100) has p95 100: 150 s is not slow, 201 s is.
    feed.run('b1', 5000, 5000, 150);
    expect(feed.breaches).toEqual([]);
    // Window now (10, 10, 10, 100, 150): p95 150.
    feed.run('b2', 6000, 6000, 301, 'ExecutionFailed');
    expect(feed.breaches).toEqual([
      expect.objectContaining({ kind: 'slow', executionId: 'b2', status: 'FAILED', detail: 'ran 5 min 1 s, more than 2 × the p95 of its last 5 successful runs (2 min 30 s)' }),
    ]);
  });

  it('keeps at most N durations, and none for a task without a slow alert', () => {
    const feed = new Feed();
    feed.task({ slowerThanP95Factor: 3, p95WindowRuns: 5 });
    for (let i = 0; i < 20; i++) feed.run(`old${i}`, i * 100, i * 100, 1000);
    // Twenty runs of 1000 s, then five of 10 s push them all out: 31 s is now slow.
    for (let i = 0; i < 5; i++) feed.run(`new${i}`, 5000 + i * 100, 5000 + i * 100, 10);
    feed.run('x', 9000, 9000, 31);
    expect(feed.breaches.map((b) => b.executionId)).toEqual(['x']);

    feed.task(null, 'TaskUpdated');
    feed.run('y', 10_000, 10_100, 100_000);
    expect(feed.breaches.map((b) => b.executionId)).toEqual(['x']);
  });

  it('a deleted task is forgotten with its open runs', () => {
    const feed = new Feed();
    feed.task({ maxRunSeconds: 60 });
    feed.run('e1', 0, 0, null);
    feed.event('TaskDeleted', { deletedAt: at(10) });
    expect(feed.watch.deadlines()).toEqual([]);
  });

  it('percentile95 is the nearest rank', () => {
    expect(percentile95([5])).toBe(5);
    expect(percentile95(Array.from({ length: 20 }, (_, i) => i + 1))).toBe(19);
    expect(percentile95(Array.from({ length: 100 }, (_, i) => 100 - i))).toBe(95);
  });
});
