import { FENCE_RAISED, FENCE_STREAM } from '../../../src/stores/events/fence-stream';
import { projectNameStream, projectStream, taskGroupStream, userStream } from '../../../src/events/streams';
import { schedulerStream } from '../../../src/events/scheduler-events';
import type { ExportLine } from '../../../src/audit/export-line';
import type { TaskGroupStarted, TaskGroupStopped, TriggerType } from '../../../src/events';
import { SCHEDULER_OFFLINE_REASON } from '../../../src/process-managers/scheduler/downtime';
import { DEFAULT_MISSED_BOUND } from '../../../src/process-managers/scheduler/scheduler';
import { HistoryWriter } from './history-writer';
import {
  acceptInvitation, createApiKey, createProject, createTask, invite, keyUsed, logIn, logOut, type Project, registerUser,
  removeAlertChannel, removeMember, rotatePingKey, setAlertChannel, setMember, setMemberAlerts, setTaskStatus, type Task, type User, updateProject, updateTask,
} from './golden-world';
import { missedWhileOffline, type RunSettings, runExecution } from './golden-runs';
import { applyRetention, deletionSaga, requestDeletion } from './golden-saga';
import { overlapScenario } from './golden-policies';

/**
 * The golden history (test/fixtures/golden-history/, README "A history every version replays"): four
 * weeks of an installation with three projects, people invited and leaving, groups with windows,
 * push, pull and external tasks, every way an execution ends, alerts, a deletion that fails and is
 * retried, retention, a scheduler outage with a leader change, and an upgrade half-way (ExecutionMissed
 * written at version 1 before it, version 2 after). Every id comes from the seed: one seed, one history.
 */
export const GOLDEN_SEED = 20_260_115;
const START = new Date('2026-01-05T07:00:00.000Z');
const DAYS = 28;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The leading instance (scheduler and process managers) was down from 15:00 the day before until 07:00 of this day. */
const OUTAGE_DAY = 11;
/** The upgrade to the version writing ExecutionMissed v2. */
const UPGRADE_DAY = 14;
const CHANGES_HOUR = 8;
/** When people's changes that decide which tasks run happen. */
const EARLY = 7.9;

export function generateGoldenHistory(seed = GOLDEN_SEED): ExportLine[] {
  const w = new HistoryWriter(seed);
  const settings: RunSettings = { missedV1Until: new Date(START.getTime() + UPGRADE_DAY * DAY), publicUrl: 'https://cron.example.com', disabledEmails: new Set() };
  const at = (day: number, hours: number) => new Date(START.getTime() + day * DAY + hours * HOUR);
  raiseFence(w, START, 1);

  const admin = registerUser(w, at(0, 0.1), 'admin@example.com', 'Ada Admin', true, 'system:bootstrap');
  logIn(w, at(0, 0.2), admin);
  const ops = registerUser(w, at(0, 0.5), 'ops@example.com', 'Olu Ops', false, admin.id);

  const payments = createProject(w, at(0, 1), admin, 'payments', 'https://jobs.payments.example/run');
  const analytics = createProject(w, at(0, 1.5), ops, 'analytics', null);
  updateProject(w, at(0, 2), payments, { alertEmails: ['admin@example.com', 'oncall@payments.example'], alertWebhookUrl: 'https://hooks.payments.example/alerts', alertPolicy: { afterFailures: 2, notifyRecovery: true, realertMinutes: 60 } });
  updateProject(w, at(0, 2.2), analytics, { description: 'Warehouse loads and reports', retentionDays: 14 });
  const readKey = createApiKey(w, at(0, 2.4), payments, 'dashboard-export', 'read');
  createApiKey(w, at(0, 2.5), analytics, 'deployer', 'write');
  // Slug ping URLs for analytics: a key made, then replaced a few minutes later.
  rotatePingKey(w, at(0, 2.7), analytics, rotatePingKey(w, at(0, 2.6), analytics, null));

  const carol = invite(w, at(0, 3), payments, 'carol@example.com', 'editor');
  const dave = invite(w, at(0, 3.1), payments, 'dave@example.com', 'viewer');
  const erin = invite(w, at(0, 3.2), analytics, 'erin@example.com', 'admin');
  setMember(w, at(0, 3.3), analytics, admin.email, 'viewer');

  const nightly = createGroup(w, at(0, 4), payments, 'nightly-batch', '01:00', '05:00');
  const reports = createGroup(w, at(0, 4.1), payments, 'reports', null, null);
  const tasks: Task[] = [
    createTask(w, at(0, 5), payments, { name: 'settle-payments', mode: 'push', everyHours: 1, groupId: nightly, timeoutSeconds: 900, startDeadlineSeconds: 120, failureRate: 0.08 }),
    createTask(w, at(0, 5.1), payments, { name: 'sync-fx-rates', mode: 'push', everyHours: 2, timeoutSeconds: 300, startDeadlineSeconds: 60, failureRate: 0.05, catchUp: true }),
    createTask(w, at(0, 5.2), payments, { name: 'refund-queue', mode: 'pull', everyHours: 3, timeoutSeconds: 600, startDeadlineSeconds: 300, failureRate: 0.1 }),
    createTask(w, at(0, 5.3), payments, { name: 'daily-report', mode: 'push', everyHours: 24, groupId: reports, timeoutSeconds: null, startDeadlineSeconds: null, failureRate: 0.3, alertPolicy: { afterFailures: 1, notifyRecovery: false, realertMinutes: null } }),
    createTask(w, at(0, 5.4), payments, { name: 'archive-ledgers', mode: 'pull', everyHours: 12, groupId: reports, timeoutSeconds: 1800, startDeadlineSeconds: 600, failureRate: 0.12 }),
    createTask(w, at(0, 5.5), payments, { name: 'purge-sessions', mode: 'push', everyHours: 8, timeoutSeconds: 120, startDeadlineSeconds: 60, failureRate: 0.2 }),
    createTask(w, at(0, 6), analytics, { name: 'load-warehouse', mode: 'pull', everyHours: 4, timeoutSeconds: 3600, startDeadlineSeconds: 900, failureRate: 0.1, catchUp: true }),
    createTask(w, at(0, 6.1), analytics, { name: 'external-etl', mode: 'external', everyHours: 6, timeoutSeconds: 1200, startDeadlineSeconds: null, failureRate: 0.15 }),
    createTask(w, at(0, 6.2), analytics, { name: 'weekly-digest', mode: 'pull', everyHours: 24, timeoutSeconds: null, startDeadlineSeconds: 1800, failureRate: 0.05 }),
    createTask(w, at(0, 6.3), analytics, { name: 'backfill-2025', mode: 'pull', everyHours: null, timeoutSeconds: 7200, startDeadlineSeconds: null, failureRate: 0 }),
  ];
  const byName = (name: string) => tasks.find((t) => t.definition.name === name)!;
  // nightly-batch: 01:00–05:00 Berlin (UTC+1), widened to 00:30–05:30 on day 2, and started by hand for two hours on day 3.
  const widened = at(2, 10).getTime();
  const manual = [at(3, 14).getTime(), at(3, 16).getTime()] as const;
  byName('settle-payments').openAt = (tick) => {
    const hour = tick.getUTCHours() + tick.getUTCMinutes() / 60;
    const inWindow = tick.getTime() >= widened ? hour >= 23.5 || hour < 4.5 : hour < 4;
    return inWindow || (tick.getTime() >= manual[0] && tick.getTime() < manual[1]);
  };

  // A sandbox project someone created by mistake, and deleted the next day.
  const sandbox = createProject(w, at(0, 7), ops, 'sandbox', null);

  const outage: Outage = { skipped: new Map(), recorded: false };
  const cast = { settings, admin, ops, carol, dave, erin, payments, analytics, sandbox, readKey, nightly, reports, byName };
  for (let day = 0; day < DAYS; day++) {
    // People's changes come at 07:30–18:00, those the scheduler must see at 07:54 (before the 08:00 ticks).
    runDay(w, settings, tasks, [analytics], outage, day, at, 0, CHANGES_HOUR);
    dailyChanges(w, day, at, cast);
    runDay(w, settings, tasks, [analytics], outage, day, at, CHANGES_HOUR, 24);
  }
  // The last sweep, as the history ends.
  applyRetention(w, at(DAYS, 0), analytics);
  return w.finish();
}

/** The scheduler's outage: the ticks it missed, by task, and whether its restart recorded them. */
interface Outage {
  skipped: Map<Task, Date[]>;
  recorded: boolean;
}

interface Cast {
  settings: RunSettings;
  admin: User; ops: User; carol: User; dave: User; erin: User;
  payments: Project; analytics: Project; sandbox: Project;
  readKey: string; nightly: string; reports: string;
  byName: (name: string) => Task;
}

/** What people (and the managers besides the scheduler) did on a day, at set hours. */
function dailyChanges(w: HistoryWriter, day: number, at: (day: number, hours: number) => Date, c: Cast): void {
  keyUsed(w, at(day, 0.05), c.payments, c.payments.ingestKey);
  keyUsed(w, at(day, 0.06), c.analytics, c.analytics.ingestKey);
  if (day % 7 === 2) keyUsed(w, at(day, 9), c.payments, c.readKey);
  if (day % 3 === 0) logIn(w, at(day, 8), c.admin);
  switch (day) {
    case 1:
      acceptInvitation(w, at(1, 9), c.carol, 'Carol Chen');
      logIn(w, at(1, 9.1), c.carol);
      acceptInvitation(w, at(1, 10), c.erin, 'Erin Eriksen');
      // Analytics' admins rely on the dashboard: from now on its alerts have no one to go to.
      setMemberAlerts(w, at(1, 10.2), c.analytics, c.erin, false);
      setMemberAlerts(w, at(1, 10.3), c.analytics, c.ops, false);
      w.append(projectStream(c.sandbox.id), [{ type: 'ProjectDeleted', data: { projectId: c.sandbox.id, deletedAt: at(1, 11).toISOString() } }], { actor: c.ops.id, at: at(1, 11) });
      w.append(projectNameStream(c.sandbox.name), [{ type: 'NameReleased', data: { ownerId: c.sandbox.id } }], { actor: c.ops.id, at: at(1, 11) });
      break;
    case 2:
      updateGroup(w, at(2, 10), c.payments, c.nightly, 'nightly-batch', '00:30', '05:30');
      setMemberAlerts(w, at(2, 10.5), c.payments, c.carol, true);
      break;
    case 3:
      groupSwitch(w, at(3, 14), c.payments, c.nightly, 'TaskGroupStarted');
      groupSwitch(w, at(3, 16), c.payments, c.nightly, 'TaskGroupStopped');
      updateTask(w, at(3, 15), c.byName('sync-fx-rates'), { description: 'FX rates from the central bank feed', timeoutSeconds: 240 }, c.carol.id);
      break;
    case 5:
      setTaskStatus(w, at(5, EARLY), c.byName('purge-sessions'), 'DISABLED');
      logOut(w, at(5, 18), c.carol);
      break;
    case 6:
      setTaskStatus(w, at(6, EARLY), c.byName('purge-sessions'), 'ACTIVE');
      changePassword(w, at(6, 12), c.admin);
      break;
    case 8:
      rotateSecret(w, at(8, 10), c.payments);
      w.append(projectStream(c.payments.id), [{ type: 'ApiKeyRevoked', data: { projectId: c.payments.id, keyId: c.readKey, revokedAt: at(8, 10.2).toISOString() } }], { actor: c.admin.id, at: at(8, 10.2) });
      c.readKey = createApiKey(w, at(8, 10.3), c.payments, 'dashboard-export-2', 'read');
      // Tags and the public badge and status page links (history 2 on).
      updateTask(w, at(8, 10.4), c.byName('sync-fx-rates'), { tags: ['billing', 'fx'] }, c.carol.id);
      // Duration and lateness alerts too loose to fire in this history (no run-time limit: its timers would
      // fire on the clock of whoever replays it).
      const durationAlerts = { maxRunSeconds: null, slowerThanP95Factor: 1000, p95WindowRuns: 20, maxStartDelaySeconds: 86_400 };
      updateTask(w, at(8, 10.45), c.byName('sync-fx-rates'), { durationAlerts }, c.carol.id);
      publicLinks(w, at(8, 10.5), c.payments, [c.byName('settle-payments').id, c.byName('sync-fx-rates').id]);
      break;
    case 9: {
      const task = c.byName('purge-sessions');
      const request = requestDeletion(w, at(9, EARLY), task, c.carol);
      deletionSaga(w, at(9, EARLY), task, c.carol, request, 1, true);
      break;
    }
    case 10: {
      const task = c.byName('purge-sessions');
      const request = requestDeletion(w, at(10, EARLY), task, c.admin);
      deletionSaga(w, at(10, EARLY), task, c.admin, request, 2, false);
      break;
    }
    case 12:
      removeMember(w, at(12, 9), c.payments, c.dave.email);
      c.settings.disabledEmails.add(c.dave.email);
      w.append(userStream(c.dave.id), [
        { type: 'UserUpdated', data: { userId: c.dave.id, changes: { disabled: true }, updatedAt: at(12, 9.1).toISOString() } },
        { type: 'UserSessionsRevoked', data: { userId: c.dave.id, keptSessionId: null, reason: 'disabled', at: at(12, 9.1).toISOString() } },
      ], { actor: c.admin.id, at: at(12, 9.1) });
      break;
    case 16: {
      // The reports group goes; the request detaches its tasks first.
      for (const task of [c.byName('daily-report'), c.byName('archive-ledgers')]) updateTask(w, at(16, 10), task, { taskGroupId: null }, c.admin.id);
      w.append(taskGroupStream(c.reports), [{ type: 'TaskGroupDeleted', data: { groupId: c.reports, projectId: c.payments.id, mode: 'detach', deletedAt: at(16, 10).toISOString() } }], { actor: c.admin.id, at: at(16, 10) });
      w.append(userStream(c.ops.id), [{ type: 'UserUpdated', data: { userId: c.ops.id, changes: { name: 'Olu Okafor', superAdmin: true }, updatedAt: at(16, 11).toISOString() } }], { actor: c.admin.id, at: at(16, 11) });
      break;
    }
    case 18:
      updateProject(w, at(18, 9), c.payments, { alertPolicy: { afterFailures: 3, notifyRecovery: true, realertMinutes: 120 } });
      // Alerts also go to Slack and PagerDuty from now on, and to ntfy for analytics.
      setAlertChannel(w, at(18, 9.2), c.payments, 'ops-slack', { type: 'slack', name: 'Ops on Slack', channelUrl: `https://hooks.slack.com/services/T0/B0/${w.hex(12)}`, routingKey: null, token: null });
      setAlertChannel(w, at(18, 9.3), c.payments, 'on-call', { type: 'pagerduty', name: 'On call', channelUrl: null, routingKey: w.hex(16), token: null });
      setAlertChannel(w, at(18, 9.4), c.analytics, 'phones', { type: 'ntfy', name: 'Phones', channelUrl: 'https://ntfy.sh/analytics-alerts', routingKey: null, token: `tk_${w.hex(14)}` });
      w.append(userStream(c.erin.id), [
        { type: 'PasswordChanged', data: { userId: c.erin.id, passwordHash: `scrypt$${w.hex(16)}$${w.hex(32)}`, at: at(18, 12).toISOString() } },
        { type: 'UserSessionsRevoked', data: { userId: c.erin.id, keptSessionId: null, reason: 'password-reset', at: at(18, 12).toISOString() } },
      ], { actor: c.admin.id, at: at(18, 12) });
      break;
    case 20:
      overlapScenario(w, c.settings, c.analytics, at(20, 0));
      break;
    case 24:
      setAlertChannel(w, at(24, 9), c.payments, 'on-call', { type: 'pagerduty', name: 'Night shift', channelUrl: null, routingKey: w.hex(16), token: null });
      removeAlertChannel(w, at(24, 9.5), c.payments, 'ops-slack');
      // A holiday calendar and a Christmas release window for payments (after this history ends: no alert of it is silenced); a calendar and a window replaced, then removed.
      w.append(projectStream(c.payments.id), [
        { type: 'CalendarSet', data: { projectId: c.payments.id, calendarId: 'holidays', calendar: { name: 'Bank holidays', dates: ['2026-12-25', '2026-12-26'] }, at: at(24, 10).toISOString() } },
        { type: 'CalendarSet', data: { projectId: c.payments.id, calendarId: 'freeze', calendar: { name: 'Freeze', dates: ['2026-12-31'] }, at: at(24, 10).toISOString() } },
        { type: 'CalendarRemoved', data: { projectId: c.payments.id, calendarId: 'freeze', at: at(24, 10).toISOString() } },
        { type: 'MaintenanceWindowSet', data: { projectId: c.payments.id, windowId: 'release', window: { name: 'Release', scope: { kind: 'project' }, effect: 'silence', timing: { kind: 'recurring', cronExpression: '0 2 25 12 *', timezone: 'Europe/London', durationMinutes: 60 } }, at: at(24, 10).toISOString() } },
        { type: 'MaintenanceWindowSet', data: { projectId: c.payments.id, windowId: 'db', window: { name: 'DB upgrade', scope: { kind: 'project' }, effect: 'pause', timing: { kind: 'once', start: at(25, 1).toISOString(), end: at(25, 2).toISOString() } }, at: at(24, 10).toISOString() } },
        { type: 'MaintenanceWindowRemoved', data: { projectId: c.payments.id, windowId: 'db', at: at(24, 10).toISOString() } },
      ], { actor: c.payments.admin.id, at: at(24, 10) });
      break;
  }
}

/** Each active task's ticks of the day, in time order; during the outage, the downtime as the restarted scheduler records it. */
function runDay(
  w: HistoryWriter, settings: RunSettings, tasks: Task[], retained: Project[], outage: Outage, day: number, at: (day: number, hours: number) => Date, fromHour: number, toHour: number,
): void {
  const from = at(day, fromHour).getTime();
  const to = at(day, toHour).getTime();
  const ticks: Array<{ at: Date; task: Task; trigger?: TriggerType } | { at: Date; sweep: Project }> = [];
  // The retention manager sweeps every hour.
  for (let hour = fromHour; hour < toHour; hour++) for (const project of retained) ticks.push({ at: at(day, hour), sweep: project });
  for (const task of tasks) {
    // Runs besides the ticks: a rerun from the executor's own CI, and one asked for in the dashboard.
    const extra = task.definition.executionMode === 'external' && day % 4 === 1 ? 'EXTERNAL' : task.definition.name === 'daily-report' && day % 6 === 4 ? 'MANUAL' : null;
    const extraAt = at(day, 9.5).getTime();
    if (extra && extraAt >= from && extraAt < to) ticks.push({ at: new Date(extraAt), task, trigger: extra });
    if (task.everyHours === null) {
      const runAt = new Date(task.definition.scheduleConfig.run_at!);
      if (runAt.getTime() >= from && runAt.getTime() < to) ticks.push({ at: runAt, task });
      continue;
    }
    // `m */N * * *` in UTC: minute m of every UTC hour divisible by N.
    for (let midnight = Math.floor(from / DAY) * DAY; midnight < to; midnight += DAY) {
      for (let hour = 0; hour < 24; hour += task.everyHours) {
        const tick = midnight + hour * HOUR + task.minute * 60_000;
        if (tick >= from && tick < to) ticks.push({ at: new Date(tick), task });
      }
    }
  }
  ticks.sort((a, b) => a.at.getTime() - b.at.getTime());
  const outageFrom = at(OUTAGE_DAY - 1, 15).getTime();
  const outageTo = at(OUTAGE_DAY, 7).getTime();
  const skipped = outage.skipped;
  for (const entry of ticks) {
    if ('sweep' in entry) {
      const down = entry.at.getTime() >= outageFrom && entry.at.getTime() < outageTo;
      if (!down) applyRetention(w, entry.at, entry.sweep);
      continue;
    }
    const { at: tick, task, trigger } = entry;
    if (task.status !== 'ACTIVE' || (task.openAt && !task.openAt(tick))) continue;
    if (tick.getTime() >= outageFrom && tick.getTime() < outageTo) {
      skipped.set(task, [...(skipped.get(task) ?? []), tick]);
      continue;
    }
    if (!outage.recorded && tick.getTime() >= outageTo) {
      // The new leader raises the fence, the scheduler records the downtime.
      outage.recorded = true;
      recordDowntime(w, settings, skipped, new Date(outageTo + 60_000));
    }
    if (trigger === 'MANUAL') runExecution(w, settings, task, tick, 'MANUAL', task.project.admin.id);
    else runExecution(w, settings, task, tick, trigger ?? 'SCHEDULED');
  }
  if (!outage.recorded && outageTo >= from && outageTo < to) {
    outage.recorded = true;
    recordDowntime(w, settings, skipped, new Date(outageTo + 60_000));
  }
}

/**
 * What the restarted scheduler records for each task: its first missed ticks as MISSED executions, the
 * rest as one TicksSkipped, and for a task with `catch_up: latest` a run of the newest missed tick.
 */
function recordDowntime(w: HistoryWriter, settings: RunSettings, skipped: Map<Task, Date[]>, now: Date): void {
  raiseFence(w, new Date(now.getTime() - 30_000), 2);
  for (const [task, ticks] of skipped) {
    for (const tick of ticks.slice(0, DEFAULT_MISSED_BOUND)) missedWhileOffline(w, settings, task, tick, now);
    if (ticks.length > DEFAULT_MISSED_BOUND) {
      w.append(schedulerStream(task.id), [{
        type: 'TicksSkipped',
        data: {
          taskId: task.id, projectId: task.project.id, from: ticks[DEFAULT_MISSED_BOUND]!.toISOString(), to: ticks.at(-1)!.toISOString(),
          count: ticks.length - DEFAULT_MISSED_BOUND, reason: SCHEDULER_OFFLINE_REASON, recordedAt: now.toISOString(),
        },
      }], { actor: 'system:scheduler', at: now, correlationId: w.id(), causationId: task.causationId });
    }
    if (task.catchUp) runExecution(w, settings, task, ticks.at(-1)!, 'CATCH_UP', 'system:scheduler', now);
  }
}

function createGroup(w: HistoryWriter, at: Date, project: Project, name: string, startTime: string | null, endTime: string | null): string {
  const groupId = w.id();
  w.append(taskGroupStream(groupId), [{
    type: 'TaskGroupCreated',
    data: { groupId, projectId: project.id, name, description: null, status: 'ACTIVE', startTime, endTime, timezone: 'Europe/Berlin', createdAt: at.toISOString() },
  }], { actor: project.admin.id, at });
  return groupId;
}

function updateGroup(w: HistoryWriter, at: Date, project: Project, groupId: string, name: string, startTime: string, endTime: string): void {
  w.append(taskGroupStream(groupId), [{
    type: 'TaskGroupUpdated',
    data: { groupId, projectId: project.id, name, description: 'Settlement runs while the banks are closed', status: 'ACTIVE', startTime, endTime, timezone: 'Europe/Berlin', updatedAt: at.toISOString() },
  }], { actor: project.admin.id, at });
}

function groupSwitch(w: HistoryWriter, at: Date, project: Project, groupId: string, type: 'TaskGroupStarted' | 'TaskGroupStopped'): void {
  w.append(taskGroupStream(groupId), [{ type, data: { groupId, projectId: project.id, manual: true, at: at.toISOString() } } as TaskGroupStarted | TaskGroupStopped], { actor: project.admin.id, at });
}

function changePassword(w: HistoryWriter, at: Date, user: User): void {
  const kept = user.sessions.at(-1) ?? null;
  w.append(userStream(user.id), [
    { type: 'PasswordChanged', data: { userId: user.id, passwordHash: `scrypt$${w.hex(16)}$${w.hex(32)}`, at: at.toISOString() } },
    { type: 'UserSessionsRevoked', data: { userId: user.id, keptSessionId: kept, reason: 'password-changed', at: at.toISOString() } },
  ], { actor: user.id, at });
  user.sessions = kept ? [kept] : [];
}

function rotateSecret(w: HistoryWriter, at: Date, project: Project): void {
  w.append(projectStream(project.id), [{
    type: 'SigningSecretRotated',
    data: { projectId: project.id, secret: `whsec_${w.hex(24)}`, previousSecretValidUntil: new Date(at.getTime() + DAY).toISOString(), rotatedAt: at.toISOString() },
  }], { actor: project.admin.id, at });
}

function publicLinks(w: HistoryWriter, at: Date, project: Project, taskIds: string[]): void {
  w.append(projectStream(project.id), [
    { type: 'PublicTokenRotated', data: { projectId: project.id, token: `pub_${project.id.replace(/-/g, '')}golden` /* no random draw: the rest of the history stays as history 1 has it */, rotatedAt: at.toISOString() } },
  ], { actor: project.admin.id, at });
  w.append(projectStream(project.id), [
    { type: 'StatusPageConfigured', data: { projectId: project.id, enabled: true, taskIds, at: new Date(at.getTime() + 60_000).toISOString() } },
  ], { actor: project.admin.id, at: new Date(at.getTime() + 60_000) });
}

/** The leader's fence as EventStoreDB keeps it (the embedded store keeps it in a table): a new term per leader. */
function raiseFence(w: HistoryWriter, at: Date, token: number): void {
  w.append(FENCE_STREAM, [{ type: FENCE_RAISED, data: { token }, schemaVersion: 1 }], { actor: 'system:leader', at });
}
