import { Body, Controller, Get, Patch, Path, Post, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import type { AppServices } from '../../app-services';
import { requireSuperAdmin } from '../../auth/require-user';
import { registerUser } from '../../commands/flows/register-user';
import { updateUser } from '../../commands/flows/update-user';
import { NotFoundError } from '../../errors/app-error';
import { listUsers, userById } from '../../queries/users';
import { principalOf } from '../authentication';
import type { ErrorBody } from '../error-mapping';
import { commandContextOf } from '../request-context';
import { type CreateUserBody, newAccountFromBody, type UpdateUserBody, userUpdateFromBody } from '../shapes/user-input';
import { toUserResponse, type UserResponse } from '../shapes/user-shape';

/** Accounts, for super admins. (People usually arrive by invitation, when added to a project.) */
@Route('users')
@Tags('Users')
@Security('user')
@Response<ErrorBody>(403, 'Not a super admin')
export class UsersController extends Controller {
  constructor(private readonly services: AppServices) {
    super();
  }

  /** Every account, by email, invited ones included. */
  @Get()
  public async listUsers(@Request() request: ExpressRequest): Promise<UserResponse[]> {
    requireSuperAdmin(principalOf(request));
    return (await listUsers(this.services)).map(toUserResponse);
  }

  /** An account that can log in at once. 409 when the email has an account (or a pending invitation). */
  @Post()
  @SuccessResponse(201, 'Created')
  @Response<ErrorBody>(409, 'Email taken')
  public async createUser(@Request() request: ExpressRequest, @Body() body: CreateUserBody): Promise<UserResponse> {
    requireSuperAdmin(principalOf(request));
    const userId = await registerUser(this.services, newAccountFromBody(body), commandContextOf(request));
    this.setStatus(201);
    return this.response(userId);
  }

  /**
   * Changes the fields sent. The last active super admin can be neither demoted nor disabled (409).
   * Disabling the account or setting its password ends its sessions and closes its live streams at
   * once; a super admin setting their own password keeps the session it was set with.
   */
  @Patch('{user_id}')
  @Response<ErrorBody>(404, 'Unknown user')
  @Response<ErrorBody>(409, 'Last super admin')
  public async updateUser(@Path() user_id: string, @Request() request: ExpressRequest, @Body() body: UpdateUserBody): Promise<UserResponse> {
    const caller = requireSuperAdmin(principalOf(request));
    await updateUser(this.services, user_id, userUpdateFromBody(body), commandContextOf(request), caller);
    return this.response(user_id);
  }

  private async response(userId: string): Promise<UserResponse> {
    const user = await userById(this.services, userId);
    if (!user) throw new NotFoundError(`User ${userId} not found`);
    return toUserResponse(user);
  }
}
