import { ALERT_CHANNEL_EVENT_TYPES, type AlertChannelConfig, type AlertChannelEvent } from '../../events/alert-channel-events';
import type { AlertTriggerStatus } from '../../events/alert-events';
import { EXECUTION_EVENT_TYPES, type ExecutionEvent, missedReason, overlapReason } from '../../events/execution-events';

const FAILURE_STATUS: Record<'ExecutionFailed' | 'ExecutionTimedOut' | 'ExecutionMissed' | 'ExecutionSkipped', AlertTriggerStatus> = {
  ExecutionFailed: 'FAILED',
  ExecutionTimedOut: 'TIMED_OUT',
  ExecutionMissed: 'MISSED',
  ExecutionSkipped: 'SKIPPED',
};
import { isEventOf } from '../../events/event';
import { type AlertPolicy, memberGetsAlerts, PROJECT_EVENT_TYPES, type ProjectEvent, type ProjectRole } from '../../events/project-events';
import { TASK_EVENT_TYPES, type TaskEvent } from '../../events/task-events';
import { USER_EVENT_TYPES, type UserEvent } from '../../events/user-events';
import type { RecordedEvent } from '../../stores/events/event-store';

/** The installation's policy, for projects without one (DESIGN.md: after 1 failure, recovery notice, no re-alert). */
export const DEFAULT_ALERT_POLICY: AlertPolicy = { afterFailures: 1, notifyRecovery: true, realertMinutes: null };

export interface ProjectInfo {
  name: string;
  alertEmails: string[];
  alertPolicy: AlertPolicy | null;
  alertWebhookUrl: string | null;
  signingSecret: string | null;
  /** The secret before the last rotation, valid until `previousSecretValidUntil` (ms). */
  previousSecret: string | null;
  previousSecretValidUntil: number | null;
  /** By lowercased email, in the order they were added. */
  members: Map<string, ProjectRole>;
  /** Members' own alert choices (ProjectMemberAlertsSet); without one, a member gets their role's default. */
  alertChoices: Map<string, boolean>;
  /** The vendor channels (Slack, Teams, …) by channel id, in the order they were added. */
  channels: Map<string, AlertChannelConfig>;
  deleted: boolean;
}

export interface TaskInfo {
  projectId: string;
  /** For maintenance windows that cover a group. */
  groupId: string | null;
  name: string;
  alertPolicy: AlertPolicy | null;
  /** PENDING_DELETE or deleted: no more alerts. */
  going: boolean;
  /** Failures in a row, in `$all` order; a success resets it, a cancel leaves it. */
  consecutiveFailures: number;
  lastEndedExecution: string | null;
}

/** An execution's end that may concern alerts. */
export type ExecutionEnd =
  | { outcome: 'failure'; status: AlertTriggerStatus; taskId: string; projectId: string; executionId: string; endedAt: string; error: string | null; consecutiveFailures: number }
  | { outcome: 'success'; taskId: string; projectId: string; executionId: string; endedAt: string };

type Entries<M> = M extends Map<infer K, infer V> ? Array<[K, V]> : never;

interface DirectorySnapshot {
  projects: Array<[string, Omit<ProjectInfo, 'members' | 'alertChoices' | 'channels'> & { [K in 'members' | 'alertChoices' | 'channels']: Entries<ProjectInfo[K]> }]>;
  tasks: Array<[string, TaskInfo]>;
  userEmails: Array<[string, string]>;
  disabledEmails: string[];
}

/**
 * What the alerts manager knows of projects, tasks and accounts, rebuilt from events at every start
 * (never from read models, so it is consistent with the position being processed).
 */
export class AlertDirectory {
  readonly projects = new Map<string, ProjectInfo>();
  readonly tasks = new Map<string, TaskInfo>();
  private readonly userEmails = new Map<string, string>();
  private readonly disabledEmails = new Set<string>();

  /** Everything folded, as JSON (the alerts manager's snapshot): a project's maps as entry lists, in order. */
  snapshot(): DirectorySnapshot {
    return {
      projects: [...this.projects].map(([projectId, project]) => [
        projectId,
        { ...project, members: [...project.members], alertChoices: [...project.alertChoices], channels: [...project.channels] },
      ]),
      tasks: [...this.tasks],
      userEmails: [...this.userEmails],
      disabledEmails: [...this.disabledEmails],
    };
  }

  restore(state: DirectorySnapshot): void {
    for (const [projectId, project] of state.projects) {
      this.projects.set(projectId, { ...project, members: new Map(project.members), alertChoices: new Map(project.alertChoices), channels: new Map(project.channels) });
    }
    for (const [taskId, task] of state.tasks) this.tasks.set(taskId, task);
    for (const [userId, email] of state.userEmails) this.userEmails.set(userId, email);
    for (const email of state.disabledEmails) this.disabledEmails.add(email);
  }

  /** Folds one event; returns the execution's end when the event ended one. */
  apply(event: RecordedEvent): ExecutionEnd | null {
    if (isEventOf<ExecutionEvent>(EXECUTION_EVENT_TYPES, event)) return this.applyExecution(event);
    if (isEventOf<ProjectEvent>(PROJECT_EVENT_TYPES, event)) this.applyProject(event);
    else if (isEventOf<TaskEvent>(TASK_EVENT_TYPES, event)) this.applyTask(event);
    else if (isEventOf<UserEvent>(USER_EVENT_TYPES, event)) this.applyUser(event);
    else if (isEventOf<AlertChannelEvent>(ALERT_CHANNEL_EVENT_TYPES, event)) this.applyChannel(event);
    return null;
  }

  policyOf(taskId: string): AlertPolicy {
    const task = this.tasks.get(taskId);
    const project = task && this.projects.get(task.projectId);
    return task?.alertPolicy ?? project?.alertPolicy ?? DEFAULT_ALERT_POLICY;
  }

  /** The secrets a webhook is signed with at `nowMs`: the current one, then the previous one during its grace period. */
  signingSecrets(projectId: string, nowMs: number): string[] {
    const project = this.projects.get(projectId);
    if (!project?.signingSecret) return [];
    const { previousSecret, previousSecretValidUntil } = project;
    const previousValid = previousSecret !== null && previousSecretValidUntil !== null && previousSecretValidUntil > nowMs;
    return previousValid ? [project.signingSecret, previousSecret] : [project.signingSecret];
  }

  /**
   * `alert_emails` first, then the members who get alerts (their own choice, else admins only), except
   * accounts disabled by a super admin; lowercased, without duplicates.
   */
  recipients(projectId: string): string[] {
    const project = this.projects.get(projectId);
    if (!project) return [];
    const members = [...project.members]
      .filter(([email, role]) => memberGetsAlerts(role, project.alertChoices.get(email)) && !this.disabledEmails.has(email))
      .map(([email]) => email);
    return [...new Set([...project.alertEmails.map((e) => e.toLowerCase()), ...members])];
  }

  private applyExecution(event: ExecutionEvent): ExecutionEnd | null {
    const { taskId, projectId, executionId } = event.data;
    const task = this.tasks.get(taskId);
    const ended = (): boolean => {
      // The execution decider never ends an execution twice; a duplicate (as the original wrote) is not counted again.
      if (!task || task.lastEndedExecution === executionId) return false;
      task.lastEndedExecution = executionId;
      return true;
    };
    switch (event.type) {
      case 'ExecutionSucceeded':
        if (!ended()) return null;
        task!.consecutiveFailures = 0;
        return { outcome: 'success', taskId, projectId, executionId, endedAt: event.data.at };
      case 'ExecutionFailed':
      case 'ExecutionTimedOut':
      case 'ExecutionMissed':
      case 'ExecutionSkipped': {
        // A skipped tick is a run that did not happen (usually because the previous one hangs): it alerts like a failure.
        if (!ended()) return null;
        task!.consecutiveFailures++;
        const status = FAILURE_STATUS[event.type];
        const error =
          event.type === 'ExecutionFailed'
            ? event.data.error
            : event.type === 'ExecutionTimedOut'
              ? `No result within the timeout of ${event.data.timeoutSeconds} seconds`
              : event.type === 'ExecutionSkipped'
                ? overlapReason(event.data)
                : missedReason(event.data);
        return { outcome: 'failure', status, taskId, projectId, executionId, endedAt: event.data.at, error, consecutiveFailures: task!.consecutiveFailures };
      }
      case 'ExecutionAttemptFailed': {
        // Retries alert when the attempts are exhausted (the final ExecutionFailed/TimedOut above), unless
        // the policy says every attempt: then each failed attempt counts as a failure.
        const { attempt, outcome, at, error, alert } = event.data;
        if (alert !== 'every_attempt' || !task || task.lastEndedExecution === `${executionId}#${attempt}`) return null;
        task.lastEndedExecution = `${executionId}#${attempt}`;
        task.consecutiveFailures++;
        const status = outcome === 'TIMED_OUT' ? 'TIMED_OUT' : 'FAILED';
        const text = `Attempt ${attempt} failed (${outcome}${error ? `: ${error}` : ''}); next attempt at ${event.data.retryAt}`;
        return { outcome: 'failure', status, taskId, projectId, executionId, endedAt: at, error: text, consecutiveFailures: task.consecutiveFailures };
      }
      default:
        return null;
    }
  }

  private applyProject(event: ProjectEvent): void {
    const { projectId } = event.data;
    if (event.type === 'ProjectCreated') {
      this.projects.set(projectId, {
        name: event.data.name,
        alertEmails: [],
        alertPolicy: null,
        alertWebhookUrl: null,
        signingSecret: null,
        previousSecret: null,
        previousSecretValidUntil: null,
        members: new Map(),
        alertChoices: new Map(),
        channels: new Map(),
        deleted: false,
      });
      return;
    }
    const project = this.projects.get(projectId);
    if (!project) return;
    switch (event.type) {
      case 'ProjectUpdated': {
        const { changes } = event.data;
        if (changes.name !== undefined) project.name = changes.name;
        if (changes.alertEmails !== undefined) project.alertEmails = changes.alertEmails;
        if (changes.alertPolicy !== undefined) project.alertPolicy = changes.alertPolicy;
        if (changes.alertWebhookUrl !== undefined) project.alertWebhookUrl = changes.alertWebhookUrl;
        break;
      }
      case 'ProjectMemberSet':
        project.members.set(event.data.email, event.data.role);
        break;
      case 'ProjectMemberAlertsSet':
        project.alertChoices.set(event.data.email, event.data.alerts);
        break;
      case 'ProjectMemberRemoved':
        project.members.delete(event.data.email);
        project.alertChoices.delete(event.data.email);
        break;
      case 'SigningSecretRotated': {
        const until = event.data.previousSecretValidUntil;
        project.previousSecret = project.signingSecret;
        project.previousSecretValidUntil = until === null ? null : Date.parse(until);
        project.signingSecret = event.data.secret;
        break;
      }
      case 'ProjectDeleted':
        project.deleted = true;
        break;
      default:
        break;
    }
  }

  private applyChannel(event: AlertChannelEvent): void {
    const project = this.projects.get(event.data.projectId);
    if (!project) return;
    if (event.type === 'AlertChannelSet') project.channels.set(event.data.channelId, event.data.channel);
    else project.channels.delete(event.data.channelId);
  }

  /** The project's channel as it is now; null when removed (its pending deliveries are given up). */
  channel(projectId: string, channelId: string): AlertChannelConfig | null {
    return this.projects.get(projectId)?.channels.get(channelId) ?? null;
  }

  private applyTask(event: TaskEvent): void {
    const { taskId } = event.data;
    switch (event.type) {
      case 'TaskCreated':
        this.tasks.set(taskId, {
          projectId: event.data.projectId,
          groupId: event.data.taskGroupId,
          name: event.data.name,
          alertPolicy: event.data.alertPolicy,
          going: false,
          consecutiveFailures: 0,
          lastEndedExecution: null,
        });
        return;
      case 'TaskUpdated': {
        const task = this.tasks.get(taskId);
        if (task) {
          task.name = event.data.name;
          task.groupId = event.data.taskGroupId;
          task.alertPolicy = event.data.alertPolicy;
        }
        return;
      }
      case 'TaskDeletionRequested': {
        const task = this.tasks.get(taskId);
        if (task) task.going = true;
        return;
      }
      case 'TaskDeletionFailed': {
        // The task stays (DELETE_FAILED) until a new request: it keeps alerting meanwhile.
        const task = this.tasks.get(taskId);
        if (task) task.going = false;
        return;
      }
      case 'TaskDeleted':
        this.tasks.delete(taskId);
        return;
      default:
        return;
    }
  }

  private applyUser(event: UserEvent): void {
    switch (event.type) {
      case 'UserRegistered':
      case 'UserInvited':
        this.userEmails.set(event.data.userId, event.data.email.toLowerCase());
        return;
      case 'UserUpdated': {
        const email = this.userEmails.get(event.data.userId);
        const { disabled } = event.data.changes;
        if (email === undefined || disabled === undefined) return;
        if (disabled) this.disabledEmails.add(email);
        else this.disabledEmails.delete(email);
        return;
      }
      default:
        return;
    }
  }
}
