import { maskUrlsIn } from '../config/mask-url';

/**
 * One line saying what an administrative event did, for the project audit view. Built from the
 * event's own data only (a rebuild says the same). It names things and fields, never values that may be
 * secret (keys, signing secrets, endpoint URLs) nor delivery details (errors, responses), which some
 * readers may not see: those stay in the event's data, where the answer shows or hides them.
 */
type Data = Record<string, unknown>;

const short = (id: unknown): string => (typeof id === 'string' ? id.slice(0, 8) : '?');
const named = (name: unknown): string => (typeof name === 'string' ? `“${name}”` : '');

const SUMMARIES: Record<string, (d: Data) => string> = {
  ProjectCreated: (d) => `Project ${named(d.name)} created`,
  ProjectUpdated: (d) => `Project settings changed: ${Object.keys((d.changes as Data | undefined) ?? {}).join(', ') || 'none'}`,
  ProjectMemberSet: (d) => `Member ${String(d.email)} set to ${String(d.role)}`,
  ProjectMemberAlertsSet: (d) => `Member ${String(d.email)} turned alert mails ${d.alerts ? 'on' : 'off'}`,
  ProjectMemberRemoved: (d) => `Member ${String(d.email)} removed`,
  ApiKeyCreated: (d) => `API key ${named(d.name)} (${String(d.scope)}) created`,
  ApiKeyRevoked: (d) => `API key ${short(d.keyId)} revoked`,
  SigningSecretRotated: () => 'Signing secret rotated',
  PublicTokenRotated: () => 'Public badge and status page links replaced',
  StatusPageConfigured: (d) => `Public status page turned ${d.enabled ? 'on' : 'off'} (${Array.isArray(d.taskIds) ? d.taskIds.length : 0} tasks)`,
  ProjectPingKeyRotated: (d) => (d.previousPingKey === null ? 'Ping key created' : 'Ping key replaced'),
  AlertChannelSet: (d) => `Alert channel ${String(d.channelId)} set (${String((d.channel as Data | undefined)?.type)})`,
  AlertChannelRemoved: (d) => `Alert channel ${String(d.channelId)} removed`,
  CalendarSet: (d) => `Calendar ${String(d.calendarId)} set (${String((d.calendar as Data | undefined)?.name)})`,
  CalendarRemoved: (d) => `Calendar ${String(d.calendarId)} removed`,
  MaintenanceWindowSet: (d) => `Maintenance window ${String(d.windowId)} set (${String((d.window as Data | undefined)?.effect)})`,
  MaintenanceWindowRemoved: (d) => `Maintenance window ${String(d.windowId)} removed`,
  ProjectDeleted: () => 'Project deleted',
  ProjectTaskDeleted: (d) => `Task ${named(d.name)} deleted`,
  TaskCreated: (d) => `Task ${named(d.name)} created`,
  TaskUpdated: (d) => `Task ${named(d.name)} updated`,
  TaskStatusChanged: (d) => `Task ${short(d.taskId)} set to ${String(d.status)}`,
  TaskDeletionRequested: (d) => `Deletion of task ${short(d.taskId)} requested`,
  TaskDeletionFailed: (d) => `Deletion of task ${short(d.taskId)} failed`,
  TaskDeleted: (d) => `Task ${short(d.taskId)} deleted`,
  TaskPingUrlAssigned: (d) => `Task ${short(d.taskId)} given its ping URL`,
  TaskGroupCreated: (d) => `Group ${named(d.name)} created`,
  TaskGroupUpdated: (d) => `Group ${named(d.name)} updated`,
  TaskGroupStarted: (d) => `Group ${short(d.groupId)} started by hand`,
  TaskGroupStopped: (d) => `Group ${short(d.groupId)} stopped by hand`,
  TaskGroupDeleted: (d) => `Group ${short(d.groupId)} deleted (${String(d.mode)})`,
  AlertIncidentOpened: (d) => `Incident opened for task ${short(d.taskId)}: ${String(d.status)}`,
  AlertIncidentResolved: (d) => `Incident of task ${short(d.taskId)} resolved`,
  AlertSendIntended: (d) => `${String(d.kind)} alert by ${String(d.channel)} to send`,
  AlertSendRetrying: (d) => `Alert by ${String(d.channel)} retried (attempt ${String(d.attempt)})`,
  AlertSent: (d) => `Alert by ${String(d.channel)} sent`,
  AlertSendFailed: (d) => `Alert by ${String(d.channel)} failed${d.retryAt === null ? ', given up' : ''}`,
  AlertNotSent: (d) => `${String(d.kind)} alert by ${String(d.channel)} not sent: ${String(d.reason)}`,
  TaskDeletionStarted: (d) => `Deleting task ${named(d.taskName)} (attempt ${String(d.attempt)})`,
  DeletionStepCompleted: (d) => `Deletion step ${String(d.step)} done`,
  DeletionStepFailed: (d) => `Deletion step ${String(d.step)} failed`,
  TaskDeletionAbandoned: (d) => `Deletion abandoned at step ${String(d.step)}`,
  TaskDeletionCompleted: (d) => `Task ${named(d.taskName)} deleted with ${String(d.executionsPurged)} executions`,
  TaskPurgeRequested: (d) => `Read models told to forget task ${short(d.taskId)}`,
  RetentionApplied: (d) => `Retention of ${String(d.retentionDays)} days removed ${String(d.executionsRemoved)} executions`,
};

export function auditSummary(type: string, data: unknown): string {
  const summarize = Object.hasOwn(SUMMARIES, type) ? SUMMARIES[type] : undefined;
  const text = summarize && typeof data === 'object' && data !== null ? summarize(data as Data) : type;
  return maskUrlsIn(text).slice(0, 200);
}
