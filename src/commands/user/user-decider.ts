import { ConflictError, ForbiddenError, GoneError, NotFoundError, UnauthenticatedError } from '../../errors/app-error';
import type { SessionsRevokedReason, UserEvent } from '../../events/user-events';
import type { Decider } from '../decider';
import { parseProjectRole } from '../project/project-roles';
import { normalizeEmail } from '../shared/email';
import { changedFields, isEmpty } from '../shared/json-equal';
import type { AcceptInvitation, InviteUser, LogIn, RegisterUser, UpdateUser, UserCommand } from './user-commands';
import { evolveUser, initialUserState, type User, type UserState } from './user-state';

/** One answer for every failed login, so a login attempt cannot tell which accounts exist. */
export const WRONG_CREDENTIALS = 'Wrong email or password';

export function decideUser(command: UserCommand, state: UserState): UserEvent[] {
  switch (command.type) {
    case 'RegisterUser':
      return register(command, state);
    case 'InviteUser':
      return invite(command, state);
    case 'LogIn':
      return logIn(command, state);
    default:
      break;
  }
  if (state === null) throw new NotFoundError('This user does not exist');
  const { userId } = state;
  switch (command.type) {
    case 'AcceptInvitation':
      return acceptInvitation(command, state);
    case 'UpdateUser':
      return update(command, state);
    case 'ChangePassword': {
      if (!state.hasPassword) throw new ConflictError('This account has a pending invitation; accept it to set a password');
      const kept = command.keepSessionId !== undefined && state.sessions.includes(command.keepSessionId) ? command.keepSessionId : null;
      return [
        { type: 'PasswordChanged', data: { userId, passwordHash: command.passwordHash, at: command.at } },
        ...revokeSessions(state, kept, kept === null ? 'password-reset' : 'password-changed', command.at),
      ];
    }
    case 'LogInWithSso': {
      if (state.disabled) throw new ForbiddenError('This account is disabled; ask a super admin to enable it');
      const { sessionId, tokenHash, expiresAt, at } = command;
      return [{ type: 'UserLoggedIn', data: { userId, sessionId, tokenHash, expiresAt, at } }];
    }
    case 'LogOut':
      // Logging out of a session that is already closed is a no-op (logout is idempotent).
      if (!state.sessions.includes(command.sessionId)) return [];
      return [{ type: 'UserLoggedOut', data: { userId, sessionId: command.sessionId, at: command.at } }];
  }
}

function register(command: RegisterUser, state: UserState): UserEvent[] {
  if (state !== null) throw new ConflictError(`User ${command.userId} already exists`);
  const { userId, name, passwordHash, superAdmin, at } = command;
  const email = normalizeEmail(command.email);
  return [{ type: 'UserRegistered', data: { userId, email, name, passwordHash, superAdmin, createdAt: at } }];
}

function invite(command: InviteUser, state: UserState): UserEvent[] {
  const email = normalizeEmail(command.email);
  if (state !== null) {
    if (state.hasPassword) throw new ConflictError(`${state.email} already has an account; add them as a member directly`);
    if (state.email !== email) throw new ConflictError(`User ${state.userId} was invited as ${state.email}, not ${email}`);
  }
  const { userId, invitedBy, projectId, inviteTokenHash, expiresAt, at } = command;
  const role = parseProjectRole(command.role);
  return [{ type: 'UserInvited', data: { userId, email, invitedBy, projectId, role, inviteTokenHash, expiresAt, invitedAt: at } }];
}

function acceptInvitation(command: AcceptInvitation, user: User): UserEvent[] {
  const { invitation } = user;
  if (invitation === null) throw new ConflictError('This account has no pending invitation; log in with your email and password');
  if (invitation.accepted) throw new ConflictError('This invitation has already been used; log in with your email and password');
  if (invitation.tokenHash !== command.inviteTokenHash) {
    throw new GoneError('This invitation link has been replaced by a newer one; use the link in the latest invitation email');
  }
  if (Date.parse(command.at) > Date.parse(invitation.expiresAt)) {
    throw new GoneError(`This invitation expired at ${invitation.expiresAt}; ask a project admin to invite you again`);
  }
  if (user.disabled) throw new ForbiddenError('This account is disabled; ask a super admin to enable it');
  const { passwordHash, at } = command;
  return [{ type: 'InvitationAccepted', data: { userId: user.userId, name: command.name ?? null, passwordHash, at } }];
}

function update(command: UpdateUser, user: User): UserEvent[] {
  const changes = changedFields({ name: user.name ?? undefined, superAdmin: user.superAdmin, disabled: user.disabled }, command.changes);
  if (isEmpty(changes)) return [];
  const after = { ...user, ...changes };
  if (isActiveSuperAdmin(user) && !isActiveSuperAdmin(after) && command.otherActiveSuperAdmins === 0) {
    throw new ConflictError(
      'This is the last active super admin; make another user super admin before removing the role or disabling this account',
    );
  }
  const updated: UserEvent = { type: 'UserUpdated', data: { userId: user.userId, changes, updatedAt: command.at } };
  return changes.disabled === true ? [updated, ...revokeSessions(user, null, 'disabled', command.at)] : [updated];
}

/** Ends every open session of the user but `kept` (none to end: no event). */
function revokeSessions(user: User, kept: string | null, reason: SessionsRevokedReason, at: string): UserEvent[] {
  if (!user.sessions.some((id) => id !== kept)) return [];
  return [{ type: 'UserSessionsRevoked', data: { userId: user.userId, keptSessionId: kept, reason, at } }];
}

function isActiveSuperAdmin(user: Pick<User, 'superAdmin' | 'disabled'>): boolean {
  return user.superAdmin && !user.disabled;
}

/**
 * The password is checked before the disabled flag, so only someone who knows the password learns
 * that the account is disabled.
 */
function logIn(command: LogIn, state: UserState): UserEvent[] {
  if (state === null || !state.hasPassword || !command.passwordVerified || command.checkedPasswordHash !== state.passwordHash) {
    throw new UnauthenticatedError(WRONG_CREDENTIALS);
  }
  if (state.disabled) throw new ForbiddenError('This account is disabled; ask a super admin to enable it');
  const { sessionId, tokenHash, expiresAt, at } = command;
  return [{ type: 'UserLoggedIn', data: { userId: state.userId, sessionId, tokenHash, expiresAt, at } }];
}

export const userDecider: Decider<UserState, UserCommand, UserEvent> = {
  initialState: initialUserState,
  evolve: evolveUser,
  decide: decideUser,
};
