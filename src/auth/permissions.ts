import type { ApiKeyScope, ProjectRole } from '../events/project-events';
import type { ProjectPermission } from './principal';

/** The permission table of principal.ts, in one place. */
const ROLE_PERMISSIONS: Record<ProjectRole, readonly ProjectPermission[]> = {
  viewer: ['read'],
  editor: ['read', 'report', 'edit'],
  admin: ['read', 'report', 'edit', 'admin'],
};

/** Keys never administer a project: members, keys and settings need a person. */
const SCOPE_PERMISSIONS: Record<ApiKeyScope, readonly ProjectPermission[]> = {
  ingest: ['report'],
  read: ['read'],
  write: ['read', 'edit', 'report'],
};

export function roleAllows(role: ProjectRole, permission: ProjectPermission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}

export function scopeAllows(scope: ApiKeyScope, permission: ProjectPermission): boolean {
  return SCOPE_PERMISSIONS[scope].includes(permission);
}
