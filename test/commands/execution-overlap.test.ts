import type { CreateExecution, ReportExecutionStatus } from '../../src/commands/execution/execution-commands';
import { executionDecider } from '../../src/commands/execution/execution-decider';
import { ConflictError } from '../../src/errors/app-error';
import { type ExecutionEvent, type ExecutionRef, overlapReason } from '../../src/events/execution-events';
import { decideTick, type OverlapLimits } from '../../src/process-managers/scheduler/overlap-gate';
import { given } from '../support/given-when-then';

const ref: ExecutionRef = { executionId: 'e2', taskId: 't1', projectId: 'p1' };
const t0 = '2026-03-01T02:00:00.000Z';
const t9 = '2026-03-01T02:00:09.000Z';

const create: CreateExecution = {
  type: 'CreateExecution',
  ...ref,
  taskName: 'nightly',
  scheduledAt: t0,
  triggerType: 'SCHEDULED',
  attempt: 1,
  executionMode: 'pull',
  timeoutSeconds: null,
  startDeadlineSeconds: 60,
  at: t0,
};
const created: ExecutionEvent = {
  type: 'ExecutionCreated',
  data: {
    ...ref,
    taskName: 'nightly',
    scheduledAt: t0,
    triggerType: 'SCHEDULED',
    attempt: 1,
    executionMode: 'pull',
    timeoutSeconds: null,
    startDeadlineSeconds: 60,
    createdAt: t0,
  },
};
const blocking = { cause: 'previous_run_open' as const, blockingExecutionId: 'e1', limit: null };
const queued: ExecutionEvent = { type: 'ExecutionQueued', data: { ...ref, at: t0, ...blocking } };
const released: ExecutionEvent = { type: 'ExecutionReleased', data: { ...ref, at: t9, after: 'e1' } };

function report(status: ReportExecutionStatus['status'], route: 'compat' | 'v1' = 'v1'): ReportExecutionStatus {
  return { type: 'ReportExecutionStatus', projectId: 'p1', status, route, at: t9 };
}

describe('CreateExecution with an overlap verdict', () => {
  it('a skipped tick is created SKIPPED in the same decision, with its reason', () => {
    const state = given(executionDecider, [])
      .when({ ...create, overlap: { action: 'skip', ...blocking } })
      .then([created, { type: 'ExecutionSkipped', data: { ...ref, at: t0, ...blocking } }]);
    expect(state?.status).toBe('SKIPPED');
    expect(overlapReason(blocking)).toBe('previous run still running (execution e1)');
  });

  it('a queued tick is created QUEUED', () => {
    const state = given(executionDecider, []).when({ ...create, overlap: { action: 'queue', ...blocking } }).then([created, queued]);
    expect(state?.status).toBe('QUEUED');
  });
});

describe('ReleaseExecution', () => {
  it('starts a QUEUED execution: it becomes PENDING', () => {
    const state = given(executionDecider, [created, queued]).when({ type: 'ReleaseExecution', after: 'e1', at: t9 }).then([released]);
    expect(state?.status).toBe('PENDING');
  });

  it('changes nothing once released, or for an execution that never waited (a release issued twice starts it once)', () => {
    given(executionDecider, [created, queued, released]).when({ type: 'ReleaseExecution', after: null, at: t9 }).thenNothing();
    given(executionDecider, [created]).when({ type: 'ReleaseExecution', after: null, at: t9 }).thenNothing();
  });

  it('changes nothing for a QUEUED execution cancelled meanwhile', () => {
    const cancelled: ExecutionEvent = { type: 'ExecutionCancelled', data: { ...ref, at: t9, by: 'u1' } };
    given(executionDecider, [created, queued, cancelled]).when({ type: 'ReleaseExecution', after: null, at: t9 }).thenNothing();
  });
});

describe('a QUEUED execution before its release', () => {
  const history = [created, queued];
  it('cannot be reported on or claimed (409), nor missed or timed out', () => {
    given(executionDecider, history).when(report('RUNNING')).thenThrows(ConflictError, /QUEUED/);
    given(executionDecider, history).when(report('SUCCESS', 'compat')).thenThrows(ConflictError, /QUEUED/);
    given(executionDecider, history).when({ type: 'ClaimExecution', projectId: 'p1', claimedBy: 'w', at: t9 }).thenThrows(ConflictError, /QUEUED/);
    given(executionDecider, history).when({ type: 'MarkExecutionMissed', startDeadlineSeconds: 60, at: t9 }).thenNothing();
    given(executionDecider, history).when({ type: 'TimeOutExecution', timeoutSeconds: 60, at: t9 }).thenNothing();
  });

  it('can be cancelled', () => {
    given(executionDecider, history)
      .when({ type: 'CancelExecution', by: 'u1', at: t9 })
      .then([{ type: 'ExecutionCancelled', data: { ...ref, at: t9, by: 'u1' } }]);
  });
});

describe('a run replaced by a newer one', () => {
  const started: ExecutionEvent = { type: 'ExecutionStarted', data: { ...ref, at: t0, claimedBy: null } };
  const replaced: ExecutionEvent = {
    type: 'ExecutionCancelled',
    data: { ...ref, at: t9, by: 'system:scheduler', reason: 'replaced by e3', replacedBy: 'e3' },
  };

  it('is CANCELLED by the scheduler with the reason naming the new run', () => {
    given(executionDecider, [created, started]).when({ type: 'CancelExecution', by: 'system:scheduler', replacedBy: 'e3', at: t9 }).then([replaced]);
  });

  it('answers a later report on v1 with 409, and records it as late on compat', () => {
    given(executionDecider, [created, started, replaced]).when(report('SUCCESS')).thenThrows(ConflictError, /CANCELLED/);
    given(executionDecider, [created, started, replaced])
      .when(report('SUCCESS', 'compat'))
      .then([{ type: 'ExecutionLateReportReceived', data: { ...ref, at: t9, reportedStatus: 'SUCCESS', error: null, currentStatus: 'CANCELLED' } }]);
  });
});

describe('decideTick (the rules of the overlap policies)', () => {
  const limits = (over: Partial<OverlapLimits> = {}): OverlapLimits => ({
    policy: { mode: 'allow' },
    taskMaxConcurrent: null,
    groupMaxConcurrent: null,
    groupOpen: 0,
    ...over,
  });

  it('allow runs alongside open runs, up to max_concurrent', () => {
    expect(decideTick(['a', 'b'], 0, limits())).toEqual({ kind: 'run', replaces: [] });
    expect(decideTick(['a', 'b'], 0, limits({ taskMaxConcurrent: 2 }))).toEqual({
      kind: 'hold',
      verdict: { action: 'skip', cause: 'task_max_concurrent', blockingExecutionId: 'a', limit: 2 },
    });
  });

  it('forbid skips while a run is open, naming the oldest', () => {
    expect(decideTick(['a', 'b'], 0, limits({ policy: { mode: 'forbid' } }))).toEqual({
      kind: 'hold',
      verdict: { action: 'skip', cause: 'previous_run_open', blockingExecutionId: 'a', limit: null },
    });
    expect(decideTick([], 0, limits({ policy: { mode: 'forbid' } }))).toEqual({ kind: 'run', replaces: [] });
  });

  it('replace runs and replaces every open run, unless the group is full without them', () => {
    const replace = { mode: 'replace' as const };
    expect(decideTick(['a'], 0, limits({ policy: replace, groupMaxConcurrent: 2, groupOpen: 2 }))).toEqual({ kind: 'run', replaces: ['a'] });
    expect(decideTick(['a'], 0, limits({ policy: replace, groupMaxConcurrent: 1, groupOpen: 2 }))).toEqual({
      kind: 'hold',
      verdict: { action: 'skip', cause: 'group_max_concurrent', blockingExecutionId: null, limit: 1 },
    });
  });

  it('queue waits behind open or waiting runs, and skips once max_queued wait', () => {
    const queue = { mode: 'queue' as const, maxQueued: 2 };
    expect(decideTick(['a'], 1, limits({ policy: queue }))).toEqual({
      kind: 'hold',
      verdict: { action: 'queue', cause: 'previous_run_open', blockingExecutionId: 'a', limit: null },
    });
    expect(decideTick([], 1, limits({ policy: queue }))).toMatchObject({ kind: 'hold', verdict: { action: 'queue' } });
    expect(decideTick(['a'], 2, limits({ policy: queue }))).toEqual({
      kind: 'hold',
      verdict: { action: 'skip', cause: 'queue_full', blockingExecutionId: 'a', limit: 2 },
    });
  });

  it("a full group queues the tick under queue, and skips it otherwise", () => {
    const full = { groupMaxConcurrent: 3, groupOpen: 3 };
    expect(decideTick([], 0, limits({ ...full, policy: { mode: 'queue', maxQueued: 1 } }))).toMatchObject({
      kind: 'hold',
      verdict: { action: 'queue', cause: 'group_max_concurrent', limit: 3 },
    });
    expect(decideTick([], 0, limits(full))).toMatchObject({ kind: 'hold', verdict: { action: 'skip', cause: 'group_max_concurrent' } });
  });
});
