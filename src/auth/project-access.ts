import { ForbiddenError, NotFoundError } from '../errors/app-error';
import type { ProjectRole } from '../events/project-events';
import { memberRole } from '../queries/memberships';
import { projectById } from '../queries/projects';
import type { QueryServices } from '../queries/query-services';
import { roleAllows, scopeAllows } from './permissions';
import type { Principal, ProjectAccess, ProjectPermission } from './principal';
import { idInMessage } from '../errors/ids';

/** What the rules need to know about projects; the read models in the server, a fake in unit tests. */
export interface ProjectDirectory {
  projectExists(projectId: string): Promise<boolean>;
  memberRole(projectId: string, email: string): Promise<ProjectRole | null>;
}

export function readModelDirectory(services: QueryServices): ProjectDirectory {
  return {
    projectExists: async (projectId) => (await projectById(services, projectId)) !== null,
    memberRole: (projectId, email) => memberRole(services, projectId, email),
  };
}

/**
 * The permission rules (principal.ts): a super admin may do everything in an existing project; a user
 * who is not a member, and a key of another project, are told the project does not exist, so other
 * projects are not revealed; a member or key without the permission is refused.
 */
export class MembershipProjectAccess implements ProjectAccess {
  constructor(private readonly directory: ProjectDirectory) {}

  async require(principal: Principal, projectId: string, permission: ProjectPermission): Promise<void> {
    if (principal.kind === 'apiKey') {
      // Answered as to a user who is not a member: a key learns nothing of other projects, not even
      // whether one exists (a live, deleted or unknown id all read alike).
      if (principal.projectId !== projectId) throw notFound(projectId);
      if (!scopeAllows(principal.scope, permission)) {
        throw new ForbiddenError(`An API key with scope "${principal.scope}" may not ${describe(permission)}`);
      }
      return;
    }
    const role = await this.roleOf(principal, projectId);
    if (role === null) throw notFound(projectId);
    if (!roleAllows(role, permission)) throw new ForbiddenError(`Your role in this project (${role}) may not ${describe(permission)}`);
  }

  /**
   * The role the principal acts with: `admin` for a super admin (whatever their membership says),
   * else the member's role; null for a non-member, an unknown project, and keys (they have scopes).
   */
  async roleOf(principal: Principal, projectId: string): Promise<ProjectRole | null> {
    if (principal.kind === 'apiKey') return null;
    if (principal.superAdmin) return (await this.directory.projectExists(projectId)) ? 'admin' : null;
    return this.directory.memberRole(projectId, principal.email);
  }
}

function notFound(projectId: string): NotFoundError {
  return new NotFoundError(`Project ${idInMessage(projectId)} not found`);
}

function describe(permission: ProjectPermission): string {
  switch (permission) {
    case 'read':
      return 'read this project';
    case 'report':
      return 'report on executions';
    case 'edit':
      return 'change tasks and groups';
    case 'admin':
      return 'administer this project (members, keys, settings)';
  }
}
