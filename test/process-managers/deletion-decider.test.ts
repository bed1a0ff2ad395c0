import type { DeletionCommand, RetryPolicy } from '../../src/commands/deletion/deletion-commands';
import { deletionDecider, retryDelayMs } from '../../src/commands/deletion/deletion-decider';
import { nextDeletionStep } from '../../src/commands/deletion/deletion-state';
import { ConflictError, NotFoundError } from '../../src/errors/app-error';
import type { DeletionEvent, DeletionStep } from '../../src/events/deletion-events';
import { given } from '../support/given-when-then';

const taskId = 'task-1';
const projectId = 'project-1';
const at = '2026-03-01T10:00:00.000Z';
const policy: RetryPolicy = { maxFailures: 3, baseDelayMs: 1000, maxDelayMs: 4000 };

const started = (attempt = 1, requestPosition = '10'): DeletionEvent => ({
  type: 'TaskDeletionStarted',
  data: { taskId, projectId, taskName: 'nightly', requestedBy: 'user-1', requestedAt: at, requestPosition, attempt, at },
});
const completed = (step: DeletionStep): DeletionEvent => ({ type: 'DeletionStepCompleted', data: { taskId, projectId, step, at, detail: {} } });
const failed = (step: DeletionStep, failures: number, retryAt: string | null): DeletionEvent => ({
  type: 'DeletionStepFailed',
  data: { taskId, projectId, step, reason: 'store down', failures, retryAt, at },
});
const start = (requestPosition = '10'): DeletionCommand => ({
  type: 'StartTaskDeletion',
  taskId,
  projectId,
  taskName: 'nightly',
  requestedBy: 'user-1',
  requestedAt: at,
  requestPosition,
  at,
});
const fail = (step: DeletionStep): DeletionCommand => ({ type: 'RecordDeletionStepFailure', step, reason: 'store down', policy, at });

describe('deletion saga decider', () => {
  it('starts on the first request, and ignores the same request replayed', () => {
    const state = given(deletionDecider).when(start()).then([started()]);
    expect(state && nextDeletionStep(state)).toBe('unschedule');
    given(deletionDecider, [started()]).when(start()).thenNothing();
  });

  it('acknowledges the steps strictly in order, each once', () => {
    given(deletionDecider, [started()]).when({ type: 'CompleteDeletionStep', step: 'unschedule', at }).then([completed('unschedule')]);
    given(deletionDecider, [started(), completed('unschedule')]).when({ type: 'CompleteDeletionStep', step: 'unschedule', at }).thenNothing();
    given(deletionDecider, [started()]).when({ type: 'CompleteDeletionStep', step: 'tombstone', at }).thenThrows(ConflictError, /at step unschedule/);
  });

  it('records purge chunks and the task purge only at the purge step', () => {
    const history = [started(), completed('unschedule')];
    const state = given(deletionDecider, history)
      .when({ type: 'RecordExecutionsPurged', executionIds: ['e1', 'e2'], taskIds: [taskId], at })
      .then([{ type: 'ExecutionsPurged', data: { projectId, taskId, executionIds: ['e1', 'e2'], taskIds: [taskId], reason: 'task-deleted', at } }]);
    expect(state?.executionsPurged).toBe(2);
    given(deletionDecider, history).when({ type: 'RequestTaskPurge', at }).then([{ type: 'TaskPurgeRequested', data: { taskId, projectId, at } }]);
    given(deletionDecider, [started()]).when({ type: 'RequestTaskPurge', at }).thenThrows(ConflictError);
  });

  it('retries a failing step with exponential back-off, then gives up (DELETE_FAILED)', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(policy, n))).toEqual([1000, 2000, 4000, 4000]);
    given(deletionDecider, [started()]).when(fail('unschedule')).then([failed('unschedule', 1, '2026-03-01T10:00:01.000Z')]);
    given(deletionDecider, [started(), failed('unschedule', 1, 'x')]).when(fail('unschedule')).then([failed('unschedule', 2, '2026-03-01T10:00:02.000Z')]);
    const state = given(deletionDecider, [started(), failed('unschedule', 1, 'x'), failed('unschedule', 2, 'y')])
      .when(fail('unschedule'))
      .then([
        failed('unschedule', 3, null),
        { type: 'TaskDeletionAbandoned', data: { taskId, projectId, step: 'unschedule', reason: 'store down', at } },
      ]);
    expect(state?.status).toBe('abandoned');
  });

  it('a success resets the failure count', () => {
    const state = given(deletionDecider, [started(), failed('unschedule', 1, 'x'), failed('unschedule', 2, 'y'), completed('unschedule')]).state;
    expect(state).toMatchObject({ failures: 0, retryAt: null, completed: ['unschedule'] });
    given(deletionDecider, [started(), failed('unschedule', 2, 'y'), completed('unschedule')]).when(fail('purge')).then([failed('purge', 1, '2026-03-01T10:00:01.000Z')]);
  });

  it('never gives up on mark-deleted (past TaskDeleted nobody could retry it)', () => {
    const history = [started(), completed('unschedule'), completed('purge'), completed('tombstone'), failed('mark-deleted', 7, 'x')];
    given(deletionDecider, history).when(fail('mark-deleted')).then([failed('mark-deleted', 8, '2026-03-01T10:00:04.000Z')]);
  });

  it('a newer request after DELETE_FAILED starts another attempt that resumes from the failed step; an old one does not', () => {
    const history = [started(), completed('unschedule'), failed('purge', 3, null), { type: 'TaskDeletionAbandoned', data: { taskId, projectId, step: 'purge', reason: 'x', at } } as DeletionEvent];
    given(deletionDecider, history).when(start('10')).thenNothing();
    const state = given(deletionDecider, history).when(start('42')).then([started(2, '42')]);
    expect(state).toMatchObject({ status: 'running', attempt: 2, failures: 0, completed: ['unschedule'] });
    expect(state && nextDeletionStep(state)).toBe('purge');
    // While running, another request joins the running saga.
    given(deletionDecider, [started()]).when(start('99')).thenNothing();
  });

  it('finishes only when every step is acknowledged, once', () => {
    const all = [started(), completed('unschedule'), completed('purge'), completed('tombstone'), completed('mark-deleted')];
    given(deletionDecider, all).when({ type: 'FinishTaskDeletion', at }).then([
      { type: 'TaskDeletionCompleted', data: { taskId, projectId, taskName: 'nightly', deletedBy: 'user-1', executionsPurged: 0, at } },
    ]);
    given(deletionDecider, all.slice(0, 4)).when({ type: 'FinishTaskDeletion', at }).thenThrows(ConflictError, /mark-deleted/);
    const done = [...all, { type: 'TaskDeletionCompleted', data: { taskId, projectId, taskName: 'nightly', deletedBy: 'user-1', executionsPurged: 0, at } } as DeletionEvent];
    given(deletionDecider, done).when({ type: 'FinishTaskDeletion', at }).thenNothing();
    given(deletionDecider, done).when(start('99')).thenNothing();
  });

  it('refuses steps of a saga that never started', () => {
    given(deletionDecider).when({ type: 'CompleteDeletionStep', step: 'unschedule', at }).thenThrows(NotFoundError);
  });
});
