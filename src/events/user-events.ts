import { type DomainEventOf, eventTypeNames } from './event';
import type { ProjectRole } from './project-events';

/** An account that can log in at once (the first admin, or one a super admin creates). */
export type UserRegistered = DomainEventOf<
  'UserRegistered',
  { userId: string; email: string; name: string; passwordHash: string; superAdmin: boolean; createdAt: string }
>;

/**
 * An account created by adding a member whose email had none. It cannot log in until the invitation is
 * accepted. Inviting again before that replaces the token (the older link stops working).
 */
export type UserInvited = DomainEventOf<
  'UserInvited',
  {
    userId: string;
    email: string;
    /** User id of the inviter. */
    invitedBy: string;
    projectId: string;
    role: ProjectRole;
    /** sha256 (hex) of the token in the invitation link; the token itself is only mailed. */
    inviteTokenHash: string;
    expiresAt: string;
    invitedAt: string;
  }
>;

export type InvitationAccepted = DomainEventOf<
  'InvitationAccepted',
  { userId: string; name: string | null; passwordHash: string; at: string }
>;

/** Fields absent from `changes` did not change. */
export interface UserChanges {
  name?: string;
  superAdmin?: boolean;
  disabled?: boolean;
}

export type UserUpdated = DomainEventOf<'UserUpdated', { userId: string; changes: UserChanges; updatedAt: string }>;

export type PasswordChanged = DomainEventOf<'PasswordChanged', { userId: string; passwordHash: string; at: string }>;

/** A session; the bearer token is given to the client once, only its sha256 (hex) is kept. */
export type UserLoggedIn = DomainEventOf<
  'UserLoggedIn',
  { userId: string; sessionId: string; tokenHash: string; expiresAt: string; at: string }
>;

export type UserLoggedOut = DomainEventOf<'UserLoggedOut', { userId: string; sessionId: string; at: string }>;

/** Why a user's sessions were ended: their own password change, a super admin's reset, the account disabled. */
export type SessionsRevokedReason = 'password-changed' | 'password-reset' | 'disabled';

/**
 * Every open session of the user ends, but `keptSessionId` (the session a user changed their own
 * password with). Recorded with the change that causes it, in the same append.
 */
export type UserSessionsRevoked = DomainEventOf<
  'UserSessionsRevoked',
  { userId: string; keptSessionId: string | null; reason: SessionsRevokedReason; at: string }
>;

export type UserEvent =
  | UserRegistered
  | UserInvited
  | InvitationAccepted
  | UserUpdated
  | PasswordChanged
  | UserLoggedIn
  | UserLoggedOut
  | UserSessionsRevoked;

export const USER_EVENT_TYPES = eventTypeNames<UserEvent>({
  UserRegistered: true,
  UserInvited: true,
  InvitationAccepted: true,
  UserUpdated: true,
  PasswordChanged: true,
  UserLoggedIn: true,
  UserLoggedOut: true,
  UserSessionsRevoked: true,
});
