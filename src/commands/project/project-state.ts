import { memberGetsAlerts, type ProjectChanges, type ProjectEvent, type ProjectRole } from '../../events/project-events';
import { created } from '../shared/guards';

/** Every updatable setting, with its current value. */
export type ProjectSettings = Required<ProjectChanges>;

export interface Project {
  projectId: string;
  settings: ProjectSettings;
  /** By lowercased email. */
  members: Readonly<Record<string, ProjectRole>>;
  /** Members' own alert choices by email; a member without one gets their role's default (`memberGetsAlerts`). */
  alertChoices: Readonly<Record<string, boolean>>;
  apiKeys: Readonly<Record<string, { revoked: boolean }>>;
  statusPage: { enabled: boolean; taskIds: string[] };
  /** The key of its slug ping URLs, null until an admin makes one. */
  pingKey: string | null;
  deleted: boolean;
}

/** null until ProjectCreated. */
export type ProjectState = Project | null;

export const initialProjectState: ProjectState = null;

export function evolveProject(state: ProjectState, event: ProjectEvent): ProjectState {
  if (event.type === 'ProjectCreated') {
    const { projectId, name, description, executionEndpoint, timezone } = event.data;
    return {
      projectId,
      settings: { name, description, executionEndpoint, timezone, alertEmails: [], alertPolicy: null, alertWebhookUrl: null, retentionDays: null, overlapPolicy: null },
      members: {},
      alertChoices: {},
      apiKeys: {},
      statusPage: { enabled: false, taskIds: [] },
      pingKey: null,
      deleted: false,
    };
  }
  const project = created(state, event);
  switch (event.type) {
    case 'ProjectUpdated':
      return { ...project, settings: { ...project.settings, ...event.data.changes } };
    case 'ProjectMemberSet':
      return { ...project, members: { ...project.members, [event.data.email]: event.data.role } };
    case 'ProjectMemberAlertsSet':
      return { ...project, alertChoices: { ...project.alertChoices, [event.data.email]: event.data.alerts } };
    case 'ProjectMemberRemoved': {
      // A choice ends with the membership: someone added again starts from their role's default.
      const { [event.data.email]: _removed, ...members } = project.members;
      const { [event.data.email]: _choice, ...alertChoices } = project.alertChoices;
      return { ...project, members, alertChoices };
    }
    case 'ApiKeyCreated':
      return { ...project, apiKeys: { ...project.apiKeys, [event.data.keyId]: { revoked: false } } };
    case 'ApiKeyRevoked':
      return { ...project, apiKeys: { ...project.apiKeys, [event.data.keyId]: { revoked: true } } };
    case 'SigningSecretRotated':
    case 'PublicTokenRotated':
      return project;
    case 'StatusPageConfigured':
      return { ...project, statusPage: { enabled: event.data.enabled, taskIds: event.data.taskIds } };
    case 'ProjectPingKeyRotated':
      return { ...project, pingKey: event.data.pingKey };
    case 'ProjectDeleted':
      return { ...project, deleted: true };
    default:
      // Another writer's event type: this decider does not depend on it.
      return project;
  }
}

/** A member's role and whether they are mailed alerts; null when `email` (lowercased) is not a member. */
export function memberOf(project: Project, email: string): { role: ProjectRole; alerts: boolean } | null {
  const role = project.members[email];
  return role === undefined ? null : { role, alerts: memberGetsAlerts(role, project.alertChoices[email]) };
}
