import type { ProjectRole } from '../../events/project-events';
import type { RoleMapEntry } from './oidc-config';

const RANK: Record<ProjectRole, number> = { viewer: 1, editor: 2, admin: 3 };

/** What a person's groups grant under OIDC_ROLE_MAP. */
export interface MappedRoles {
  /** Project id → role, for every project the map names and one of the groups reaches (the highest role wins). */
  projects: Map<string, ProjectRole>;
  superAdmin: boolean;
}

export function mappedRoles(map: readonly RoleMapEntry[], groups: readonly string[]): MappedRoles {
  const held = new Set(groups);
  const projects = new Map<string, ProjectRole>();
  let superAdmin = false;
  for (const entry of map) {
    if (!held.has(entry.group)) continue;
    if ('superAdmin' in entry) {
      superAdmin = true;
      continue;
    }
    const current = projects.get(entry.projectId);
    if (current === undefined || RANK[entry.role] > RANK[current]) projects.set(entry.projectId, entry.role);
  }
  return { projects, superAdmin };
}
