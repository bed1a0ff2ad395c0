import { isEventOf } from '../events/event';
import { type AlertPolicy, type ApiKeyScope, PROJECT_EVENT_TYPES, type ProjectEvent, type ProjectRole } from '../events/project-events';
import { streamPrefix } from '../events/streams';
import type { WriteOperation } from '../stores/read/read-store';
import type { Projection, ProjectionReader } from './projection';

/** Project documents as the API shows them (settings, members, keys), one per project. */
export const PROJECTS_PROJECTION = 'projects';
export const PROJECTS_COLLECTION = 'projects';

export interface ProjectMember {
  email: string;
  role: ProjectRole;
}

/** What lists show of a key: never the key or its hash. */
export interface ProjectApiKey {
  id: string;
  name: string;
  scope: ApiKeyScope;
  prefix: string;
  createdAt: string;
  revoked: boolean;
  revokedAt: string | null;
}

export interface ProjectDoc {
  id: string;
  name: string;
  /** Lowercased name, to list projects in alphabetical order. */
  sortName: string;
  description: string | null;
  executionEndpoint: string | null;
  timezone: string;
  alertEmails: string[];
  alertPolicy: AlertPolicy | null;
  retentionDays: number | null;
  /** In the order they were added. */
  members: ProjectMember[];
  /** In the order they were created, revoked ones included. */
  apiKeys: ProjectApiKey[];
  createdBy: string;
  createdAt: string;
  /** Time (from the event data) of the latest change of any kind. */
  updatedAt: string;
  [key: string]: unknown;
}

export const projectsProjection: Projection = {
  name: PROJECTS_PROJECTION,
  version: 1,
  collections: [{ name: PROJECTS_COLLECTION, indexes: [{ fields: [['sortName', 1]] }] }],
  filter: { streamPrefixes: [streamPrefix('project')] },
  async handle(event, reader) {
    if (!isEventOf<ProjectEvent>(PROJECT_EVENT_TYPES, event)) return [];
    return handleProjectEvent(event, reader);
  },
};

async function handleProjectEvent(event: ProjectEvent, reader: ProjectionReader): Promise<WriteOperation[]> {
  const { projectId } = event.data;
  if (event.type === 'ProjectCreated') {
    const { name, description, executionEndpoint, timezone, createdBy, createdAt } = event.data;
    const doc: ProjectDoc = {
      id: projectId,
      name,
      sortName: name.toLowerCase(),
      description,
      executionEndpoint,
      timezone,
      alertEmails: [],
      alertPolicy: null,
      retentionDays: null,
      members: [],
      apiKeys: [],
      createdBy,
      createdAt,
      updatedAt: createdAt,
    };
    return [upsert(doc)];
  }
  if (event.type === 'ProjectDeleted') return [{ op: 'delete', collection: PROJECTS_COLLECTION, id: projectId }];
  const project = await reader.get<ProjectDoc>(PROJECTS_COLLECTION, projectId);
  if (!project) return [];
  switch (event.type) {
    case 'ProjectUpdated': {
      const { changes, updatedAt } = event.data;
      const sortName = changes.name === undefined ? project.sortName : changes.name.toLowerCase();
      return [upsert({ ...project, ...changes, sortName, updatedAt })];
    }
    case 'ProjectMemberSet': {
      const { email, role, at } = event.data;
      const known = project.members.some((m) => m.email === email);
      const members = known ? project.members.map((m) => (m.email === email ? { email, role } : m)) : [...project.members, { email, role }];
      return [upsert({ ...project, members, updatedAt: at })];
    }
    case 'ProjectMemberRemoved': {
      const { email, at } = event.data;
      return [upsert({ ...project, members: project.members.filter((m) => m.email !== email), updatedAt: at })];
    }
    case 'ApiKeyCreated': {
      const { keyId, name, scope, prefix, createdAt } = event.data;
      const key: ProjectApiKey = { id: keyId, name, scope, prefix, createdAt, revoked: false, revokedAt: null };
      return [upsert({ ...project, apiKeys: [...project.apiKeys, key], updatedAt: createdAt })];
    }
    case 'ApiKeyRevoked': {
      const { keyId, revokedAt } = event.data;
      const apiKeys = project.apiKeys.map((k) => (k.id === keyId ? { ...k, revoked: true, revokedAt } : k));
      return [upsert({ ...project, apiKeys, updatedAt: revokedAt })];
    }
    case 'SigningSecretRotated':
      // The secret itself is for the dispatcher, never for a read model the API serves.
      return [upsert({ ...project, updatedAt: event.data.rotatedAt })];
  }
}

function upsert(doc: ProjectDoc): WriteOperation {
  return { op: 'upsert', collection: PROJECTS_COLLECTION, id: doc.id, doc };
}
