import type { ProjectRole } from '../../events/project-events';
import type { ProjectRoleInput } from './project-input';

export interface SetMemberBody {
  role: ProjectRoleInput;
}

export interface ProjectMemberResponse {
  project_id: string;
  email: string;
  role: ProjectRole;
  /** invited: the person has no account yet and was sent (in the log, for now) a one-time link. */
  status: 'active' | 'invited';
  /** When the link sent by this request expires; null when no invitation was sent. */
  invitation_expires_at: string | null;
}
