import type { RetryPolicy } from '../../src/events/retry-policy';
import type { TaskDefinition } from '../../src/events/task-events';
import { ScheduledTask } from '../../src/process-managers/scheduler/scheduled-task';
import { tickCommand } from '../../src/process-managers/scheduler/tick-command';

const definition: TaskDefinition = {
  taskGroupId: null,
  name: 'nightly',
  description: null,
  scheduleType: 'RECURRING',
  scheduleConfig: { cron_expression: '0 3 * * *', timezone: 'UTC' },
  timeoutSeconds: 60,
  metadata: null,
  executionMode: 'pull',
  startDeadlineSeconds: null,
  alertPolicy: null,
};
const retry: RetryPolicy = { maxAttempts: 3, backoff: 'exponential', delaySeconds: 10, maxDelaySeconds: 60, jitter: true, on: ['FAILED'], alert: 'exhausted' };

describe("a tick's execution carries the task's retry policy as it is at the tick", () => {
  test('copied when set, left out when not, and dropped when the task drops it', () => {
    const task = new ScheduledTask('t1');
    task.define({ ...definition, retry });
    expect(tickCommand(task, 'e1', '2026-01-01T03:00:00.000Z', 'SCHEDULED', Date.parse('2026-01-01T03:00:00.000Z'))).toMatchObject({ attempt: 1, retry });
    task.define(definition);
    expect(tickCommand(task, 'e2', '2026-01-02T03:00:00.000Z', 'SCHEDULED', Date.parse('2026-01-02T03:00:00.000Z'))).not.toHaveProperty('retry');
  });
});
