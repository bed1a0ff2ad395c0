import type { UserEvent } from '../../events/user-events';
import { created } from '../shared/guards';

export interface User {
  userId: string;
  email: string;
  name: string | null;
  superAdmin: boolean;
  disabled: boolean;
  /** False while an invitation is pending: there is no password to log in with yet. */
  hasPassword: boolean;
  /** The current password's hash: a login checked against an older one opens no session. */
  passwordHash: string | null;
  /** The latest invitation; null for an account registered directly. */
  invitation: { tokenHash: string; expiresAt: string; accepted: boolean } | null;
  /** Sessions not logged out (expiry is checked where the token is). */
  sessions: readonly string[];
}

/** null until UserRegistered or UserInvited. */
export type UserState = User | null;

export const initialUserState: UserState = null;

export function evolveUser(state: UserState, event: UserEvent): UserState {
  switch (event.type) {
    case 'UserRegistered': {
      const { userId, email, name, superAdmin, passwordHash } = event.data;
      return { userId, email, name, superAdmin, disabled: false, hasPassword: true, passwordHash, invitation: null, sessions: [] };
    }
    case 'UserInvited': {
      // Creates the account, or renews a pending invitation with a new link.
      const { userId, email, inviteTokenHash, expiresAt } = event.data;
      const invitation = { tokenHash: inviteTokenHash, expiresAt, accepted: false };
      if (state) return { ...state, invitation };
      return { userId, email, name: null, superAdmin: false, disabled: false, hasPassword: false, passwordHash: null, invitation, sessions: [] };
    }
    default:
      break;
  }
  const user = created(state, event);
  switch (event.type) {
    case 'InvitationAccepted':
      return {
        ...user,
        name: event.data.name ?? user.name,
        hasPassword: true,
        passwordHash: event.data.passwordHash,
        invitation: user.invitation && { ...user.invitation, accepted: true },
      };
    case 'UserUpdated':
      return { ...user, ...event.data.changes };
    case 'PasswordChanged':
      return { ...user, passwordHash: event.data.passwordHash };
    case 'UserLoggedIn':
      return { ...user, sessions: [...user.sessions, event.data.sessionId] };
    case 'UserLoggedOut':
      return { ...user, sessions: user.sessions.filter((id) => id !== event.data.sessionId) };
    case 'UserSessionsRevoked':
      return { ...user, sessions: user.sessions.filter((id) => id === event.data.keptSessionId) };
    default:
      return user;
  }
}
