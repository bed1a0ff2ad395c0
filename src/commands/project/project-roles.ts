import { ValidationError } from '../../errors/app-error';
import type { ProjectRole } from '../../events/project-events';
import { quoted } from '../../errors/quoted';

/** What callers may send: the three roles, plus the original API's `readonly`. */
export const PROJECT_ROLE_INPUTS = ['admin', 'editor', 'viewer', 'readonly'] as const;

/**
 * The one place a role from a request becomes a stored role: `readonly` (the original API's read-only
 * role) is `viewer`. Case-insensitive, since the original did not define case.
 */
export function parseProjectRole(input: string): ProjectRole {
  const role = input.trim().toLowerCase();
  if (role === 'readonly') return 'viewer';
  if (role === 'admin' || role === 'editor' || role === 'viewer') return role;
  throw new ValidationError(`Unknown role ${quoted(input)}; use one of ${PROJECT_ROLE_INPUTS.join(', ')}`, [
    `role: must be one of ${PROJECT_ROLE_INPUTS.join(', ')}`,
  ]);
}
