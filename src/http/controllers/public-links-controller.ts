import { Body, Controller, Get, Path, Post, Put, Request, Response, Route, Security, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import type { AppServices } from '../../app-services';
import { configureStatusPage, rotatePublicToken } from '../../commands/flows/public-links';
import { NotFoundError, ValidationError } from '../../errors/app-error';
import { quoted } from '../../errors/quoted';
import { listProjectTasks } from '../../queries/list-tasks';
import { projectById } from '../../queries/projects';
import { principalOf } from '../authentication';
import type { ErrorBody } from '../error-mapping';
import { commandContextOf } from '../request-context';
import { type PublicLinksResponse, type StatusPageBody, toPublicLinksResponse } from '../shapes/public-links-shape';

/**
 * A project's public badge and status page links (project admin): whoever has a link reads what it
 * shows without logging in, so only admins see, make and replace them.
 */
@Route('projects/{project_id}/public-links')
@Tags('Public badges and status page')
@Security('user')
@Response<ErrorBody>(403, 'Not a project admin')
@Response<ErrorBody>(404, 'Unknown project, or not a member')
export class PublicLinksController extends Controller {
  constructor(private readonly services: AppServices) {
    super();
  }

  /** The links and the status page's settings. */
  @Get()
  public async getPublicLinks(@Path() project_id: string, @Request() request: ExpressRequest): Promise<PublicLinksResponse> {
    await this.services.access.require(principalOf(request), project_id, 'admin');
    return this.answer(project_id);
  }

  /** Makes the links, or replaces them: every URL with the previous token answers 404 from now on. */
  @Post('rotate')
  public async rotatePublicLinks(@Path() project_id: string, @Request() request: ExpressRequest): Promise<PublicLinksResponse> {
    await this.services.access.require(principalOf(request), project_id, 'admin');
    await rotatePublicToken(this.services, project_id, commandContextOf(request));
    return this.answer(project_id);
  }

  /** Turns the public status page on or off and chooses the tasks it lists. */
  @Put('status-page')
  @Response<ErrorBody>(400, 'A task that is not the project\'s, or listed twice')
  public async setStatusPage(@Path() project_id: string, @Body() body: StatusPageBody, @Request() request: ExpressRequest): Promise<PublicLinksResponse> {
    await this.services.access.require(principalOf(request), project_id, 'admin');
    const known = new Set((await listProjectTasks(this.services, project_id)).map((task) => task.id));
    const unknown = body.task_ids.flatMap((id, index) => (known.has(id) ? [] : [`task_ids[${index}]: ${quoted(id)} is not a task of this project`]));
    if (unknown.length > 0) throw new ValidationError('Invalid status page', unknown);
    await configureStatusPage(this.services, project_id, { enabled: body.enabled, taskIds: body.task_ids }, commandContextOf(request));
    return this.answer(project_id);
  }

  private async answer(projectId: string): Promise<PublicLinksResponse> {
    const project = await projectById(this.services, projectId);
    if (!project) throw new NotFoundError(`Project ${projectId} not found`);
    return toPublicLinksResponse(project, this.services.config.publicUrl);
  }
}
