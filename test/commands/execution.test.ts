import type { ReportExecutionStatus } from '../../src/commands/execution/execution-commands';
import { executionDecider } from '../../src/commands/execution/execution-decider';
import { reportOutcome } from '../../src/commands/execution/report-outcome';
import { ConflictError, ForbiddenError, NotFoundError } from '../../src/errors/app-error';
import { type ExecutionEvent, type ExecutionRef, MISSED_SCHEDULER_OFFLINE, type ReportedStatus } from '../../src/events/execution-events';
import { given } from '../support/given-when-then';

const ref: ExecutionRef = { executionId: 'e1', taskId: 't1', projectId: 'p1' };
const t0 = '2025-03-01T02:00:00.000Z'; // created
const t5 = '2025-03-01T02:00:05.000Z'; // run started
const t9 = '2025-03-01T02:00:09.000Z'; // reports, deadlines
const t10 = '2025-03-01T02:00:10.000Z';

const created: ExecutionEvent = {
  type: 'ExecutionCreated',
  data: {
    ...ref,
    taskName: 'nightly-report',
    scheduledAt: t0,
    triggerType: 'SCHEDULED',
    attempt: 1,
    executionMode: 'push',
    timeoutSeconds: 300,
    startDeadlineSeconds: 60,
    createdAt: t0,
  },
};
const started: ExecutionEvent = { type: 'ExecutionStarted', data: { ...ref, at: t5, claimedBy: null } };
const succeeded: ExecutionEvent = {
  type: 'ExecutionSucceeded',
  data: { ...ref, at: t9, exitCode: null, durationMs: 9000, metrics: null },
};
const failed: ExecutionEvent = {
  type: 'ExecutionFailed',
  data: { ...ref, at: t9, exitCode: null, durationMs: 9000, metrics: null, error: 'disk full' },
};
const cancelled: ExecutionEvent = { type: 'ExecutionCancelled', data: { ...ref, at: t9, by: 'u1' } };
const timedOut: ExecutionEvent = { type: 'ExecutionTimedOut', data: { ...ref, at: t9, timeoutSeconds: 300 } };
const missed: ExecutionEvent = { type: 'ExecutionMissed', data: { ...ref, at: t9, cause: 'start_deadline', startDeadlineSeconds: 60, detail: null } };

const pending = [created];
const running = [created, started];
const histories = {
  PENDING: pending,
  RUNNING: running,
  SUCCESS: [created, succeeded],
  FAILED: [created, failed],
  CANCELLED: [created, cancelled],
  TIMED_OUT: [created, timedOut],
  MISSED: [created, missed],
};

function report(status: ReportedStatus, extra: Partial<ReportExecutionStatus> = {}): ReportExecutionStatus {
  return { type: 'ReportExecutionStatus', projectId: 'p1', status, route: 'compat', at: t10, ...extra };
}

describe('CreateExecution', () => {
  const create = {
    type: 'CreateExecution' as const,
    ...ref,
    taskName: 'nightly-report',
    scheduledAt: t0,
    triggerType: 'SCHEDULED' as const,
    attempt: 1,
    executionMode: 'push' as const,
    timeoutSeconds: 300,
    startDeadlineSeconds: 60,
    at: t0,
  };

  test('creates a PENDING execution carrying what the dispatcher and deadlines need', () => {
    const state = given(executionDecider).when(create).then([created]);
    expect(state?.status).toBe('PENDING');
  });

  test('a tick missed while the scheduler was down is created MISSED in the same append', () => {
    const state = given(executionDecider)
      .when({ ...create, missed: MISSED_SCHEDULER_OFFLINE })
      .then([created, { type: 'ExecutionMissed', data: { ...ref, at: t0, cause: 'scheduler_offline', startDeadlineSeconds: null, detail: null } }]);
    expect(state?.status).toBe('MISSED');
  });

  test('an existing execution cannot be created again (a tick never makes two)', () => {
    given(executionDecider, pending).when(create).thenThrows(ConflictError, /already exists/);
  });
});

describe('status reports: allowed transitions', () => {
  test('PENDING → RUNNING', () => {
    given(executionDecider, pending).when(report('RUNNING', { at: t5 })).then([started]);
  });

  test('PENDING → SUCCESS: an executor of the original never sends RUNNING; duration runs from creation', () => {
    const state = given(executionDecider, pending)
      .when(report('SUCCESS', { at: t9 }))
      .then([{ type: 'ExecutionSucceeded', data: { ...ref, at: t9, exitCode: null, durationMs: 9000, metrics: null } }]);
    expect(state).toMatchObject({ status: 'SUCCESS', endedAt: t9 });
  });

  test('PENDING → FAILED keeps the error and exit code', () => {
    given(executionDecider, pending)
      .when(report('FAILED', { at: t9, error: 'disk full', exitCode: 2 }))
      .then([{ type: 'ExecutionFailed', data: { ...ref, at: t9, exitCode: 2, durationMs: 9000, metrics: null, error: 'disk full' } }]);
  });

  test('RUNNING → SUCCESS: duration runs from the run start', () => {
    given(executionDecider, running)
      .when(report('SUCCESS', { at: t9 }))
      .then([{ type: 'ExecutionSucceeded', data: { ...ref, at: t9, exitCode: null, durationMs: 4000, metrics: null } }]);
  });

  test('RUNNING → FAILED without an error text', () => {
    given(executionDecider, running)
      .when(report('FAILED', { at: t9 }))
      .then([{ type: 'ExecutionFailed', data: { ...ref, at: t9, exitCode: null, durationMs: 4000, metrics: null, error: null } }]);
  });

  test("the executor's own duration, exit code and metrics win over the measured duration", () => {
    given(executionDecider, running)
      .when(report('SUCCESS', { at: t9, durationMs: 3210, exitCode: 0, metrics: { rows: 42 }, route: 'v1' }))
      .then([{ type: 'ExecutionSucceeded', data: { ...ref, at: t9, exitCode: 0, durationMs: 3210, metrics: { rows: 42 } } }]);
  });

  test('a measured duration is never negative', () => {
    given(executionDecider, pending)
      .when(report('SUCCESS', { at: '2025-03-01T01:59:59.000Z' }))
      .then([{ type: 'ExecutionSucceeded', data: { ...ref, at: '2025-03-01T01:59:59.000Z', exitCode: null, durationMs: 0, metrics: null } }]);
  });
});

describe('status reports: a repeat of the current status changes nothing', () => {
  test.each(['PENDING', 'RUNNING', 'SUCCESS', 'FAILED'] as const)('%s reported again is a no-op, on both routes', (status) => {
    given(executionDecider, histories[status]).when(report(status)).thenNothing();
    given(executionDecider, histories[status]).when(report(status, { route: 'v1' })).thenNothing();
  });

  test('FAILED twice (the original executor does this): the second is a no-op and the first error is kept', () => {
    const { state } = given(executionDecider, [created, failed]);
    given(executionDecider, [created, failed]).when(report('FAILED', { error: 'another error', exitCode: 9 })).thenNothing();
    expect(state?.error).toBe('disk full');
    expect(reportOutcome({ state, events: [] })).toEqual({ kind: 'unchanged', status: 'FAILED' });
  });
});

describe('status reports: forbidden transitions (409)', () => {
  const contradictions: [keyof typeof histories, ReportedStatus][] = [
    ['SUCCESS', 'FAILED'],
    ['FAILED', 'SUCCESS'],
    ['SUCCESS', 'RUNNING'],
    ['FAILED', 'RUNNING'],
    ['SUCCESS', 'PENDING'],
    ['FAILED', 'PENDING'],
  ];

  test.each(contradictions)("%s then %s contradicts the executor's own report, on both routes", (current, reported) => {
    for (const route of ['compat', 'v1'] as const) {
      const error = given(executionDecider, histories[current])
        .when(report(reported, { route }))
        .thenThrows(ConflictError, new RegExp(`already ended with ${current}; a ${reported} report contradicts it`));
      expect(error.details).toEqual([`status: ${current}`]);
    }
  });

  test('PENDING reported while RUNNING is 409', () => {
    given(executionDecider, running).when(report('PENDING')).thenThrows(ConflictError, /RUNNING; it cannot go back to PENDING/);
  });
});

describe('status reports after the system ended the execution', () => {
  const systemEnds = ['TIMED_OUT', 'MISSED', 'CANCELLED'] as const;
  const reports = ['PENDING', 'RUNNING', 'SUCCESS', 'FAILED'] as const;

  test.each(systemEnds)('after %s, every report is recorded as a late report on the compat route', (current) => {
    for (const reported of reports) {
      const error = reported === 'FAILED' ? 'boom' : null;
      const lateReport: ExecutionEvent = {
        type: 'ExecutionLateReportReceived',
        data: { ...ref, at: t10, reportedStatus: reported, error, currentStatus: current },
      };
      const history = histories[current];
      const state = given(executionDecider, history)
        .when(report(reported, error ? { error } : {}))
        .then([lateReport]);
      expect(state).toMatchObject({ status: current, endedAt: t9 });
      expect(reportOutcome({ state, events: [lateReport] })).toEqual({ kind: 'late', status: current });
    }
  });

  test.each(systemEnds)('after %s, a report on the v1 route is 409 naming the outcome', (current) => {
    for (const reported of reports) {
      const error = given(executionDecider, histories[current])
        .when(report(reported, { route: 'v1' }))
        .thenThrows(ConflictError, new RegExp(`already ended by the system as ${current} at ${t9}; the ${reported} report was not applied`));
      expect(error.details).toEqual([`status: ${current}`]);
    }
  });

  test('a report after a timeout: late-report event on compat, 409 on v1', () => {
    given(executionDecider, [...running, timedOut])
      .when(report('SUCCESS'))
      .then([{ type: 'ExecutionLateReportReceived', data: { ...ref, at: t10, reportedStatus: 'SUCCESS', error: null, currentStatus: 'TIMED_OUT' } }]);
    given(executionDecider, [...running, timedOut]).when(report('SUCCESS', { route: 'v1' })).thenThrows(ConflictError, /TIMED_OUT/);
  });

  test('every late report is kept, a repeated one too (each report is an audit fact)', () => {
    const late: ExecutionEvent = {
      type: 'ExecutionLateReportReceived',
      data: { ...ref, at: t10, reportedStatus: 'FAILED', error: 'x', currentStatus: 'TIMED_OUT' },
    };
    given(executionDecider, [created, timedOut, late]).when(report('FAILED', { error: 'x' })).then([late]);
  });
});

describe('status reports: who may report', () => {
  test("another project's key is refused (403)", () => {
    given(executionDecider, pending)
      .when(report('SUCCESS', { projectId: 'p2' }))
      .thenThrows(ForbiddenError, /belongs to another project/);
  });

  test('an unknown execution is 404', () => {
    given(executionDecider).when(report('SUCCESS')).thenThrows(NotFoundError, /does not exist/);
  });
});

describe('ClaimExecution', () => {
  const claim = { type: 'ClaimExecution' as const, projectId: 'p1', claimedBy: 'worker-a', at: t5 };
  const claimed: ExecutionEvent = { type: 'ExecutionStarted', data: { ...ref, at: t5, claimedBy: 'worker-a' } };

  test('a pending execution is claimed (PENDING → RUNNING)', () => {
    const state = given(executionDecider, pending).when(claim).then([claimed]);
    expect(state).toMatchObject({ status: 'RUNNING', runStartedAt: t5, claimedBy: 'worker-a' });
  });

  test('the same claimer repeating its claim gets it again without a new event', () => {
    given(executionDecider, [created, claimed]).when(claim).thenNothing();
  });

  test('a claim is exclusive: another claimer gets 409', () => {
    given(executionDecider, [created, claimed])
      .when({ ...claim, claimedBy: 'worker-b' })
      .thenThrows(ConflictError, /is RUNNING; only a PENDING execution can be claimed/);
  });

  test('an ended execution cannot be claimed', () => {
    for (const history of [histories.SUCCESS, histories.CANCELLED, histories.MISSED]) {
      given(executionDecider, history).when(claim).thenThrows(ConflictError, /only a PENDING execution/);
    }
  });

  test("another project's key cannot claim (403)", () => {
    given(executionDecider, pending).when({ ...claim, projectId: 'p2' }).thenThrows(ForbiddenError);
  });
});

describe('CancelExecution', () => {
  const cancel = { type: 'CancelExecution' as const, by: 'u1', at: t9 };

  test('cancels a PENDING or RUNNING execution', () => {
    given(executionDecider, pending).when(cancel).then([cancelled]);
    given(executionDecider, running).when(cancel).then([cancelled]);
  });

  test('cancelling again is a no-op', () => {
    given(executionDecider, histories.CANCELLED).when(cancel).thenNothing();
  });

  test.each(['SUCCESS', 'FAILED', 'TIMED_OUT', 'MISSED'] as const)('an execution that ended with %s cannot be cancelled (409)', (status) => {
    given(executionDecider, histories[status]).when(cancel).thenThrows(ConflictError, new RegExp(`already ended with ${status}; there is nothing to cancel`));
  });

  test('cancel, then the executor reports: recorded as late on compat, 409 on v1', () => {
    given(executionDecider, [...running, cancelled])
      .when(report('SUCCESS'))
      .then([{ type: 'ExecutionLateReportReceived', data: { ...ref, at: t10, reportedStatus: 'SUCCESS', error: null, currentStatus: 'CANCELLED' } }]);
    given(executionDecider, [...running, cancelled]).when(report('SUCCESS', { route: 'v1' })).thenThrows(ConflictError, /CANCELLED/);
  });

  test('an unknown execution is 404', () => {
    given(executionDecider).when(cancel).thenThrows(NotFoundError);
  });
});

describe('TimeOutExecution (deadline)', () => {
  const timeOut = { type: 'TimeOutExecution' as const, timeoutSeconds: 300, at: t9 };

  test('times out a PENDING or RUNNING execution', () => {
    given(executionDecider, pending).when(timeOut).then([timedOut]);
    const state = given(executionDecider, running).when(timeOut).then([timedOut]);
    expect(state).toMatchObject({ status: 'TIMED_OUT', endedAt: t9 });
  });

  test.each(['SUCCESS', 'FAILED', 'CANCELLED', 'TIMED_OUT', 'MISSED'] as const)(
    'a deadline after the execution ended with %s is a no-op',
    (status) => {
      given(executionDecider, histories[status]).when(timeOut).thenNothing();
    },
  );
});

describe('MarkExecutionMissed (start deadline)', () => {
  const markMissed = { type: 'MarkExecutionMissed' as const, startDeadlineSeconds: 60, at: t9 };

  test('a PENDING execution is missed', () => {
    given(executionDecider, pending).when(markMissed).then([missed]);
  });

  test('a RUNNING execution has started: the start deadline is a no-op', () => {
    given(executionDecider, running).when(markMissed).thenNothing();
  });

  test.each(['SUCCESS', 'FAILED', 'CANCELLED', 'TIMED_OUT', 'MISSED'] as const)('a start deadline after %s is a no-op', (status) => {
    given(executionDecider, histories[status]).when(markMissed).thenNothing();
  });
});

describe('a report racing a deadline resolves to exactly one outcome', () => {
  // Both commands are decided on the same PENDING state; the store accepts the first append and the
  // loser is decided again on the winner's state (handleCommand's retry).
  test('the report wins: the deadline, retried, changes nothing', () => {
    const reportEvents = executionDecider.decide(report('SUCCESS', { at: t9 }), given(executionDecider, pending).state);
    given(executionDecider, [...pending, ...reportEvents]).when({ type: 'TimeOutExecution', timeoutSeconds: 300, at: t9 }).thenNothing();
  });

  test('the deadline wins: the report, retried, becomes a late report (compat) or 409 (v1)', () => {
    const history = [...pending, timedOut];
    given(executionDecider, history)
      .when(report('SUCCESS'))
      .then([{ type: 'ExecutionLateReportReceived', data: { ...ref, at: t10, reportedStatus: 'SUCCESS', error: null, currentStatus: 'TIMED_OUT' } }]);
    given(executionDecider, history).when(report('SUCCESS', { route: 'v1' })).thenThrows(ConflictError);
  });
});

describe('reportOutcome (what the HTTP layer answers)', () => {
  test('applied, unchanged or late, with the status to answer', () => {
    const succeededState = given(executionDecider, histories.SUCCESS).state;
    expect(reportOutcome({ state: succeededState, events: [succeeded] })).toEqual({ kind: 'applied', status: 'SUCCESS' });
    expect(reportOutcome({ state: succeededState, events: [] })).toEqual({ kind: 'unchanged', status: 'SUCCESS' });
    expect(() => reportOutcome({ state: null, events: [] })).toThrow();
  });
});
