import {
  MISSED_SCHEDULER_OFFLINE,
  MISSED_STORE_UNAVAILABLE,
  type MissedReason,
  missedByStartDeadline,
  missedReason,
} from '../../src/events/execution-events';
import { givenStored } from '../support/given-stored';

const ref = { executionId: 'x1', taskId: 't1', projectId: 'p1', at: '2026-06-01T11:00:00.000Z' };

describe('ExecutionMissed 1 → 2: the sentence becomes its cause', () => {
  test.each<[string, MissedReason]>([
    ['Not started within 300 s of its creation (start deadline)', missedByStartDeadline(300)],
    ['scheduler offline', MISSED_SCHEDULER_OFFLINE],
    ['the store was unavailable at the tick', MISSED_STORE_UNAVAILABLE],
  ])('given a version 1 event saying "%s", when read, then it says its cause', (sentence, reason) => {
    givenStored('ExecutionMissed', 1, { ...ref, reason: sentence })
      .whenRead()
      .then(2, { ...ref, ...reason });
  });

  test('given a sentence no rule recognises, when read, then it is kept as the detail of cause "other"', () => {
    givenStored('ExecutionMissed', 1, { ...ref, reason: 'start deadline passed' })
      .whenRead()
      .then(2, { ...ref, cause: 'other', startDeadlineSeconds: null, detail: 'start deadline passed' });
  });

  test('given a version 1 event without a sentence, when read, then its cause is "other" without detail', () => {
    givenStored('ExecutionMissed', 1, { ...ref }).whenRead().then(2, { ...ref, cause: 'other', startDeadlineSeconds: null, detail: null });
  });

  test('given fields this version does not know, when read, then they survive', () => {
    givenStored('ExecutionMissed', 1, { ...ref, reason: 'scheduler offline', region: 'eu', extra: { nested: [1, 2] } })
      .whenRead()
      .then(2, { ...ref, ...MISSED_SCHEDULER_OFFLINE, region: 'eu', extra: { nested: [1, 2] } });
  });

  test('given a version 2 event, when read, then it is handed over as stored (the same object)', () => {
    const given = givenStored('ExecutionMissed', 2, { ...ref, ...missedByStartDeadline(60) });
    expect(given.whenRead().read).toBe(given.stored);
  });

  test.each<MissedReason>([missedByStartDeadline(45), MISSED_SCHEDULER_OFFLINE, MISSED_STORE_UNAVAILABLE])(
    'the sentence shown for %j is the one version 1 stored for it: old and new histories show the same',
    (reason) => {
      givenStored('ExecutionMissed', 1, { ...ref, reason: missedReason(reason) })
        .whenRead()
        .then(2, { ...ref, ...reason });
    },
  );
});
