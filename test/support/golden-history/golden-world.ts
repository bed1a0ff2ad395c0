import { type AlertChannelConfig, type AlertPolicy, type ApiKeyScope, type ExecutionMode, type ProjectRole, type TaskDefinition, memberGetsAlerts } from '../../../src/events';
import { pingKeyStream, pingUrlStream, projectNameStream, projectStream, taskNameStream, taskStream, userEmailStream, userStream, apiKeyUsageStream } from '../../../src/events/streams';
import { DEFAULT_ALERT_POLICY } from '../../../src/process-managers/alerts/alert-directory';
import type { HistoryWriter } from './history-writer';

/** What the golden history's people, projects and tasks are, as the generator tracks them. */
export interface User {
  id: string;
  email: string;
  name: string;
  sessions: string[];
}

export interface Project {
  id: string;
  name: string;
  endpoint: string | null;
  admin: User;
  /** Ingest key: executors report with it. */
  ingestKey: string;
  alertEmails: string[];
  alertWebhookUrl: string | null;
  alertPolicy: AlertPolicy;
  retentionDays: number | null;
  tasks: Task[];
  /** By email: role, and the member's own choice of alert mails (null: the role's default). */
  members: Map<string, { role: ProjectRole; alerts: boolean | null }>;
  /** Vendor alert channels (Slack, PagerDuty, …) by channel id. */
  channels: Map<string, AlertChannelConfig>;
}

/** Who an alert of the project is mailed to, as the alerts manager works it out (`disabledEmails`: accounts a super admin disabled). */
export function alertRecipients(project: Project, disabledEmails: ReadonlySet<string>): string[] {
  const members = [...project.members].filter(([email, m]) => memberGetsAlerts(m.role, m.alerts) && !disabledEmails.has(email)).map(([email]) => email);
  return [...new Set([...project.alertEmails, ...members])];
}

export interface Incident {
  id: string;
  firstMessageId: string;
  alerts: number;
}

export interface Task {
  id: string;
  project: Project;
  definition: TaskDefinition;
  status: 'ACTIVE' | 'DISABLED' | 'PENDING_DELETE' | 'DELETE_FAILED' | 'DELETED';
  /** Hours between ticks; null: a one-off. */
  everyHours: number | null;
  /** Minutes past the hour of its ticks. */
  minute: number;
  /** Whether its group lets a tick run (window, manual start); absent: no group window. */
  openAt?: (tick: Date) => boolean;
  failureRate: number;
  streak: number;
  incident: Incident | null;
  executions: Array<{ id: string; createdAt: Date }>;
  /** The id of the task's last event: what the scheduler names as the cause of its ticks. */
  causationId: string;
  /** `catch_up: latest`: after downtime the newest missed tick runs. */
  catchUp: boolean;
  /** When the alerts manager's last append for the task was (it decides and sends one end after the other). */
  alertsUntil: number;
}


export function registerUser(w: HistoryWriter, at: Date, email: string, name: string, superAdmin: boolean, actor: string): User {
  const user: User = { id: w.id(), email, name, sessions: [] };
  w.append(userEmailStream(email), [{ type: 'NameReserved', data: { ownerId: user.id, name: email } }], { actor, at });
  w.append(userStream(user.id), [{ type: 'UserRegistered', data: { userId: user.id, email, name, passwordHash: `scrypt$${w.hex(16)}$${w.hex(32)}`, superAdmin, createdAt: at.toISOString() } }], { actor, at });
  return user;
}

export function logIn(w: HistoryWriter, at: Date, user: User): string {
  const sessionId = w.id();
  const expiresAt = new Date(at.getTime() + 7 * 86_400_000).toISOString();
  w.append(userStream(user.id), [{ type: 'UserLoggedIn', data: { userId: user.id, sessionId, tokenHash: w.hex(32), expiresAt, at: at.toISOString() } }], { actor: user.id, at });
  user.sessions.push(sessionId);
  return sessionId;
}

export function logOut(w: HistoryWriter, at: Date, user: User): void {
  const sessionId = user.sessions.shift();
  if (sessionId) w.append(userStream(user.id), [{ type: 'UserLoggedOut', data: { userId: user.id, sessionId, at: at.toISOString() } }], { actor: user.id, at });
}

/** An invitation: the account (invited), its email reserved, and the membership. Accepted later. */
export function invite(w: HistoryWriter, at: Date, project: Project, email: string, role: ProjectRole): User {
  const user: User = { id: w.id(), email, name: email.split('@')[0]!, sessions: [] };
  const actor = project.admin.id;
  const causationId = w.id();
  w.append(userEmailStream(email), [{ type: 'NameReserved', data: { ownerId: user.id, name: email } }], { actor, at, causationId });
  w.append(userStream(user.id), [{
    type: 'UserInvited',
    data: { userId: user.id, email, invitedBy: actor, projectId: project.id, role, inviteTokenHash: w.hex(32), expiresAt: new Date(at.getTime() + 7 * 86_400_000).toISOString(), invitedAt: at.toISOString() },
  }], { actor, at, causationId });
  setMember(w, at, project, email, role, causationId);
  return user;
}

export function setMember(w: HistoryWriter, at: Date, project: Project, email: string, role: ProjectRole, causationId?: string): void {
  project.members.set(email, { role, alerts: project.members.get(email)?.alerts ?? null });
  w.append(projectStream(project.id), [{ type: 'ProjectMemberSet', data: { projectId: project.id, email, role, at: at.toISOString() } }], { actor: project.admin.id, at, ...(causationId ? { causationId } : {}) });
}

export function acceptInvitation(w: HistoryWriter, at: Date, user: User, name: string): void {
  user.name = name;
  w.append(userStream(user.id), [{ type: 'InvitationAccepted', data: { userId: user.id, name, passwordHash: `scrypt$${w.hex(16)}$${w.hex(32)}`, at: at.toISOString() } }], { actor: user.id, at });
}

export function createProject(w: HistoryWriter, at: Date, admin: User, name: string, endpoint: string | null): Project {
  const project: Project = {
    id: w.id(), name, endpoint, admin, ingestKey: '', alertEmails: [], alertWebhookUrl: null, alertPolicy: DEFAULT_ALERT_POLICY, retentionDays: null, tasks: [], members: new Map([[admin.email, { role: 'admin', alerts: null }]]), channels: new Map(),
  };
  const causationId = w.id();
  const when = at.toISOString();
  w.append(projectNameStream(name), [{ type: 'NameReserved', data: { ownerId: project.id, name } }], { actor: admin.id, at, causationId });
  w.append(projectStream(project.id), [
    { type: 'ProjectCreated', data: { projectId: project.id, name, description: `${name} jobs`, executionEndpoint: endpoint, timezone: 'Europe/Berlin', createdBy: admin.id, createdAt: when } },
    { type: 'ProjectMemberSet', data: { projectId: project.id, email: admin.email, role: 'admin', at: when } },
    { type: 'SigningSecretRotated', data: { projectId: project.id, secret: `whsec_${w.hex(24)}`, previousSecretValidUntil: null, rotatedAt: when } },
  ], { actor: admin.id, at, causationId });
  project.ingestKey = createApiKey(w, at, project, 'executors', 'ingest');
  return project;
}

export function createApiKey(w: HistoryWriter, at: Date, project: Project, name: string, scope: ApiKeyScope): string {
  const keyId = w.id();
  const raw = `co_${w.hex(20)}`;
  w.append(projectStream(project.id), [{
    type: 'ApiKeyCreated', data: { projectId: project.id, keyId, name, scope, prefix: `${raw.slice(0, 9)}…`, hash: w.hex(32), createdAt: at.toISOString() },
  }], { actor: project.admin.id, at });
  return keyId;
}

export function keyUsed(w: HistoryWriter, at: Date, project: Project, keyId: string): void {
  w.append(apiKeyUsageStream(keyId), [{ type: 'ApiKeyUsed', data: { projectId: project.id, keyId, at: at.toISOString() } }], { actor: keyId, at });
}

/** A project admin adds or replaces an alert channel. */
export function setAlertChannel(w: HistoryWriter, at: Date, project: Project, channelId: string, channel: AlertChannelConfig): void {
  project.channels.set(channelId, channel);
  w.append(projectStream(project.id), [{ type: 'AlertChannelSet', data: { projectId: project.id, channelId, channel, at: at.toISOString() } }], { actor: project.admin.id, at });
}

export function removeAlertChannel(w: HistoryWriter, at: Date, project: Project, channelId: string): void {
  project.channels.delete(channelId);
  w.append(projectStream(project.id), [{ type: 'AlertChannelRemoved', data: { projectId: project.id, channelId, at: at.toISOString() } }], { actor: project.admin.id, at });
}

export function updateProject(w: HistoryWriter, at: Date, project: Project, changes: Partial<Pick<Project, 'alertEmails' | 'alertWebhookUrl' | 'alertPolicy' | 'retentionDays'>> & { description?: string }): void {
  Object.assign(project, changes);
  w.append(projectStream(project.id), [{ type: 'ProjectUpdated', data: { projectId: project.id, changes, updatedAt: at.toISOString() } }], { actor: project.admin.id, at });
}

export interface TaskPlan {
  name: string;
  mode: ExecutionMode;
  everyHours: number | null;
  groupId?: string | null;
  timeoutSeconds?: number | null;
  startDeadlineSeconds?: number | null;
  failureRate: number;
  alertPolicy?: AlertPolicy | null;
  catchUp?: boolean;
}

export function createTask(w: HistoryWriter, at: Date, project: Project, plan: TaskPlan): Task {
  const minute = Math.floor(w.random() * 60);
  const definition: TaskDefinition = {
    taskGroupId: plan.groupId ?? null,
    name: plan.name,
    description: w.chance(0.5) ? `Runs ${plan.name.replace(/-/g, ' ')}` : null,
    scheduleType: plan.everyHours === null ? 'ONEOFF' : 'RECURRING',
    scheduleConfig: plan.everyHours === null
      ? { run_at: new Date(at.getTime() + 3 * 86_400_000).toISOString(), timezone: 'Europe/Berlin' }
      : { cron_expression: `${minute} */${plan.everyHours} * * *`, timezone: 'UTC', ...(plan.catchUp ? { catch_up: 'latest' as const } : {}) },
    timeoutSeconds: plan.timeoutSeconds ?? null,
    metadata: w.chance(0.5) ? { team: w.pick(['core', 'data', 'billing']), owner: `${plan.name}@example.com` } : null,
    executionMode: plan.mode,
    startDeadlineSeconds: plan.startDeadlineSeconds ?? null,
    alertPolicy: plan.alertPolicy ?? null,
  };
  const task: Task = {
    id: w.id(), project, definition, status: 'ACTIVE', everyHours: plan.everyHours, minute, failureRate: plan.failureRate, streak: 0, incident: null, executions: [],
    causationId: '', catchUp: plan.catchUp ?? false, alertsUntil: 0,
  };
  const causationId = w.id();
  w.append(taskNameStream(project.id, plan.name), [{ type: 'NameReserved', data: { ownerId: task.id, name: plan.name } }], { actor: project.admin.id, at, causationId });
  w.append(taskStream(task.id), [{ type: 'TaskCreated', data: { taskId: task.id, projectId: project.id, ...definition, status: 'ACTIVE', createdAt: at.toISOString() } }], { actor: project.admin.id, at, causationId });
  task.causationId = w.lastEventId();
  if (plan.mode === 'external') assignPingUrl(w, at, task);
  project.tasks.push(task);
  return task;
}

/** What creating a task in external mode writes next: its ping URL id, reserved, then on the task. */
function assignPingUrl(w: HistoryWriter, at: Date, task: Task): void {
  const pingId = w.id();
  const actor = task.project.admin.id;
  w.append(pingUrlStream(pingId), [{ type: 'NameReserved', data: { ownerId: task.id, name: pingId } }], { actor, at });
  w.append(taskStream(task.id), [{ type: 'TaskPingUrlAssigned', data: { taskId: task.id, projectId: task.project.id, pingId, assignedAt: at.toISOString() } }], { actor, at });
}

/** A project admin makes (or remakes) the project's ping key: the new key reserved, the old one released. */
export function rotatePingKey(w: HistoryWriter, at: Date, project: Project, previous: string | null): string {
  const pingKey = w.hex(11);
  const actor = project.admin.id;
  w.append(pingKeyStream(pingKey), [{ type: 'NameReserved', data: { ownerId: project.id, name: pingKey } }], { actor, at });
  w.append(projectStream(project.id), [{ type: 'ProjectPingKeyRotated', data: { projectId: project.id, pingKey, previousPingKey: previous, rotatedAt: at.toISOString() } }], { actor, at });
  if (previous !== null) w.append(pingKeyStream(previous), [{ type: 'NameReleased', data: { ownerId: project.id } }], { actor, at });
  return pingKey;
}

export function updateTask(w: HistoryWriter, at: Date, task: Task, changes: Partial<TaskDefinition>, actor: string): void {
  task.definition = { ...task.definition, ...changes };
  w.append(taskStream(task.id), [{ type: 'TaskUpdated', data: { taskId: task.id, projectId: task.project.id, ...task.definition, updatedAt: at.toISOString() } }], { actor, at });
  task.causationId = w.lastEventId();
}

export function setTaskStatus(w: HistoryWriter, at: Date, task: Task, status: 'ACTIVE' | 'DISABLED'): void {
  task.status = status;
  w.append(taskStream(task.id), [{ type: 'TaskStatusChanged', data: { taskId: task.id, projectId: task.project.id, status, updatedAt: at.toISOString() } }], { actor: task.project.admin.id, at });
  task.causationId = w.lastEventId();
}

export function setMemberAlerts(w: HistoryWriter, at: Date, project: Project, member: User, alerts: boolean): void {
  project.members.get(member.email)!.alerts = alerts;
  w.append(projectStream(project.id), [{ type: 'ProjectMemberAlertsSet', data: { projectId: project.id, email: member.email, alerts, at: at.toISOString() } }], { actor: member.id, at });
}

export function removeMember(w: HistoryWriter, at: Date, project: Project, email: string): void {
  project.members.delete(email);
  w.append(projectStream(project.id), [{ type: 'ProjectMemberRemoved', data: { projectId: project.id, email, at: at.toISOString() } }], { actor: project.admin.id, at });
}
