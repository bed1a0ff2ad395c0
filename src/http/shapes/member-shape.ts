import type { ProjectRole } from '../../events/project-events';
import type { ProjectRoleInput } from './project-input';

export interface SetMemberBody {
  role: ProjectRoleInput;
  /** Whether the member is mailed this project's alerts. Left out: unchanged (a new member: on for admins, off for others). */
  alerts?: boolean;
}

export interface SetMemberAlertsBody {
  /** Whether the member is mailed this project's alerts. */
  alerts: boolean;
}

/** A member's role and alert choice after a change. */
export interface MemberAlertsResponse {
  project_id: string;
  email: string;
  role: ProjectRole;
  /** Whether the member is mailed this project's alerts (besides the project's `alert_emails`). */
  alerts: boolean;
}

export interface ProjectMemberResponse extends MemberAlertsResponse {
  /** invited: the person has no account yet and was sent a one-time link (by mail; in the server log without a mail server). */
  status: 'active' | 'invited';
  /** When the link sent by this request expires; null when no invitation was sent. */
  invitation_expires_at: string | null;
}
