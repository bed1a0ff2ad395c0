import { randomUUID } from 'node:crypto';
import { newCommandContext } from '../../src/commands/command-context';
import type { Decider } from '../../src/commands/decider';
import { executionDecider } from '../../src/commands/execution/execution-decider';
import { handleCommand } from '../../src/commands/handle-command';
import { projectDecider } from '../../src/commands/project/project-decider';
import { scheduleRulesDecider } from '../../src/commands/schedule-rules/schedule-rules-decider';
import { taskDecider } from '../../src/commands/task/task-decider';
import { loadConfig } from '../../src/config/config';
import { alertsStream } from '../../src/events/alert-events';
import type { MaintenanceWindow } from '../../src/events/schedule-rule-events';
import { executionStream, projectStream, taskStream } from '../../src/events/streams';
import { AlertsProcessManager } from '../../src/process-managers/alerts/alerts-process-manager';
import { ProcessManagerRunner } from '../../src/process-managers/process-manager-runner';
import type { ReadStore } from '../../src/stores/read/read-store';
import { ManualClock } from '../support/manual-clock';
import { silentLogger } from '../support/silent-logger';
import { makeTempDir } from '../support/temp-dir';
import { openTestEventStore, openTestReadStore } from '../support/test-stores';
import { waitFor } from '../support/wait-for';

/** The alerts manager over real stores (test-stores.ts), fed by the real deciders, on a ManualClock (no mail server: alerts are recorded as not sent). */
describe('alerts inside maintenance windows', () => {
  const temp = makeTempDir('cron-observer-silence-');
  const events = openTestEventStore(temp.dir, { pollIntervalMs: 20 });
  let reads: ReadStore;
  const clock = new ManualClock('2026-03-01T10:00:00.000Z');
  const manager = new AlertsProcessManager({ events, clock, logger: silentLogger, config: loadConfig({ PUBLIC_URL: 'https://cron.example.com', LOG_LEVEL: 'silent' }), mail: null });
  let runner: ProcessManagerRunner;
  const projectId = randomUUID();
  const now = () => clock.now().toISOString();
  const command = <S, C, E extends { type: string; data: unknown }>(stream: string, decider: Decider<S, C, E>, cmd: C) =>
    handleCommand(events, clock, stream, decider, cmd, newCommandContext('test'));

  beforeAll(async () => {
    reads = await openTestReadStore(temp.dir);
    runner = new ProcessManagerRunner([manager], events, reads, silentLogger);
    await runner.start();
    await waitFor(() => runner.status()[0]!.live, { what: 'the alerts manager to go live' });
    await command(projectStream(projectId), projectDecider, { type: 'CreateProject', projectId, name: 'Billing', createdBy: 'u1', creatorEmail: 'owner@example.com', signingSecret: null, at: now() } as never);
  });
  afterAll(async () => {
    await runner.stop();
    await reads.close();
    await events.close();
    temp.cleanup();
  });

  async function task(taskGroupId: string | null = null): Promise<string> {
    const taskId = randomUUID();
    const definition = { name: `t-${taskId.slice(0, 6)}`, taskGroupId, scheduleType: 'RECURRING' as const, scheduleConfig: { cron_expression: '0 3 * * *', timezone: 'UTC' }, executionMode: 'pull' as const };
    await command(taskStream(taskId), taskDecider, { type: 'CreateTask', taskId, projectId, definition, at: now() });
    return taskId;
  }

  async function failedRun(taskId: string): Promise<void> {
    const executionId = randomUUID();
    const stream = executionStream(executionId);
    await command(stream, executionDecider, { type: 'CreateExecution', executionId, taskId, projectId, taskName: 't', scheduledAt: now(), triggerType: 'MANUAL', attempt: 1, executionMode: 'pull', timeoutSeconds: null, startDeadlineSeconds: null, at: now() });
    await command(stream, executionDecider, { type: 'ReportExecutionStatus', projectId, status: 'FAILED', error: 'exit 1', route: 'v1', at: now() });
  }

  async function settled(): Promise<void> {
    await runner.waitForPosition((await events.headPosition())!);
    await manager.idle();
  }

  async function alertTypes(taskId: string): Promise<string[]> {
    try {
      return (await events.readStream(alertsStream(taskId))).map((e) => e.type);
    } catch {
      return [];
    }
  }

  const window = (effect: 'pause' | 'silence', scope: MaintenanceWindow['scope']): MaintenanceWindow => ({
    name: 'Release',
    scope,
    effect,
    timing: { kind: 'once', start: '2026-03-01T09:00:00.000Z', end: '2026-03-01T11:00:00.000Z' },
  });

  it('sends no failure alert inside a silence (or pause) window, and alerts again after it', async () => {
    const groupId = randomUUID();
    const silenced = await task();
    const paused = await task(groupId);
    const outside = await task();
    await command(projectStream(projectId), scheduleRulesDecider, { type: 'SetMaintenanceWindow', windowId: 'release', window: window('silence', { kind: 'task', taskId: silenced }), at: now() });
    await command(projectStream(projectId), scheduleRulesDecider, { type: 'SetMaintenanceWindow', windowId: 'group-pause', window: window('pause', { kind: 'group', groupId }), at: now() });
    for (const taskId of [silenced, paused, outside]) await failedRun(taskId);
    await settled();
    expect(await alertTypes(silenced)).toEqual([]);
    expect(await alertTypes(paused)).toEqual([]);
    expect(await alertTypes(outside)).toContain('AlertIncidentOpened');

    await clock.advanceTo(new Date('2026-03-01T11:00:00.000Z'));
    await failedRun(silenced);
    await settled();
    expect(await alertTypes(silenced)).toContain('AlertIncidentOpened');
  });
});
