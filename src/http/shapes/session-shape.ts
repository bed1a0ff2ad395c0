import type { ProjectRole } from '../../events/project-events';
import type { UserResponse } from './user-shape';

export interface LoginResponse {
  /** Send as `Authorization: Bearer <token>`; the dashboard gets it as the HttpOnly `co_session` cookie too. */
  token: string;
  expires_at: string;
  user: UserResponse;
}

export interface MembershipResponse {
  project_id: string;
  project_name: string;
  role: ProjectRole;
}

export interface MeResponse {
  user: UserResponse;
  super_admin: boolean;
  /** The projects the user is a member of, by project name. */
  memberships: MembershipResponse[];
}

/** How one signs in here (public: the sign-in page asks before anyone is signed in). */
export interface SignInOptionsResponse {
  /** `everyone`; `break_glass_only` with OIDC_SSO_ONLY (only ADMIN_EMAIL may use a password). */
  password_sign_in: 'everyone' | 'break_glass_only';
  /** Single sign-on, when configured: the button's label and where it leads. */
  sso: { label: string; login_url: string } | null;
}

/** One of the signed-in person's open sessions (the token itself is never shown again). */
export interface OwnSessionResponse {
  id: string;
  created_at: string;
  expires_at: string;
  /** The session this request was made with. */
  current: boolean;
}
