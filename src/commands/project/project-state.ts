import type { ProjectChanges, ProjectEvent, ProjectRole } from '../../events/project-events';
import { created } from '../shared/guards';

/** Every updatable setting, with its current value. */
export type ProjectSettings = Required<ProjectChanges>;

export interface Project {
  projectId: string;
  settings: ProjectSettings;
  /** By lowercased email. */
  members: Readonly<Record<string, ProjectRole>>;
  apiKeys: Readonly<Record<string, { revoked: boolean }>>;
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
      settings: { name, description, executionEndpoint, timezone, alertEmails: [], alertPolicy: null, alertWebhookUrl: null, retentionDays: null },
      members: {},
      apiKeys: {},
      deleted: false,
    };
  }
  const project = created(state, event);
  switch (event.type) {
    case 'ProjectUpdated':
      return { ...project, settings: { ...project.settings, ...event.data.changes } };
    case 'ProjectMemberSet':
      return { ...project, members: { ...project.members, [event.data.email]: event.data.role } };
    case 'ProjectMemberRemoved': {
      const { [event.data.email]: _removed, ...members } = project.members;
      return { ...project, members };
    }
    case 'ApiKeyCreated':
      return { ...project, apiKeys: { ...project.apiKeys, [event.data.keyId]: { revoked: false } } };
    case 'ApiKeyRevoked':
      return { ...project, apiKeys: { ...project.apiKeys, [event.data.keyId]: { revoked: true } } };
    case 'SigningSecretRotated':
      return project;
    case 'ProjectDeleted':
      return { ...project, deleted: true };
    default:
      // Another writer's event type: this decider does not depend on it.
      return project;
  }
}
