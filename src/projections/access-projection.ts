import { isEventOf } from '../events/event';
import { PROJECT_EVENT_TYPES, type ApiKeyScope, type ProjectEvent, type ProjectRole } from '../events/project-events';
import { streamPrefix } from '../events/streams';
import { USER_EVENT_TYPES, type UserEvent } from '../events/user-events';
import type { Filter, WriteOperation } from '../stores/read/read-store';
import type { Projection, ProjectionReader } from './projection';

/**
 * The authentication and authorisation read model: who can log in, which credentials are valid, who is
 * a member of what. Everything the PrincipalResolver and ProjectAccess read on every request.
 */
export const ACCESS_PROJECTION = 'access';

export const ACCESS_COLLECTIONS = {
  users: 'users',
  /** By session id; looked up by token hash. */
  sessions: 'sessions',
  /** By key id; looked up by key hash. */
  apiKeys: 'apikeys',
  /** By token hash: every link ever sent, so a replaced link can be told from an unknown one. */
  invitations: 'invitations',
  /** By `<projectId>|<email>`; members are emails, so an invited person is a member before having a password. */
  memberships: 'memberships',
  /** One document (LATEST_REVOCATION): the latest event that may have taken access away from anyone. */
  revocations: 'revocations',
} as const;

export const LATEST_REVOCATION = 'latest';

/**
 * What every server compares to learn, with one read by id, that some credential or membership may have
 * lost access since it last looked (src/auth/revocation-watch.ts): cached API keys are then looked up
 * again and open live streams checked again.
 */
export interface RevocationDoc {
  id: typeof LATEST_REVOCATION;
  /** `$all` position of the event: it only grows, and a rebuild gives the same. */
  position: number;
  type: string;
  [key: string]: unknown;
}

/** Events after which a credential or a membership may allow less than before. */
const REVOKING_EVENT_TYPES: ReadonlySet<string> = new Set([
  'UserUpdated',
  'PasswordChanged',
  'UserSessionsRevoked',
  'UserLoggedOut',
  'ProjectMemberSet',
  'ProjectMemberRemoved',
  'ApiKeyRevoked',
  'ProjectDeleted',
]);

export interface UserDoc {
  id: string;
  email: string;
  /** null for an invited person who has not accepted yet (and gave no name). */
  name: string | null;
  superAdmin: boolean;
  disabled: boolean;
  status: 'active' | 'invited';
  /** null until the invitation is accepted. */
  passwordHash: string | null;
  /** The latest invitation link (its hash), for an invited account. */
  inviteTokenHash: string | null;
  createdAt: string;
  updatedAt: string;
  [key: string]: unknown;
}

export interface SessionDoc {
  id: string;
  userId: string;
  tokenHash: string;
  expiresAt: string;
  createdAt: string;
  [key: string]: unknown;
}

export interface ApiKeyDoc {
  id: string;
  projectId: string;
  hash: string;
  scope: ApiKeyScope;
  revoked: boolean;
  [key: string]: unknown;
}

export interface InvitationDoc {
  id: string;
  userId: string;
  email: string;
  projectId: string;
  role: ProjectRole;
  expiresAt: string;
  invitedAt: string;
  accepted: boolean;
  [key: string]: unknown;
}

export interface MembershipDoc {
  id: string;
  projectId: string;
  email: string;
  role: ProjectRole;
  [key: string]: unknown;
}

export function membershipId(projectId: string, email: string): string {
  return `${projectId}|${email}`;
}

const C = ACCESS_COLLECTIONS;

/**
 * Indexes are not unique on purpose: uniqueness is guaranteed on the write side (reservation streams,
 * random secrets), and a projection must never get stuck on an event the store has accepted.
 */
export const accessProjection: Projection = {
  name: ACCESS_PROJECTION,
  // 2: sessions end with UserSessionsRevoked; the revocations marker.
  version: 2,
  readsMetadata: false,
  collections: [
    { name: C.users, indexes: [{ fields: [['email', 1]] }, { fields: [['superAdmin', 1], ['disabled', 1]] }] },
    { name: C.sessions, indexes: [{ fields: [['tokenHash', 1]] }, { fields: [['userId', 1]] }] },
    { name: C.apiKeys, indexes: [{ fields: [['hash', 1]] }, { fields: [['projectId', 1]] }] },
    { name: C.invitations, indexes: [{ fields: [['userId', 1]] }] },
    { name: C.memberships, indexes: [{ fields: [['email', 1]] }, { fields: [['projectId', 1]] }] },
    { name: C.revocations, indexes: [] },
  ],
  filter: { streamPrefixes: [streamPrefix('user'), streamPrefix('project')] },
  async handle(event, reader) {
    const operations = isEventOf<UserEvent>(USER_EVENT_TYPES, event)
      ? await handleUserEvent(event, reader)
      : isEventOf<ProjectEvent>(PROJECT_EVENT_TYPES, event)
        ? handleProjectEvent(event)
        : [];
    if (!REVOKING_EVENT_TYPES.has(event.type)) return operations;
    const marker: RevocationDoc = { id: LATEST_REVOCATION, position: event.position, type: event.type };
    return [...operations, { op: 'upsert', collection: C.revocations, id: LATEST_REVOCATION, doc: marker }];
  },
};

async function handleUserEvent(event: UserEvent, reader: ProjectionReader): Promise<WriteOperation[]> {
  switch (event.type) {
    case 'UserRegistered': {
      const { userId, email, name, passwordHash, superAdmin, createdAt } = event.data;
      const doc: UserDoc = {
        id: userId,
        email,
        name,
        superAdmin,
        disabled: false,
        status: 'active',
        passwordHash,
        inviteTokenHash: null,
        createdAt,
        updatedAt: createdAt,
      };
      return [{ op: 'upsert', collection: C.users, id: userId, doc }];
    }
    case 'UserInvited': {
      const { userId, email, projectId, role, inviteTokenHash, expiresAt, invitedAt } = event.data;
      const existing = await reader.get<UserDoc>(C.users, userId);
      const user: UserDoc = existing
        ? { ...existing, inviteTokenHash, updatedAt: invitedAt }
        : {
            id: userId,
            email,
            name: null,
            superAdmin: false,
            disabled: false,
            status: 'invited',
            passwordHash: null,
            inviteTokenHash,
            createdAt: invitedAt,
            updatedAt: invitedAt,
          };
      const invitation: InvitationDoc = { id: inviteTokenHash, userId, email, projectId, role, expiresAt, invitedAt, accepted: false };
      return [
        { op: 'upsert', collection: C.users, id: userId, doc: user },
        { op: 'upsert', collection: C.invitations, id: inviteTokenHash, doc: invitation },
      ];
    }
    case 'InvitationAccepted': {
      const { userId, name, passwordHash, at } = event.data;
      const user = await reader.get<UserDoc>(C.users, userId);
      if (!user) return [];
      const ops: WriteOperation[] = [
        {
          op: 'set',
          collection: C.users,
          id: userId,
          fields: { status: 'active', name: name ?? user.name, passwordHash, updatedAt: at },
        },
      ];
      if (user.inviteTokenHash) ops.push({ op: 'set', collection: C.invitations, id: user.inviteTokenHash, fields: { accepted: true } });
      return ops;
    }
    case 'UserUpdated': {
      const { userId, changes, updatedAt } = event.data;
      return [{ op: 'set', collection: C.users, id: userId, fields: { ...changes, updatedAt } }];
    }
    case 'PasswordChanged':
      return [{ op: 'set', collection: C.users, id: event.data.userId, fields: { passwordHash: event.data.passwordHash, updatedAt: event.data.at } }];
    case 'UserLoggedIn': {
      const { userId, sessionId, tokenHash, expiresAt, at } = event.data;
      const session: SessionDoc = { id: sessionId, userId, tokenHash, expiresAt, createdAt: at };
      return [{ op: 'upsert', collection: C.sessions, id: sessionId, doc: session }];
    }
    case 'UserLoggedOut':
      return [{ op: 'delete', collection: C.sessions, id: event.data.sessionId }];
    case 'UserSessionsRevoked': {
      const { userId, keptSessionId } = event.data;
      const filter: Filter = keptSessionId === null ? { userId } : { userId, id: { $ne: keptSessionId } };
      return [{ op: 'deleteMany', collection: C.sessions, filter }];
    }
  }
}

function handleProjectEvent(event: ProjectEvent): WriteOperation[] {
  switch (event.type) {
    case 'ProjectMemberSet': {
      const { projectId, email, role } = event.data;
      const id = membershipId(projectId, email);
      const doc: MembershipDoc = { id, projectId, email, role };
      return [{ op: 'upsert', collection: C.memberships, id, doc }];
    }
    case 'ProjectMemberRemoved':
      return [{ op: 'delete', collection: C.memberships, id: membershipId(event.data.projectId, event.data.email) }];
    case 'ApiKeyCreated': {
      const { projectId, keyId, hash, scope } = event.data;
      const doc: ApiKeyDoc = { id: keyId, projectId, hash, scope, revoked: false };
      return [{ op: 'upsert', collection: C.apiKeys, id: keyId, doc }];
    }
    case 'ApiKeyRevoked':
      return [{ op: 'set', collection: C.apiKeys, id: event.data.keyId, fields: { revoked: true } }];
    case 'ProjectDeleted': {
      // A deleted project has no members and its keys stop working.
      const { projectId } = event.data;
      return [
        { op: 'deleteMany', collection: C.memberships, filter: { projectId } },
        { op: 'deleteMany', collection: C.apiKeys, filter: { projectId } },
      ];
    }
    case 'ProjectCreated':
    case 'ProjectUpdated':
    case 'ProjectMemberAlertsSet':
    case 'SigningSecretRotated':
    case 'PublicTokenRotated':
    case 'StatusPageConfigured':
    case 'ProjectPingKeyRotated':
      return [];
  }
}
