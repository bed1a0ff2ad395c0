import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { AlertCommand } from '../../src/commands/alerts/alert-commands';
import { alertsDecider } from '../../src/commands/alerts/alert-decider';
import { alertId, alertMessageId } from '../../src/commands/alerts/alert-ids';
import { newCommandContext } from '../../src/commands/command-context';
import type { Decider } from '../../src/commands/decider';
import type { ExecutionCommand } from '../../src/commands/execution/execution-commands';
import { executionDecider } from '../../src/commands/execution/execution-decider';
import { handleCommand, toNewEvent } from '../../src/commands/handle-command';
import type { ProjectCommand } from '../../src/commands/project/project-commands';
import { projectDecider } from '../../src/commands/project/project-decider';
import type { TaskCommand } from '../../src/commands/task/task-commands';
import { taskDecider } from '../../src/commands/task/task-decider';
import { loadConfig } from '../../src/config/config';
import { alertsStream } from '../../src/events/alert-events';
import type { AlertPolicy, ProjectChanges } from '../../src/events/project-events';
import { executionLogStream, executionStream, projectStream, taskStream } from '../../src/events/streams';
import { mailTransportOf } from '../../src/mail/mail-transport';
import { AlertsProcessManager } from '../../src/process-managers/alerts/alerts-process-manager';
import { verifySignature } from '../../src/process-managers/dispatcher/webhook-signature';
import { processManagerCheckpoint } from '../../src/process-managers/manager-loop';
import { ProcessManagerRunner } from '../../src/process-managers/process-manager-runner';
import type { EventStore } from '../../src/stores/events/event-store';
import type { ReadStore } from '../../src/stores/read/read-store';
import { ManualClock } from '../support/manual-clock';
import { silentLogger } from '../support/silent-logger';
import { reserveFreePort, type SmtpTestServer, startSmtpTestServer } from '../support/smtp-test-server';
import { makeTempDir } from '../support/temp-dir';
import { openTestEventStore, openTestReadStore } from '../support/test-stores';
import { ALERTS_TO_LOOPBACK } from '../support/test-server';
import { waitFor } from '../support/wait-for';

const PUBLIC_URL = 'https://cron.example.com';
const SECRET = 'whsec_test-secret';

/**
 * The alerts manager over a real event store (test-stores.ts), fed by the real deciders, sending to a real SMTP
 * server on loopback; time from a ManualClock.
 */
class World {
  readonly temp = makeTempDir('cron-observer-alerts-');
  readonly events = openTestEventStore(this.temp.dir, { pollIntervalMs: 20 });
  readonly clock = new ManualClock('2026-03-01T10:00:00.000Z');
  private readonly managers: Array<{ manager: AlertsProcessManager; runner: ProcessManagerRunner; reads: ReadStore; events: EventStore }> = [];
  private readonly extraStores: EventStore[] = [];

  async command<S, C, E extends { type: string; data: unknown }>(stream: string, decider: Decider<S, C, E>, command: C) {
    return handleCommand(this.events, this.clock, stream, decider, command, newCommandContext('test'));
  }

  now = () => this.clock.now().toISOString();

  async project(changes: ProjectChanges = {}, members: Record<string, string> = {}): Promise<string> {
    const projectId = randomUUID();
    const stream = projectStream(projectId);
    await this.command<unknown, ProjectCommand, never>(stream, projectDecider as never, {
      type: 'CreateProject',
      projectId,
      name: 'Billing',
      createdBy: 'user-1',
      creatorEmail: 'owner@example.com',
      signingSecret: SECRET,
      at: this.now(),
    });
    const update: ProjectCommand = { type: 'UpdateProject', changes: { alertEmails: ['ops@example.com'], ...changes }, at: this.now() };
    if (Object.keys(members).length) update.members = [{ email: 'owner@example.com', role: 'admin' }, ...Object.entries(members).map(([email, role]) => ({ email, role }))];
    await this.command(stream, projectDecider, update);
    return projectId;
  }

  async task(projectId: string, alertPolicy: AlertPolicy | null = null, name = 'nightly-backup'): Promise<string> {
    const taskId = randomUUID();
    const command: TaskCommand = {
      type: 'CreateTask',
      taskId,
      projectId,
      definition: { name, scheduleType: 'RECURRING', scheduleConfig: { cron_expression: '0 3 * * *', timezone: 'UTC' }, executionMode: 'pull', alertPolicy },
      at: this.now(),
    };
    await this.command(taskStream(taskId), taskDecider, command);
    return taskId;
  }

  async execution(projectId: string, taskId: string): Promise<string> {
    const executionId = randomUUID();
    await this.execCommand(executionId, {
      type: 'CreateExecution',
      executionId,
      taskId,
      projectId,
      taskName: 'nightly-backup',
      scheduledAt: this.now(),
      triggerType: 'MANUAL',
      attempt: 1,
      executionMode: 'pull',
      timeoutSeconds: null,
      startDeadlineSeconds: null,
      at: this.now(),
    });
    return executionId;
  }

  execCommand(executionId: string, command: ExecutionCommand) {
    return this.command(executionStream(executionId), executionDecider, command);
  }

  report(projectId: string, executionId: string, status: 'FAILED' | 'SUCCESS', error: string | null = null) {
    return this.execCommand(executionId, { type: 'ReportExecutionStatus', projectId, status, error, route: 'v1', at: this.now() });
  }

  /** A new execution of the task that ends with `status`. */
  async run(projectId: string, taskId: string, status: 'FAILED' | 'SUCCESS' | 'TIMED_OUT' | 'MISSED', error = 'exit code 1'): Promise<string> {
    const executionId = await this.execution(projectId, taskId);
    if (status === 'TIMED_OUT') await this.execCommand(executionId, { type: 'TimeOutExecution', timeoutSeconds: 60, at: this.now() });
    else if (status === 'MISSED') await this.execCommand(executionId, { type: 'MarkExecutionMissed', startDeadlineSeconds: 60, at: this.now() });
    else await this.report(projectId, executionId, status, status === 'FAILED' ? error : null);
    return executionId;
  }

  async logs(projectId: string, taskId: string, executionId: string, messages: string[]): Promise<void> {
    const lines = messages.map((message) => ({ message, level: 'info' as const, timestamp: null, receivedAt: this.now() }));
    const event = { type: 'ExecutionLogsAppended', data: { executionId, taskId, projectId, lines } };
    await this.events.append(executionLogStream(executionId), [toNewEvent(event, newCommandContext('test'), this.clock)], 'any');
  }

  /** A manager with its own runner and checkpoint store; `separateConnection` opens the event file again, as another process would. */
  async startManager(options: { smtpUrl?: string | null; checkpointAtHead?: boolean; separateConnection?: boolean } = {}) {
    const events = options.separateConnection ? openTestEventStore(this.temp.dir, { pollIntervalMs: 20 }) : this.events;
    if (options.separateConnection) this.extraStores.push(events);
    const reads = await openTestReadStore(this.temp.dir, `read-${this.managers.length}.db`);
    if (options.checkpointAtHead) {
      // As after a restart: everything stored so far was handled before (replayed, not acted on).
      await reads.applyBatch([], { name: processManagerCheckpoint('alerts'), position: (await this.events.headPosition())! });
    }
    const env: Record<string, string> = { PUBLIC_URL, LOG_LEVEL: 'silent', ...ALERTS_TO_LOOPBACK };
    if (options.smtpUrl) env.SMTP_URL = options.smtpUrl;
    const config = loadConfig(env);
    const manager = new AlertsProcessManager({ events, clock: this.clock, logger: silentLogger, config, mail: mailTransportOf(config) });
    const runner = new ProcessManagerRunner([manager], events, reads, silentLogger);
    this.managers.push({ manager, runner, reads, events });
    await runner.start();
    await waitFor(() => runner.status()[0]!.live, { what: 'the alerts manager to go live' });
    return manager;
  }

  /** Every manager has handled every stored event and finished every send it started (and recorded it). */
  async settle(): Promise<void> {
    for (;;) {
      const head = await this.events.headPosition();
      for (const { runner, manager } of this.managers) {
        await runner.waitForPosition(head);
        await manager.idle();
      }
      if ((await this.events.headPosition()) === head) return;
    }
  }

  async alertEvents(taskId: string) {
    try {
      return await this.events.readStream(alertsStream(taskId));
    } catch {
      return [];
    }
  }

  async alertTypes(taskId: string): Promise<string[]> {
    return (await this.alertEvents(taskId)).map((e) => e.type);
  }

  async close(): Promise<void> {
    for (const { runner, reads } of this.managers) {
      await runner.stop();
      await reads.close();
    }
    for (const store of this.extraStores) await store.close();
    await this.events.close();
    this.temp.cleanup();
  }
}

describe('alerts process manager', () => {
  let smtp: SmtpTestServer;
  let world: World;

  beforeAll(async () => {
    smtp = await startSmtpTestServer();
  });
  afterAll(() => smtp.close());
  beforeEach(() => {
    world = new World();
  });
  afterEach(() => world.close());

  /** Mails about one task (each test has its own tasks; the SMTP server is shared). */
  const mailsOf = (taskId: string) => smtp.mailsWhere((m) => m.text.includes(taskId));
  const waitForMailOf = (taskId: string, subject: RegExp) =>
    smtp.waitForMail((m) => m.text.includes(taskId) && subject.test(m.subject ?? ''), { what: `a mail about ${taskId} with subject ${subject}` });

  it('mails once on FAILED: subject, body with error and last log lines, deterministic Message-ID and link', async () => {
    await world.startManager({ smtpUrl: smtp.url });
    const projectId = await world.project({}, { 'viewer@example.com': 'viewer', 'second-admin@example.com': 'admin' });
    const taskId = await world.task(projectId);
    const executionId = await world.execution(projectId, taskId);
    await world.logs(projectId, taskId, executionId, Array.from({ length: 25 }, (_, i) => `line ${i + 1}`));
    await world.report(projectId, executionId, 'FAILED', 'disk full');

    const mail = await waitForMailOf(taskId, /FAILED/);
    expect(mail.subject).toBe('[Cron Observer] FAILED: nightly-backup in Billing');
    expect(mail.messageId).toBe(alertMessageId(alertId(taskId, executionId, 'failure')));
    expect(mail.messageId).toMatch(/^<alert-[0-9a-f-]{36}@cron-observer>$/);
    // alert_emails first, then the project's admins (opted in by default); viewers are not mailed.
    expect(mail.envelope.to).toEqual(['ops@example.com', 'owner@example.com', 'second-admin@example.com']);
    expect(mail.envelope.from).toBe('cron-observer@localhost');
    const link = `${PUBLIC_URL}/projects/${projectId}/tasks/${taskId}?execution=${executionId}`;
    expect(mail.text).toContain(link);
    expect(mail.text).toMatch(/Task:\s+nightly-backup/);
    expect(mail.text).toMatch(/Project:\s+Billing/);
    expect(mail.text).toContain(executionId);
    expect(mail.text).toMatch(/Status:\s+FAILED/);
    expect(mail.text).toMatch(/Error:\s+disk full/);
    expect(mail.text).toContain('Last 20 log lines:');
    expect(mail.text).toContain('[info] line 25');
    expect(mail.text).toContain('[info] line 6');
    expect(mail.text).not.toContain('line 5\n');
    expect(mail.html).toContain(`<a href="${link}">`);
    expect(mail.html).toContain('disk full');

    await world.settle();
    expect(mailsOf(taskId)).toHaveLength(1);
    expect(await world.alertTypes(taskId)).toEqual(['AlertIncidentOpened', 'AlertSendIntended', 'AlertSent']);
    const [, intended] = await world.alertEvents(taskId);
    expect(intended!.metadata.actor).toBe('system:alerts');
  });

  it('sends one mail when FAILED is reported twice for one execution, and when a duplicate event is stored anyway', async () => {
    await world.startManager({ smtpUrl: smtp.url });
    const projectId = await world.project();
    const taskId = await world.task(projectId);
    const executionId = await world.execution(projectId, taskId);
    await world.report(projectId, executionId, 'FAILED', 'first');
    await world.report(projectId, executionId, 'FAILED', 'second'); // a no-op for the execution decider
    // As the original did: a second FAILED event for the same execution, written past the decider.
    const [failedEvent] = (await world.events.readStream(executionStream(executionId))).filter((e) => e.type === 'ExecutionFailed');
    await world.events.append(executionStream(executionId), [{ type: failedEvent!.type, data: failedEvent!.data, metadata: { ...failedEvent!.metadata, eventId: randomUUID() } }], 'any');
    await waitForMailOf(taskId, /FAILED/);
    await world.settle();
    expect(mailsOf(taskId)).toHaveLength(1);
    expect(mailsOf(taskId)[0]!.text).toMatch(/Error:\s+first/);
  });

  it('with afterFailures 3, mails only on the third consecutive failure (a success resets the count)', async () => {
    await world.startManager({ smtpUrl: smtp.url });
    const projectId = await world.project({ alertPolicy: { afterFailures: 3, notifyRecovery: true, realertMinutes: null } });
    const taskId = await world.task(projectId);
    await world.run(projectId, taskId, 'FAILED');
    await world.run(projectId, taskId, 'FAILED');
    await world.run(projectId, taskId, 'SUCCESS');
    await world.run(projectId, taskId, 'FAILED');
    await world.run(projectId, taskId, 'TIMED_OUT');
    await world.settle();
    expect(mailsOf(taskId)).toHaveLength(0);
    expect(await world.alertTypes(taskId)).toEqual([]);
    const third = await world.run(projectId, taskId, 'FAILED');
    const mail = await waitForMailOf(taskId, /FAILED/);
    expect(mail.text).toContain(third);
    expect(mail.text).toMatch(/Failures in a row:\s+3/);
    await world.run(projectId, taskId, 'FAILED'); // same incident: no new mail
    await world.settle();
    expect(mailsOf(taskId)).toHaveLength(1);
  });

  it('the task policy overrides the project default', async () => {
    await world.startManager({ smtpUrl: smtp.url });
    const projectId = await world.project({ alertPolicy: { afterFailures: 5, notifyRecovery: true, realertMinutes: null } });
    const taskId = await world.task(projectId, { afterFailures: 2, notifyRecovery: false, realertMinutes: null });
    await world.run(projectId, taskId, 'FAILED');
    await world.run(projectId, taskId, 'FAILED');
    await waitForMailOf(taskId, /FAILED/);
    await world.run(projectId, taskId, 'SUCCESS');
    await world.settle();
    expect(mailsOf(taskId)).toHaveLength(1); // no recovery notice for this task
    expect((await world.alertTypes(taskId)).at(-1)).toBe('AlertIncidentResolved');
  });

  it('sends a recovery notice on the next success, threaded to the failure mail', async () => {
    await world.startManager({ smtpUrl: smtp.url });
    const projectId = await world.project();
    const taskId = await world.task(projectId);
    const failedId = await world.run(projectId, taskId, 'FAILED');
    const failure = await waitForMailOf(taskId, /FAILED/);
    const okId = await world.run(projectId, taskId, 'SUCCESS');
    const recovery = await waitForMailOf(taskId, /Recovered/);
    expect(recovery.subject).toBe('[Cron Observer] Recovered: nightly-backup in Billing');
    expect(recovery.messageId).toBe(alertMessageId(alertId(taskId, okId, 'recovery')));
    expect(recovery.parsed.inReplyTo).toBe(failure.messageId);
    expect(failure.messageId).toBe(alertMessageId(alertId(taskId, failedId, 'failure')));
    expect(recovery.text).toContain(`?execution=${okId}`);
    await world.run(projectId, taskId, 'SUCCESS');
    await world.settle();
    expect(mailsOf(taskId)).toHaveLength(2);
  });

  it('re-alerts every realertMinutes while still failing, on the next failure after the interval', async () => {
    await world.startManager({ smtpUrl: smtp.url });
    const projectId = await world.project({ alertPolicy: { afterFailures: 1, notifyRecovery: true, realertMinutes: 30 } });
    const taskId = await world.task(projectId);
    await world.run(projectId, taskId, 'FAILED');
    await waitForMailOf(taskId, /FAILED/);
    await world.clock.advance(20 * 60_000);
    await world.run(projectId, taskId, 'FAILED');
    await world.settle();
    expect(mailsOf(taskId)).toHaveLength(1);
    await world.clock.advance(10 * 60_000);
    const third = await world.run(projectId, taskId, 'MISSED');
    const realert = await waitForMailOf(taskId, /Still failing/);
    expect(realert.subject).toBe('[Cron Observer] Still failing (3 in a row, last MISSED): nightly-backup in Billing');
    expect(realert.messageId).toBe(alertMessageId(alertId(taskId, third, 'realert')));
    await world.clock.advance(10 * 60_000);
    await world.run(projectId, taskId, 'FAILED');
    await world.settle();
    expect(mailsOf(taskId)).toHaveLength(2);
  });

  it.each([
    ['TIMED_OUT', /No result within the timeout of 60 seconds/],
    ['MISSED', /Not started within 60 s of its creation/],
  ] as const)('%s triggers an alert', async (status, error) => {
    await world.startManager({ smtpUrl: smtp.url });
    const projectId = await world.project();
    const taskId = await world.task(projectId);
    await world.run(projectId, taskId, status);
    const mail = await waitForMailOf(taskId, new RegExp(status));
    expect(mail.subject).toBe(`[Cron Observer] ${status}: nightly-backup in Billing`);
    expect(mail.text).toMatch(error);
  });

  it('retries with backoff while the SMTP server is down and sends when it is back', async () => {
    const port = await reserveFreePort();
    await world.startManager({ smtpUrl: `smtp://127.0.0.1:${port}` });
    const projectId = await world.project();
    const taskId = await world.task(projectId);
    const executionId = await world.run(projectId, taskId, 'FAILED');
    await world.settle();
    const failedOnce = (await world.alertEvents(taskId)).find((e) => e.type === 'AlertSendFailed')!;
    expect(failedOnce.data).toMatchObject({ attempt: 1, retryAt: '2026-03-01T10:00:05.000Z', reason: expect.stringMatching(/ECONNREFUSED/) });
    // Still down at the first retry: the next one waits twice as long.
    await world.clock.advance(5_000);
    await world.settle();
    expect((await world.alertEvents(taskId)).filter((e) => e.type === 'AlertSendFailed').at(-1)!.data).toMatchObject({ attempt: 2, retryAt: '2026-03-01T10:00:15.000Z' });

    const late = await startSmtpTestServer({ port });
    try {
      await world.clock.advance(10_000);
      const mail = await late.waitForMail((m) => m.text.includes(taskId));
      expect(mail.messageId).toBe(alertMessageId(alertId(taskId, executionId, 'failure')));
      await world.settle();
      expect(late.mails).toHaveLength(1);
      expect(await world.alertTypes(taskId)).toEqual([
        'AlertIncidentOpened',
        'AlertSendIntended',
        'AlertSendFailed',
        'AlertSendRetrying',
        'AlertSendFailed',
        'AlertSendRetrying',
        'AlertSent',
      ]);
      expect(world.clock.pendingTimers).toBe(0);
    } finally {
      await late.close();
    }
  });

  it('without SMTP_URL records AlertNotSent "no mail server" with what would have been sent', async () => {
    await world.startManager({ smtpUrl: null });
    const projectId = await world.project();
    const taskId = await world.task(projectId);
    const executionId = await world.run(projectId, taskId, 'FAILED');
    await world.settle();
    const events = await world.alertEvents(taskId);
    expect(events.map((e) => e.type)).toEqual(['AlertIncidentOpened', 'AlertNotSent']);
    expect(events[1]!.data).toMatchObject({
      channel: 'email',
      kind: 'failure',
      reason: 'no mail server',
      executionId,
      recipients: ['ops@example.com', 'owner@example.com'],
      subject: '[Cron Observer] FAILED: nightly-backup in Billing',
    });
    expect(mailsOf(taskId)).toHaveLength(0);
  });

  it('records "no recipients" when the project has no alert emails and its admins are disabled', async () => {
    await world.startManager({ smtpUrl: smtp.url });
    const projectId = await world.project({ alertEmails: [] });
    await world.events.append(
      'user-u1',
      [
        toNewEvent({ type: 'UserRegistered', data: { userId: 'u1', email: 'owner@example.com', name: 'Owner', passwordHash: 'x', superAdmin: false, createdAt: world.now() } }, newCommandContext('test'), world.clock),
        toNewEvent({ type: 'UserUpdated', data: { userId: 'u1', changes: { disabled: true }, updatedAt: world.now() } }, newCommandContext('test'), world.clock),
      ],
      'no_stream',
    );
    const taskId = await world.task(projectId);
    await world.run(projectId, taskId, 'FAILED');
    await world.settle();
    expect((await world.alertEvents(taskId))[1]!.data).toMatchObject({ channel: 'email', reason: 'no recipients', recipients: [] });
  });

  it('does not alert about a task being deleted', async () => {
    await world.startManager({ smtpUrl: smtp.url });
    const projectId = await world.project();
    const taskId = await world.task(projectId);
    const executionId = await world.execution(projectId, taskId);
    await world.command(taskStream(taskId), taskDecider, { type: 'RequestTaskDeletion', projectId, requestedBy: 'user-1', at: world.now() });
    await world.report(projectId, executionId, 'FAILED', 'boom');
    await world.settle();
    expect(await world.alertTypes(taskId)).toEqual([]);
    expect(mailsOf(taskId)).toHaveLength(0);
  });

  it('after a crash between intent and send, sends that one mail on start, with the same Message-ID', async () => {
    const projectId = await world.project();
    const taskId = await world.task(projectId);
    const executionId = await world.run(projectId, taskId, 'FAILED');
    // What a manager had done before it died: decided and recorded the intent, nothing more.
    const failedEvent = (await world.events.readStream(executionStream(executionId))).at(-1)!;
    const intent: AlertCommand = {
      type: 'HandleExecutionFailed',
      taskId,
      projectId,
      executionId,
      sourcePosition: failedEvent.position,
      endedAt: world.now(),
      policy: { afterFailures: 1, notifyRecovery: true, realertMinutes: null },
      targets: [{ channel: 'email', recipients: ['ops@example.com'], notSentReason: null }],
      facts: { projectName: 'Billing', taskName: 'nightly-backup', error: 'exit code 1', link: `${PUBLIC_URL}/x` },
      at: world.now(),
      status: 'FAILED',
      consecutiveFailures: 1,
    };
    await world.command(alertsStream(taskId), alertsDecider, intent);

    await world.startManager({ smtpUrl: smtp.url, checkpointAtHead: true });
    const mail = await waitForMailOf(taskId, /FAILED/);
    expect(mail.messageId).toBe(alertMessageId(alertId(taskId, executionId, 'failure')));
    await world.settle();
    expect(mailsOf(taskId)).toHaveLength(1);
    expect(await world.alertTypes(taskId)).toEqual(['AlertIncidentOpened', 'AlertSendIntended', 'AlertSendRetrying', 'AlertSent']);
    expect((await world.alertEvents(taskId))[2]!.data).toMatchObject({ attempt: 2, reason: 'resumed' });
  });

  it('after a crash before its checkpoint, the re-delivered failure is not decided again and the intent is sent once', async () => {
    const projectId = await world.project();
    const taskId = await world.task(projectId);
    const executionId = await world.execution(projectId, taskId);
    const checkpoint = (await world.events.headPosition())!;
    await world.report(projectId, executionId, 'FAILED', 'boom');
    const failedEvent = (await world.events.readStream(executionStream(executionId))).at(-1)!;
    await world.command(alertsStream(taskId), alertsDecider, {
      type: 'HandleExecutionFailed',
      taskId,
      projectId,
      executionId,
      sourcePosition: failedEvent.position,
      endedAt: world.now(),
      policy: { afterFailures: 1, notifyRecovery: true, realertMinutes: null },
      targets: [{ channel: 'email', recipients: ['ops@example.com'], notSentReason: null }],
      facts: { projectName: 'Billing', taskName: 'nightly-backup', error: 'boom', link: `${PUBLIC_URL}/x` },
      at: world.now(),
      status: 'FAILED',
      consecutiveFailures: 1,
    } satisfies AlertCommand);
    // Checkpoint before the failure: the manager handles it live again, as after a crash.
    const reads = await openTestReadStore(world.temp.dir, 'read-0.db');
    await reads.applyBatch([], { name: processManagerCheckpoint('alerts'), position: checkpoint });
    await reads.close();
    await world.startManager({ smtpUrl: smtp.url });
    await waitForMailOf(taskId, /FAILED/);
    await world.settle();
    expect(mailsOf(taskId)).toHaveLength(1);
    expect((await world.alertTypes(taskId)).filter((t) => t === 'AlertSendIntended')).toHaveLength(1);
  });

  it('two manager instances over one store send one mail', async () => {
    await world.startManager({ smtpUrl: smtp.url });
    await world.startManager({ smtpUrl: smtp.url, separateConnection: true });
    const projectId = await world.project();
    const taskId = await world.task(projectId);
    for (let i = 0; i < 3; i++) {
      await world.run(projectId, taskId, 'FAILED');
      await world.run(projectId, taskId, 'SUCCESS');
    }
    await world.settle();
    expect(mailsOf(taskId).map((m) => m.subject)).toEqual([
      '[Cron Observer] FAILED: nightly-backup in Billing',
      '[Cron Observer] Recovered: nightly-backup in Billing',
      '[Cron Observer] FAILED: nightly-backup in Billing',
      '[Cron Observer] Recovered: nightly-backup in Billing',
      '[Cron Observer] FAILED: nightly-backup in Billing',
      '[Cron Observer] Recovered: nightly-backup in Billing',
    ]);
    const types = await world.alertTypes(taskId);
    expect(types.filter((t) => t === 'AlertSendIntended')).toHaveLength(6);
    expect(types.filter((t) => t === 'AlertSent')).toHaveLength(6);
  });

  it('two instances retrying one failed send claim each attempt once', async () => {
    const port = await reserveFreePort();
    await world.startManager({ smtpUrl: `smtp://127.0.0.1:${port}` });
    await world.startManager({ smtpUrl: `smtp://127.0.0.1:${port}`, separateConnection: true });
    const projectId = await world.project();
    const taskId = await world.task(projectId);
    await world.run(projectId, taskId, 'FAILED');
    await world.settle();
    const late = await startSmtpTestServer({ port });
    try {
      await world.clock.advance(5_000);
      await late.waitForMail((m) => m.text.includes(taskId));
      await world.settle();
      expect(late.mails).toHaveLength(1);
      expect((await world.alertTypes(taskId)).filter((t) => t === 'AlertSendRetrying')).toHaveLength(1);
    } finally {
      await late.close();
    }
  });

  describe('webhook channel', () => {
    let hook: Server;
    let url: string;
    const received: Array<{ headers: IncomingHttpHeaders; body: string; path: string }> = [];
    let answer = 200;

    beforeAll(async () => {
      hook = createServer((request, response) => {
        let body = '';
        request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        request.on('end', () => {
          received.push({ headers: request.headers, body, path: request.url ?? '' });
          response.statusCode = answer;
          if (answer === 302) response.setHeader('location', `${url}/elsewhere`);
          response.end();
        });
      });
      await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/alerts`;
    });
    afterAll(() => new Promise<void>((resolve) => hook.close(() => resolve())));

    it('POSTs a JSON alert signed with the project secret beside the mail', async () => {
      await world.startManager({ smtpUrl: smtp.url });
      const projectId = await world.project({ alertWebhookUrl: url });
      const taskId = await world.task(projectId);
      const executionId = await world.run(projectId, taskId, 'FAILED', 'disk full');
      await waitForMailOf(taskId, /FAILED/);
      const call = await waitFor(() => received.find((r) => r.body.includes(taskId)), { what: 'the webhook call' });
      const timestamp = call.headers['x-cron-observer-timestamp'] as string;
      const signature = call.headers['x-cron-observer-signature'] as string;
      expect(timestamp).toBe(String(Math.floor(world.clock.now().getTime() / 1000)));
      expect(signature).toMatch(/^v1=[0-9a-f]{64}$/);
      const verify = (secrets: string[]) =>
        verifySignature({ secrets, timestampHeader: timestamp, signatureHeader: signature, body: call.body, nowSeconds: Number(timestamp) });
      expect(verify([SECRET])).toBe(true);
      expect(verify(['whsec_other'])).toBe(false);
      expect(call.headers['content-type']).toBe('application/json');
      const id = alertId(taskId, executionId, 'failure');
      expect(call.headers['x-cron-observer-alert-id']).toBe(id);
      expect(JSON.parse(call.body)).toMatchObject({
        type: 'alert',
        kind: 'failure',
        alert_id: id,
        message_id: alertMessageId(id),
        project: { id: projectId, name: 'Billing' },
        task: { id: taskId, name: 'nightly-backup' },
        execution: { id: executionId, status: 'FAILED', error: 'disk full' },
        link: `${PUBLIC_URL}/projects/${projectId}/tasks/${taskId}?execution=${executionId}`,
      });
      await world.settle();
      const sent = (await world.alertEvents(taskId)).filter((e) => e.type === 'AlertSent').map((e) => (e.data as { channel: string }).channel);
      expect(sent.sort()).toEqual(['email', 'webhook']);
    });

    it('after a secret rotation signs with the new and, during the grace period, the previous secret', async () => {
      await world.startManager({ smtpUrl: null });
      const projectId = await world.project({ alertWebhookUrl: url });
      const grace = new Date(world.clock.now().getTime() + 24 * 3600_000).toISOString();
      await world.command(projectStream(projectId), projectDecider, { type: 'RotateSigningSecret', secret: 'whsec_new', previousSecretValidUntil: grace, at: world.now() });
      const taskId = await world.task(projectId);
      await world.run(projectId, taskId, 'FAILED');
      const call = await waitFor(() => received.find((r) => r.body.includes(taskId)), { what: 'the webhook call' });
      const signature = call.headers['x-cron-observer-signature'] as string;
      expect(signature).toMatch(/^v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
      const timestampHeader = call.headers['x-cron-observer-timestamp'] as string;
      for (const secret of ['whsec_new', SECRET]) {
        expect(verifySignature({ secrets: [secret], timestampHeader, signatureHeader: signature, body: call.body, nowSeconds: Number(timestampHeader) })).toBe(true);
      }
    });

    it('retries a webhook that answers 503, and gives up on a 404', async () => {
      await world.startManager({ smtpUrl: null });
      const projectId = await world.project({ alertWebhookUrl: url });
      const taskId = await world.task(projectId);
      answer = 503;
      await world.run(projectId, taskId, 'FAILED');
      await world.settle();
      expect((await world.alertEvents(taskId)).at(-1)!.data).toMatchObject({ channel: 'webhook', reason: 'the webhook answered HTTP 503', retryAt: expect.any(String) });
      answer = 404;
      await world.clock.advance(5_000);
      await world.settle();
      expect((await world.alertEvents(taskId)).at(-1)!.data).toMatchObject({ channel: 'webhook', attempt: 2, reason: 'the webhook answered HTTP 404', retryAt: null });
      expect(received.filter((r) => r.body.includes(taskId))).toHaveLength(2);
      answer = 200;
    });

    it('does not follow a redirect: the alert is given up as an HTTP error', async () => {
      await world.startManager({ smtpUrl: null });
      const projectId = await world.project({ alertWebhookUrl: url });
      const taskId = await world.task(projectId);
      answer = 302;
      try {
        await world.run(projectId, taskId, 'FAILED');
        await world.settle();
        expect((await world.alertEvents(taskId)).at(-1)!.data).toMatchObject({ channel: 'webhook', reason: 'the webhook answered HTTP 302', retryAt: null, outcome: 'http_error' });
        expect(received.filter((r) => r.body.includes(taskId)).map((r) => r.path)).toEqual(['/alerts']);
      } finally {
        answer = 200;
      }
    });
  });
});
