import type { ApiKeyScope, ProjectRole } from '../events/project-events';

/** Who is calling: a signed-in user or a project API key. */
export type Principal = UserPrincipal | ApiKeyPrincipal;

export interface UserPrincipal {
  kind: 'user';
  userId: string;
  email: string;
  name: string;
  superAdmin: boolean;
  sessionId: string;
}

export interface ApiKeyPrincipal {
  kind: 'apiKey';
  keyId: string;
  projectId: string;
  scope: ApiKeyScope;
}

/**
 * The credential behind a principal, without the rights it had: a session or a key. Stream tokens carry
 * it, and a principal is one, so what it may do is always read again where it is used.
 */
export type CredentialRef = Pick<UserPrincipal, 'kind' | 'userId' | 'sessionId'> | Pick<ApiKeyPrincipal, 'kind' | 'keyId'>;

/** Finds the principal behind a credential; null when it is unknown, expired or revoked. */
export interface PrincipalResolver {
  bySessionToken(token: string): Promise<UserPrincipal | null>;
  byApiKey(key: string): Promise<ApiKeyPrincipal | null>;
  /** The principal of a session or key as it stands now (its flags current); null once it ended or was revoked. */
  current(credential: CredentialRef): Promise<Principal | null>;
  /**
   * Changes whenever a credential or a membership may have lost access (read from the store at most
   * every REVOCATION_CHECK_MS): whoever holds a principal for longer checks it again when it moves.
   */
  latestRevocation(): number | Promise<number>;
  /** Drops a key from any cache at once (after a revoke in this process). */
  forgetApiKey(keyId: string): void;
}

/**
 * What a caller may do in a project:
 * - read: viewer role, or a `read`/`write` key;
 * - report: report on executions (logs, status, finish, runs, claim): any key of the project, editors;
 * - edit: tasks, groups, trigger, cancel: editor role, or a `write` key;
 * - admin: members, keys, settings, delete: admin role (never a key).
 */
export type ProjectPermission = 'read' | 'report' | 'edit' | 'admin';

/** Checks a principal's permission in a project. Throws NotFoundError (not a member: the project is not
 * revealed), ForbiddenError (member or key without the permission). */
export interface ProjectAccess {
  require(principal: Principal, projectId: string, permission: ProjectPermission): Promise<void>;
  roleOf(principal: Principal, projectId: string): Promise<ProjectRole | null>;
}
