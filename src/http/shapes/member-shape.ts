import type { ProjectRole } from '../../events/project-events';
import type { ProjectRoleInput } from './project-input';

export interface SetMemberBody {
  role: ProjectRoleInput;
}

export interface ProjectMemberResponse {
  project_id: string;
  email: string;
  role: ProjectRole;
  /** invited: the person has no account yet and was sent a one-time link (by mail; in the server log without a mail server). */
  status: 'active' | 'invited';
  /** When the link sent by this request expires; null when no invitation was sent. */
  invitation_expires_at: string | null;
}
