import { userDecider } from '../../src/commands/user/user-decider';
import { ConflictError, ForbiddenError, GoneError, NotFoundError, UnauthenticatedError, ValidationError } from '../../src/errors/app-error';
import type { InvitationAccepted, UserEvent, UserInvited } from '../../src/events/user-events';
import { given } from '../support/given-when-then';

const userId = 'u1';
const at = '2025-03-01T10:00:00.000Z';
const later = '2025-03-02T10:00:00.000Z';
const expiresAt = '2025-03-08T10:00:00.000Z';
const afterExpiry = '2025-03-08T10:00:00.001Z';

const registered: UserEvent = {
  type: 'UserRegistered',
  data: { userId, email: 'ann@example.com', name: 'Ann', passwordHash: 'hash1', superAdmin: true, createdAt: at },
};
const invited: UserInvited = {
  type: 'UserInvited',
  data: { userId, email: 'bob@example.com', invitedBy: 'u0', projectId: 'p1', role: 'viewer', inviteTokenHash: 'tok1', expiresAt, invitedAt: at },
};
const accepted: InvitationAccepted = { type: 'InvitationAccepted', data: { userId, name: 'Bob', passwordHash: 'hash2', at: later } };
const disabledEvent: UserEvent = { type: 'UserUpdated', data: { userId, changes: { disabled: true }, updatedAt: later } };
const loggedIn: UserEvent = { type: 'UserLoggedIn', data: { userId, sessionId: 's1', tokenHash: 'th1', expiresAt, at } };

describe('RegisterUser', () => {
  const register = { type: 'RegisterUser' as const, userId, email: ' Ann@Example.com', name: 'Ann', passwordHash: 'hash1', superAdmin: true, at };

  test('registers an account with a lowercased email', () => {
    given(userDecider).when(register).then([registered]);
  });

  test('an existing user cannot be registered again', () => {
    given(userDecider, [registered]).when(register).thenThrows(ConflictError, /already exists/);
  });
});

describe('InviteUser', () => {
  const invite = {
    type: 'InviteUser' as const,
    userId,
    email: 'Bob@Example.com',
    invitedBy: 'u0',
    projectId: 'p1',
    role: 'readonly',
    inviteTokenHash: 'tok1',
    expiresAt,
    at,
  };

  test('creates an invited account (readonly maps to viewer)', () => {
    const state = given(userDecider).when(invite).then([invited]);
    expect(state).toMatchObject({ hasPassword: false, invitation: { tokenHash: 'tok1', accepted: false } });
  });

  test('inviting again before acceptance renews the link', () => {
    const state = given(userDecider, [invited])
      .when({ ...invite, inviteTokenHash: 'tok2', at: later })
      .then([{ type: 'UserInvited', data: { ...invited.data, inviteTokenHash: 'tok2', invitedAt: later } }]);
    expect(state?.invitation?.tokenHash).toBe('tok2');
  });

  test('a user who already has an account cannot be invited', () => {
    given(userDecider, [invited, accepted]).when(invite).thenThrows(ConflictError, /already has an account/);
    given(userDecider, [registered]).when({ ...invite, email: 'ann@example.com' }).thenThrows(ConflictError, /already has an account/);
  });

  test('a pending invitation cannot be renewed under another email', () => {
    given(userDecider, [invited]).when({ ...invite, email: 'carol@example.com' }).thenThrows(ConflictError, /invited as bob@example.com/);
  });

  test('an unknown role is 400', () => {
    given(userDecider).when({ ...invite, role: 'owner' }).thenThrows(ValidationError, /Unknown role/);
  });
});

describe('AcceptInvitation', () => {
  const accept = { type: 'AcceptInvitation' as const, inviteTokenHash: 'tok1', passwordHash: 'hash2', name: 'Bob', at: later };

  test('sets the password and name; the account can log in', () => {
    const state = given(userDecider, [invited]).when(accept).then([accepted]);
    expect(state).toMatchObject({ hasPassword: true, name: 'Bob' });
  });

  test('the name may be left for later', () => {
    given(userDecider, [invited])
      .when({ ...accept, name: undefined })
      .then([{ type: 'InvitationAccepted', data: { userId, name: null, passwordHash: 'hash2', at: later } }]);
  });

  test('an invitation is valid up to its expiry instant', () => {
    given(userDecider, [invited]).when({ ...accept, at: expiresAt }).then([{ ...accepted, data: { ...accepted.data, at: expiresAt } }]);
  });

  test('an expired invitation is 410', () => {
    given(userDecider, [invited]).when({ ...accept, at: afterExpiry }).thenThrows(GoneError, /expired.*invite you again/);
  });

  test('a used invitation is 409', () => {
    given(userDecider, [invited, accepted]).when(accept).thenThrows(ConflictError, /already been used; log in/);
  });

  test('an account registered directly has no invitation to accept (409)', () => {
    given(userDecider, [registered]).when(accept).thenThrows(ConflictError, /no pending invitation/);
  });

  test('a link replaced by a newer invitation is 410', () => {
    given(userDecider, [invited]).when({ ...accept, inviteTokenHash: 'old' }).thenThrows(GoneError, /replaced by a newer one/);
  });

  test('a disabled invited account cannot accept (403)', () => {
    given(userDecider, [invited, disabledEvent]).when(accept).thenThrows(ForbiddenError, /disabled/);
  });

  test('an unknown user is 404', () => {
    given(userDecider).when(accept).thenThrows(NotFoundError);
  });
});

describe('UpdateUser', () => {
  const update = { type: 'UpdateUser' as const, changes: {}, otherActiveSuperAdmins: 0, at: later };

  test('records only what changes', () => {
    given(userDecider, [registered])
      .when({ ...update, changes: { name: 'Ann B.', superAdmin: true, disabled: false } })
      .then([{ type: 'UserUpdated', data: { userId, changes: { name: 'Ann B.' }, updatedAt: later } }]);
  });

  test('an update that changes nothing emits nothing', () => {
    given(userDecider, [registered]).when({ ...update, changes: { name: 'Ann', superAdmin: true } }).thenNothing();
  });

  test('the last active super admin can neither lose the role nor be disabled', () => {
    given(userDecider, [registered])
      .when({ ...update, changes: { superAdmin: false } })
      .thenThrows(ConflictError, /last active super admin; make another user super admin/);
    given(userDecider, [registered]).when({ ...update, changes: { disabled: true } }).thenThrows(ConflictError, /last active super admin/);
  });

  test('a super admin can lose the role while another active one remains', () => {
    given(userDecider, [registered])
      .when({ ...update, changes: { superAdmin: false }, otherActiveSuperAdmins: 1 })
      .then([{ type: 'UserUpdated', data: { userId, changes: { superAdmin: false }, updatedAt: later } }]);
  });

  test('a disabled super admin is not counted as the last one', () => {
    const disabledAdmin: UserEvent = { type: 'UserUpdated', data: { userId, changes: { disabled: true }, updatedAt: at } };
    given(userDecider, [registered, disabledAdmin])
      .when({ ...update, changes: { superAdmin: false } })
      .then([{ type: 'UserUpdated', data: { userId, changes: { superAdmin: false }, updatedAt: later } }]);
  });

  test('disables an ordinary user; an unknown user is 404', () => {
    given(userDecider, [invited, accepted]).when({ ...update, changes: { disabled: true } }).then([disabledEvent]);
    given(userDecider).when(update).thenThrows(NotFoundError);
  });
});

describe('ChangePassword', () => {
  test('records the new hash', () => {
    given(userDecider, [registered])
      .when({ type: 'ChangePassword', passwordHash: 'hash9', at: later })
      .then([{ type: 'PasswordChanged', data: { userId, passwordHash: 'hash9', at: later } }]);
  });

  test('an invited account must accept first', () => {
    given(userDecider, [invited]).when({ type: 'ChangePassword', passwordHash: 'x', at }).thenThrows(ConflictError, /accept it/);
  });

  const loggedInAgain: UserEvent = { type: 'UserLoggedIn', data: { userId, sessionId: 's2', tokenHash: 'th2', expiresAt, at } };

  test('a reset (by someone else) ends every session of the account', () => {
    const state = given(userDecider, [registered, loggedIn, loggedInAgain])
      .when({ type: 'ChangePassword', passwordHash: 'hash9', at: later })
      .then([
        { type: 'PasswordChanged', data: { userId, passwordHash: 'hash9', at: later } },
        { type: 'UserSessionsRevoked', data: { userId, keptSessionId: null, reason: 'password-reset', at: later } },
      ]);
    expect(state?.sessions).toEqual([]);
  });

  test('the holder changing their own password keeps the session they did it with and ends the others', () => {
    const state = given(userDecider, [registered, loggedIn, loggedInAgain])
      .when({ type: 'ChangePassword', passwordHash: 'hash9', keepSessionId: 's2', at: later })
      .then([
        { type: 'PasswordChanged', data: { userId, passwordHash: 'hash9', at: later } },
        { type: 'UserSessionsRevoked', data: { userId, keptSessionId: 's2', reason: 'password-changed', at: later } },
      ]);
    expect(state?.sessions).toEqual(['s2']);
    // With no other session there is nothing to end; a session that is not open is kept by no one.
    given(userDecider, [registered, loggedInAgain])
      .when({ type: 'ChangePassword', passwordHash: 'hash9', keepSessionId: 's2', at: later })
      .then([{ type: 'PasswordChanged', data: { userId, passwordHash: 'hash9', at: later } }]);
    given(userDecider, [registered, loggedIn])
      .when({ type: 'ChangePassword', passwordHash: 'hash9', keepSessionId: 'closed', at: later })
      .then([
        { type: 'PasswordChanged', data: { userId, passwordHash: 'hash9', at: later } },
        { type: 'UserSessionsRevoked', data: { userId, keptSessionId: null, reason: 'password-reset', at: later } },
      ]);
  });
});

describe('sessions of a disabled account', () => {
  test('disabling an account ends all its sessions; enabling it again opens none', () => {
    const update = { type: 'UpdateUser' as const, changes: { disabled: true }, otherActiveSuperAdmins: 0, at: later };
    const revoked: UserEvent = { type: 'UserSessionsRevoked', data: { userId, keptSessionId: null, reason: 'disabled', at: later } };
    const state = given(userDecider, [invited, accepted, loggedIn]).when(update).then([disabledEvent, revoked]);
    expect(state?.sessions).toEqual([]);
    given(userDecider, [invited, accepted, loggedIn, disabledEvent, revoked]).when({ ...update, changes: { disabled: false } }).then([
      { type: 'UserUpdated', data: { userId, changes: { disabled: false }, updatedAt: later } },
    ]);
  });
});

describe('LogIn and LogOut', () => {
  const logIn = { type: 'LogIn' as const, passwordVerified: true, checkedPasswordHash: 'hash1', sessionId: 's1', tokenHash: 'th1', expiresAt, at };

  test('a verified password opens a session', () => {
    const state = given(userDecider, [registered]).when(logIn).then([loggedIn]);
    expect(state?.sessions).toEqual(['s1']);
  });

  test('a wrong password, an unknown user or a pending invitation all get the same 401', () => {
    given(userDecider, [registered]).when({ ...logIn, passwordVerified: false }).thenThrows(UnauthenticatedError, /^Wrong email or password$/);
    given(userDecider).when(logIn).thenThrows(UnauthenticatedError, /^Wrong email or password$/);
    given(userDecider, [invited]).when(logIn).thenThrows(UnauthenticatedError, /^Wrong email or password$/);
  });

  test('a password checked against a hash that has changed since opens no session (a login racing a reset)', () => {
    const changed: UserEvent = { type: 'PasswordChanged', data: { userId, passwordHash: 'hash9', at: later } };
    given(userDecider, [registered, changed]).when(logIn).thenThrows(UnauthenticatedError, /^Wrong email or password$/);
    given(userDecider, [registered, changed]).when({ ...logIn, checkedPasswordHash: 'hash9' }).then([loggedIn]);
  });

  test('a disabled user cannot log in (403), but only the right password reveals it', () => {
    given(userDecider, [invited, accepted, disabledEvent]).when({ ...logIn, checkedPasswordHash: 'hash2' }).thenThrows(ForbiddenError, /disabled/);
    given(userDecider, [invited, accepted, disabledEvent]).when({ ...logIn, passwordVerified: false }).thenThrows(UnauthenticatedError);
  });

  test('single sign-on opens a session without a password, even for a pending invitation; not for a disabled or unknown account', () => {
    const sso = { type: 'LogInWithSso' as const, sessionId: 's1', tokenHash: 'th1', expiresAt, at };
    given(userDecider, [registered]).when(sso).then([loggedIn]);
    given(userDecider, [invited]).when(sso).then([loggedIn]);
    given(userDecider, [invited, accepted, disabledEvent]).when(sso).thenThrows(ForbiddenError, /disabled/);
    given(userDecider).when(sso).thenThrows(NotFoundError);
  });

  test('logs out of an open session, and logging out again is a no-op', () => {
    const loggedOut: UserEvent = { type: 'UserLoggedOut', data: { userId, sessionId: 's1', at: later } };
    const state = given(userDecider, [registered, loggedIn]).when({ type: 'LogOut', sessionId: 's1', at: later }).then([loggedOut]);
    expect(state?.sessions).toEqual([]);
    given(userDecider, [registered, loggedIn, loggedOut]).when({ type: 'LogOut', sessionId: 's1', at: later }).thenNothing();
    given(userDecider, [registered]).when({ type: 'LogOut', sessionId: 'nope', at: later }).thenNothing();
  });
});
