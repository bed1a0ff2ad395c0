import { API_KEY_USAGE_EVENT_TYPES, type ApiKeyUsed } from '../events/api-key-usage-events';
import { isEventOf } from '../events/event';
import type { OverlapPolicy } from '../events/overlap-policy';
import { type AlertPolicy, type ApiKeyScope, memberGetsAlerts, PROJECT_EVENT_TYPES, type ProjectEvent, type ProjectRole } from '../events/project-events';
import { STREAM_CATEGORIES, streamPrefix } from '../events/streams';
import type { WriteOperation } from '../stores/read/read-store';
import type { Projection, ProjectionReader } from './projection';

/** Project documents as the API shows them (settings, members, keys), one per project. */
export const PROJECTS_PROJECTION = 'projects';
export const PROJECTS_COLLECTION = 'projects';

export interface ProjectMember {
  email: string;
  role: ProjectRole;
  /** Whether they are mailed the project's alerts: their own choice, else their role's default. */
  alerts: boolean;
  /** Their own choice (ProjectMemberAlertsSet); null: none made, `alerts` follows the role. */
  alertsChoice: boolean | null;
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
  /**
   * The latest recorded use (ApiKeyUsed): each server records a key's first use in every
   * API_KEY_USE_RECORD_INTERVAL_MS (src/auth/api-key-usage.ts), so the latest use may be up to that
   * much later. null: never used (or not since uses were recorded).
   */
  lastUsedAt: string | null;
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
  /** Set by ProjectUpdated (absent before: `allow`). */
  overlapPolicy?: OverlapPolicy | null;
  /** In the order they were added. */
  members: ProjectMember[];
  /** In the order they were created, revoked ones included. */
  apiKeys: ProjectApiKey[];
  createdBy: string;
  createdAt: string;
  /** Time (from the event data) of the latest change of any kind. */
  updatedAt: string;
  /** The random part of the public badge and status page URLs; absent until an admin makes one. */
  publicToken?: string;
  /** The public status page's settings; absent: off. */
  statusPage?: { enabled: boolean; taskIds: string[] };
  /** Revision of the project's stream this document reflects (its ETag); absent in older generations. */
  revision?: number;
  [key: string]: unknown;
}

export const projectsProjection: Projection = {
  name: PROJECTS_PROJECTION,
  // 2: API keys carry `lastUsedAt` (from ApiKeyUsed on `apikeyusage-<keyId>`).
  // 3: members carry `alerts` and `alertsChoice` (ProjectMemberAlertsSet).
  // 4: projects carry `revision` (of their own stream, for ETags).
  version: 4,
  readsMetadata: false,
  collections: [{ name: PROJECTS_COLLECTION, indexes: [{ fields: [['sortName', 1]] }] }],
  filter: { streamPrefixes: [STREAM_CATEGORIES.project, STREAM_CATEGORIES.apiKeyUsage].map(streamPrefix) },
  async handle(event, reader) {
    if (isEventOf<ProjectEvent>(PROJECT_EVENT_TYPES, event)) return atRevision(await handleProjectEvent(event, reader), event.revision);
    if (isEventOf<ApiKeyUsed>(API_KEY_USAGE_EVENT_TYPES, event)) return apiKeyUsed(event, reader);
    return [];
  },
};

/**
 * Uses are folded as the latest `at`: several servers record uses of one key, and their appends may
 * reach the store in another order than their times. A use of a key that is revoked (or of a deleted
 * project) is still a use; one of a key this model does not know changes nothing.
 */
async function apiKeyUsed(event: ApiKeyUsed, reader: ProjectionReader): Promise<WriteOperation[]> {
  const { projectId, keyId, at } = event.data;
  const project = await reader.get<ProjectDoc>(PROJECTS_COLLECTION, projectId);
  const key = project?.apiKeys.find((k) => k.id === keyId);
  if (!project || !key || (key.lastUsedAt !== null && Date.parse(key.lastUsedAt) >= Date.parse(at))) return [];
  // Not a change of the project: `updatedAt` stays.
  return [upsert({ ...project, apiKeys: withKey(project, keyId, { lastUsedAt: at }) })];
}

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
      const members = known
        ? withMember(project, email, (m) => ({ ...m, role, alerts: memberGetsAlerts(role, m.alertsChoice) }))
        : [...project.members, { email, role, alerts: memberGetsAlerts(role, null), alertsChoice: null }];
      return [upsert({ ...project, members, updatedAt: at })];
    }
    case 'ProjectMemberAlertsSet': {
      const { email, alerts, at } = event.data;
      return [upsert({ ...project, members: withMember(project, email, (m) => ({ ...m, alerts, alertsChoice: alerts })), updatedAt: at })];
    }
    case 'ProjectMemberRemoved': {
      const { email, at } = event.data;
      return [upsert({ ...project, members: project.members.filter((m) => m.email !== email), updatedAt: at })];
    }
    case 'ApiKeyCreated': {
      const { keyId, name, scope, prefix, createdAt } = event.data;
      const key: ProjectApiKey = { id: keyId, name, scope, prefix, createdAt, revoked: false, revokedAt: null, lastUsedAt: null };
      return [upsert({ ...project, apiKeys: [...project.apiKeys, key], updatedAt: createdAt })];
    }
    case 'ApiKeyRevoked': {
      const { keyId, revokedAt } = event.data;
      return [upsert({ ...project, apiKeys: withKey(project, keyId, { revoked: true, revokedAt }), updatedAt: revokedAt })];
    }
    case 'SigningSecretRotated':
      // The secret itself is for the dispatcher, never for a read model the API serves.
      return [upsert({ ...project, updatedAt: event.data.rotatedAt })];
    case 'PublicTokenRotated':
      // Kept here (unlike the signing secret): public requests find their project's settings by it.
      return [upsert({ ...project, publicToken: event.data.token, updatedAt: event.data.rotatedAt })];
    case 'StatusPageConfigured': {
      const { enabled, taskIds, at } = event.data;
      return [upsert({ ...project, statusPage: { enabled, taskIds }, updatedAt: at })];
    }
    case 'ProjectPingKeyRotated':
      // Read from the project's stream by the few who may see it (GET …/ping-key), like the signing secret.
      return [upsert({ ...project, updatedAt: event.data.rotatedAt })];
  }
}

/** Every document a project event writes reflects that event's revision of the project's stream. */
function atRevision(operations: WriteOperation[], revision: number): WriteOperation[] {
  return operations.map((op) => (op.op === 'upsert' ? { ...op, doc: { ...op.doc, revision } } : op));
}

function withMember(project: ProjectDoc, email: string, change: (member: ProjectMember) => ProjectMember): ProjectMember[] {
  return project.members.map((m) => (m.email === email ? change(m) : m));
}

function withKey(project: ProjectDoc, keyId: string, changes: Partial<ProjectApiKey>): ProjectApiKey[] {
  return project.apiKeys.map((k) => (k.id === keyId ? { ...k, ...changes } : k));
}

function upsert(doc: ProjectDoc): WriteOperation {
  return { op: 'upsert', collection: PROJECTS_COLLECTION, id: doc.id, doc };
}
