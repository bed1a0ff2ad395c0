import { Controller, Path, Post, Request, Response, Route, Security, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import type { AppServices } from '../../app-services';
import { rotateSigningSecret } from '../../commands/flows/rotate-signing-secret';
import { principalOf } from '../authentication';
import type { ErrorBody } from '../error-mapping';
import { commandContextOf } from '../request-context';

export interface RotatedSigningSecretResponse {
  /** The new webhook signing secret, shown this once. */
  signing_secret: string;
  /** Until then, dispatches can still be verified with the previous secret. */
  previous_secret_valid_until: string;
  rotated_at: string;
}

/** The webhook signing secret (project admin). */
@Route('projects/{project_id}/signing-secret')
@Tags('Projects')
@Security('user')
export class SigningSecretController extends Controller {
  constructor(private readonly services: AppServices) {
    super();
  }

  /** A new secret; the previous one stays valid for 24 hours so executors can switch over. */
  @Post('rotate')
  @Response<ErrorBody>(403, 'Not a project admin')
  @Response<ErrorBody>(404, 'Unknown project, or not a member')
  public async rotateSigningSecret(@Path() project_id: string, @Request() request: ExpressRequest): Promise<RotatedSigningSecretResponse> {
    await this.services.access.require(principalOf(request), project_id, 'admin');
    const rotated = await rotateSigningSecret(this.services, project_id, commandContextOf(request));
    return { signing_secret: rotated.secret, previous_secret_valid_until: rotated.previousSecretValidUntil, rotated_at: rotated.rotatedAt };
  }
}
