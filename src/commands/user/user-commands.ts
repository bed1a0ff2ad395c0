import type { UserChanges } from '../../events/user-events';

/**
 * Hashing, token generation and password checks happen outside (they are slow or random); commands
 * carry their results. The email must already be reserved (userEmailStream) by the caller.
 */
export interface RegisterUser {
  type: 'RegisterUser';
  userId: string;
  email: string;
  name: string;
  passwordHash: string;
  superAdmin: boolean;
  at: string;
}

/** Adding a project member whose email has no account. Again before acceptance: a new link. */
export interface InviteUser {
  type: 'InviteUser';
  userId: string;
  email: string;
  invitedBy: string;
  projectId: string;
  /** As requested; `readonly` is accepted as `viewer`. */
  role: string;
  inviteTokenHash: string;
  expiresAt: string;
  at: string;
}

export interface AcceptInvitation {
  type: 'AcceptInvitation';
  /** sha256 (hex) of the token from the link. */
  inviteTokenHash: string;
  passwordHash: string;
  name?: string;
  at: string;
}

/** By a super admin. */
export interface UpdateUser {
  type: 'UpdateUser';
  changes: UserChanges;
  /**
   * Active (enabled) super admins other than this user, from the users read model: the last one must
   * not lose the power. A read-model count, so two super admins demoting each other at the same instant
   * could both pass; accepted, as the window is tiny and another admin can be restored from the
   * ADMIN_EMAIL/ADMIN_PASSWORD start-up path.
   */
  otherActiveSuperAdmins: number;
  at: string;
}

export interface ChangePassword {
  type: 'ChangePassword';
  passwordHash: string;
  /** The session of the account's own holder changing it: it stays open; every other session ends. */
  keepSessionId?: string;
  at: string;
}

export interface LogIn {
  type: 'LogIn';
  /** Whether the given password matched the stored hash (checked by the caller). */
  passwordVerified: boolean;
  /**
   * The hash it was checked against (from the read model): when the password changed meanwhile, the
   * check was against the old one and opens no session.
   */
  checkedPasswordHash: string | null;
  sessionId: string;
  tokenHash: string;
  expiresAt: string;
  at: string;
}

/**
 * A session opened by single sign-on: the provider vouched for the person (the caller validated its ID
 * token), so no password is involved; the account must exist and be enabled.
 */
export interface LogInWithSso {
  type: 'LogInWithSso';
  sessionId: string;
  tokenHash: string;
  expiresAt: string;
  at: string;
}

export interface LogOut {
  type: 'LogOut';
  sessionId: string;
  at: string;
}

export type UserCommand = RegisterUser | InviteUser | AcceptInvitation | UpdateUser | ChangePassword | LogIn | LogInWithSso | LogOut;
