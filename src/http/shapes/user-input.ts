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
   * @minLength 8
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
   * A new password. Every session of the account ends at once, except, when a super admin sets their
   * own, the session it was set with.
   * @minLength 8
   * @maxLength 1024
   */
  password?: string;
}

export interface AcceptInvitationBody {
  /**
   * Default: the name stays unset.
   * @minLength 1
   * @maxLength 255
   */
  name?: string;
  /**
   * @minLength 8
   * @maxLength 1024
   */
  password: string;
}

/** The checks OpenAPI cannot state: an email address, a name that is not blank once trimmed. */
export function newAccountFromBody(body: CreateUserBody): { email: string; name: string; password: string; superAdmin: boolean } {
  const details = [emailProblem(body.email), nameProblem(body.name)].filter((d): d is string => d !== null);
  if (details.length > 0) throw new ValidationError('Invalid user', details);
  return { email: body.email.trim(), name: body.name.trim(), password: body.password, superAdmin: body.super_admin ?? false };
}

export function userUpdateFromBody(body: UpdateUserBody): UserUpdate {
  const problem = body.name === undefined ? null : nameProblem(body.name);
  if (problem) throw new ValidationError('Invalid user', [problem]);
  const update: UserUpdate = {};
  if (body.name !== undefined) update.name = body.name.trim();
  if (body.super_admin !== undefined) update.superAdmin = body.super_admin;
  if (body.disabled !== undefined) update.disabled = body.disabled;
  if (body.password !== undefined) update.password = body.password;
  return update;
}

export function acceptanceFromBody(body: AcceptInvitationBody): { name?: string; password: string } {
  const problem = body.name === undefined ? null : nameProblem(body.name);
  if (problem) throw new ValidationError('Invalid invitation acceptance', [problem]);
  return { password: body.password, ...(body.name !== undefined ? { name: body.name.trim() } : {}) };
}

export function emailProblem(email: string, field = 'email'): string | null {
  return isEmail(email) ? null : `${field}: "${email}" is not an email address`;
}

function nameProblem(name: string): string | null {
  return name.trim() === '' ? 'name: must not be blank' : null;
}
