import { Body, Controller, Delete, Get, Path, Post, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import type { AppServices } from '../../app-services';
import { createProjectApiKey, revokeProjectApiKey } from '../../commands/flows/project-api-keys';
import { NotFoundError, ValidationError } from '../../errors/app-error';
import { projectById } from '../../queries/projects';
import { principalOf } from '../authentication';
import type { ErrorBody } from '../error-mapping';
import { commandContextOf } from '../request-context';
import { type ApiKeyResponse, type CreateApiKeyBody, type CreatedApiKeyResponse, toApiKeyResponse } from '../shapes/api-key-shape';

/** A project's API keys (project admin). Scopes: ingest (report), read, write (read, edit, report). */
@Route('projects/{project_id}/api-keys')
@Tags('API keys')
@Security('user')
@Response<ErrorBody>(403, 'Not a project admin')
@Response<ErrorBody>(404, 'Unknown project, or not a member')
export class ApiKeysController extends Controller {
  constructor(private readonly services: AppServices) {
    super();
  }

  /** Every key of the project, oldest first, revoked ones included; never the keys themselves. */
  @Get()
  public async listApiKeys(@Path() project_id: string, @Request() request: ExpressRequest): Promise<ApiKeyResponse[]> {
    await this.services.access.require(principalOf(request), project_id, 'admin');
    return (await this.project(project_id)).apiKeys.map(toApiKeyResponse);
  }

  /** Creates a key; the answer carries the raw key, shown this once. */
  @Post()
  @SuccessResponse(201, 'Created')
  public async createApiKey(@Path() project_id: string, @Request() request: ExpressRequest, @Body() body: CreateApiKeyBody): Promise<CreatedApiKeyResponse> {
    await this.services.access.require(principalOf(request), project_id, 'admin');
    const name = body.name.trim();
    if (name === '') throw new ValidationError('Invalid API key', ['name: must not be blank']);
    const { keyId, raw } = await createProjectApiKey(this.services, project_id, { name, scope: body.scope }, commandContextOf(request));
    const key = (await this.project(project_id)).apiKeys.find((k) => k.id === keyId);
    if (!key) throw new NotFoundError(`API key ${keyId} not found`);
    this.setStatus(201);
    return { ...toApiKeyResponse(key), api_key: raw };
  }

  /** Revokes a key: it stops working at once. 404 unknown key, 409 already revoked. */
  @Delete('{key_id}')
  @SuccessResponse(204, 'Revoked')
  @Response<ErrorBody>(409, 'Already revoked')
  public async revokeApiKey(@Path() project_id: string, @Path() key_id: string, @Request() request: ExpressRequest): Promise<void> {
    await this.services.access.require(principalOf(request), project_id, 'admin');
    await revokeProjectApiKey(this.services, project_id, key_id, commandContextOf(request));
  }

  private async project(projectId: string) {
    const project = await projectById(this.services, projectId);
    if (!project) throw new NotFoundError(`Project ${projectId} not found`);
    return project;
  }
}
