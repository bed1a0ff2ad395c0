import { passwordProblem } from '../../auth/password-strength';
import type { UserUpdate } from '../../commands/flows/update-user';
import { isEmail } from '../../commands/shared/email';
import { ValidationError } from '../../errors/app-error';

export interface LoginBody {
  /** @maxLength 254 */
  email: string;
  /** @maxLength 1024 */
  password: string;
}

export interface CreateUserBody {
  /** @maxLength 254 */
  email: string;
  /**
   * @minLength 1
   * @maxLength 255
   */
  name: string;
  /**
   * At least 12 characters, and hard enough to guess (zxcvbn score 3 of 4 or more).
   * @minLength 12
   * @maxLength 1024
   */
  password: string;
  /** Default false. */
  super_admin?: boolean;
}

/** Only the fields sent change. */
export interface UpdateUserBody {
  /**
   * @minLength 1
   * @maxLength 255
   */
  name?: string;
  super_admin?: boolean;
  /** A disabled account cannot log in, and its sessions end at once (enabling it again opens none). */
  disabled?: boolean;
  /**
   * A new password: at least 12 characters, and hard enough to guess (zxcvbn score 3 of 4 or more).
   * Every session of the account ends at once, except, when a super admin sets their own, the session
   * it was set with.
   * @minLength 12
   * @maxLength 1024
   */
  password?: string;
}

export interface ChangeOwnPasswordBody {
  /** @maxLength 1024 */
  current_password: string;
  /**
   * At least 12 characters, and hard enough to guess (zxcvbn score 3 of 4 or more).
   * @minLength 12
   * @maxLength 1024
   */
  new_password: string;
}

export interface AcceptInvitationBody {
  /**
   * Default: the name stays unset.
   * @minLength 1
   * @maxLength 255
   */
  name?: string;
  /**
   * At least 12 characters, and hard enough to guess (zxcvbn score 3 of 4 or more).
   * @minLength 12
   * @maxLength 1024
   */
  password: string;
}

/**
 * The checks OpenAPI cannot state: an email address, a name that is not blank once trimmed, a password
 * hard enough to guess (also given the account's own email and name).
 */
export function newAccountFromBody(body: CreateUserBody): { email: string; name: string; password: string; superAdmin: boolean } {
  const details = [emailProblem(body.email), nameProblem(body.name), passwordProblem('password', body.password, [body.email, body.name])].filter(
    (d): d is string => d !== null,
  );
  if (details.length > 0) throw new ValidationError('Invalid user', details);
  return { email: body.email.trim(), name: body.name.trim(), password: body.password, superAdmin: body.super_admin ?? false };
}

export function userUpdateFromBody(body: UpdateUserBody): UserUpdate {
  const details = [
    body.name === undefined ? null : nameProblem(body.name),
    body.password === undefined ? null : passwordProblem('password', body.password, [body.name ?? '']),
  ].filter((d): d is string => d !== null);
  if (details.length > 0) throw new ValidationError('Invalid user', details);
  const update: UserUpdate = {};
  if (body.name !== undefined) update.name = body.name.trim();
  if (body.super_admin !== undefined) update.superAdmin = body.super_admin;
  if (body.disabled !== undefined) update.disabled = body.disabled;
  if (body.password !== undefined) update.password = body.password;
  return update;
}

export function acceptanceFromBody(body: AcceptInvitationBody): { name?: string; password: string } {
  const details = [body.name === undefined ? null : nameProblem(body.name), passwordProblem('password', body.password, [body.name ?? ''])].filter(
    (d): d is string => d !== null,
  );
  if (details.length > 0) throw new ValidationError('Invalid invitation acceptance', details);
  return { password: body.password, ...(body.name !== undefined ? { name: body.name.trim() } : {}) };
}

export function emailProblem(email: string, field = 'email'): string | null {
  return isEmail(email) ? null : `${field}: "${email}" is not an email address`;
}

function nameProblem(name: string): string | null {
  return name.trim() === '' ? 'name: must not be blank' : null;
}

/** The new password must pass the rule; the account's email and name count against it. */
export function ownPasswordChangeFromBody(body: ChangeOwnPasswordBody, account: { email: string; name: string | null }): { current: string; next: string } {
  const problem = passwordProblem('new_password', body.new_password, [account.email, account.name ?? '']);
  if (problem) throw new ValidationError('Invalid password', [problem]);
  return { current: body.current_password, next: body.new_password };
}
