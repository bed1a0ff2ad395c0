import { Body, Controller, Extension, Get, Path, Post, Put, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import type { AppServices } from '../../app-services';
import { requireUser } from '../../auth/require-user';
import { createProject } from '../../commands/flows/create-project';
import { updateProject } from '../../commands/flows/update-project';
import { NotFoundError } from '../../errors/app-error';
import { membershipsOf } from '../../queries/memberships';
import { listProjects, projectById } from '../../queries/projects';
import { principalOf } from '../authentication';
import type { ErrorBody } from '../error-mapping';
import { commandContextOf } from '../request-context';
import { ifMatchOf, setETag } from '../revision-headers';
import { type CreateProjectBody, newProjectFromBody, projectUpdateFromBody, type UpdateProjectBody } from '../shapes/project-input';
import { type CreatedProjectResponse, type ProjectResponse, toProjectResponse } from '../shapes/project-shape';

/** Projects (COMPAT.md): list, create, read, partial update with the member list. */
@Route('projects')
@Tags('Projects')
@Response<ErrorBody>(401, 'Not signed in')
@Response<ErrorBody>(503, 'A store is unavailable; try again')
export class ProjectsController extends Controller {
  constructor(private readonly services: AppServices) {
    super();
  }

  /** The projects the caller is a member of, by name; a super admin sees every project. */
  @Get()
  @Extension('x-original-api', true)
  @Security('user')
  public async listProjects(@Request() request: ExpressRequest): Promise<ProjectResponse[]> {
    const user = requireUser(principalOf(request));
    const memberships = user.superAdmin ? undefined : new Map((await membershipsOf(this.services, user.email)).map((m) => [m.projectId, m.role]));
    const projects = await listProjects(this.services, memberships && [...memberships.keys()]);
    return projects.map((project) => toProjectResponse(project, !memberships || memberships.get(project.id) === 'admin' ? 'admin' : 'member'));
  }

  /**
   * Creates a project with the caller as its admin. The answer carries a new `write` API key and the
   * webhook signing secret, shown this once.
   */
  @Post()
  @Extension('x-original-api', true)
  @Security('user')
  @SuccessResponse(201, 'Created')
  @Response<ErrorBody>(400, 'Invalid input, with details')
  @Response<ErrorBody>(409, 'Name taken (case-insensitively)')
  @Response<ErrorBody>(413, 'Body larger than the limit')
  public async createProject(@Request() request: ExpressRequest, @Body() body: CreateProjectBody): Promise<CreatedProjectResponse> {
    const user = requireUser(principalOf(request));
    const created = await createProject(this.services, user, newProjectFromBody(body, this.services.config.outbound), commandContextOf(request));
    this.setStatus(201);
    return { ...(await this.response(created.projectId, 'admin')), api_key: created.apiKey, signing_secret: created.signingSecret };
  }

  /** A project, with its `ETag` (the revision of its stream) for `If-Match`. */
  @Get('{project_id}')
  @Security('user')
  @Security('apiKey')
  @Response<ErrorBody>(404, 'Unknown project, or not a member')
  public async getProject(@Path() project_id: string, @Request() request: ExpressRequest): Promise<ProjectResponse> {
    const principal = principalOf(request);
    await this.services.access.require(principal, project_id, 'read');
    return this.response(project_id, (await this.services.access.roleOf(principal, project_id)) === 'admin' ? 'admin' : 'member');
  }

  /**
   * Changes the fields sent (project admin). `project_users`, when sent, replaces the member list and
   * must keep an admin (409); new emails without an account are invited. The read-only fields of a
   * fetched project are accepted and ignored. With `If-Match` (the project's ETag) it applies only to
   * the project as it was then (else 412, nothing changed).
   */
  @Put('{project_id}')
  @Extension('x-original-api', true)
  @Security('user')
  @Response<ErrorBody>(403, 'Not a project admin')
  @Response<ErrorBody>(404, 'Unknown project, or not a member')
  @Response<ErrorBody>(400, 'Invalid input, with details')
  @Response<ErrorBody>(409, 'Name taken, or no admin left')
  @Response<ErrorBody>(413, 'Body larger than the limit')
  @Response<ErrorBody>(412, 'If-Match is not the current ETag: the project was changed since it was read')
  public async updateProject(@Path() project_id: string, @Request() request: ExpressRequest, @Body() body: UpdateProjectBody): Promise<ProjectResponse> {
    const principal = principalOf(request);
    await this.services.access.require(principal, project_id, 'admin');
    const update = projectUpdateFromBody(body, this.services.config.outbound);
    await updateProject(this.services, project_id, update, requireUser(principal).userId, commandContextOf(request), ifMatchOf(request));
    return this.response(project_id, 'admin');
  }

  private async response(projectId: string, reader: 'admin' | 'member'): Promise<ProjectResponse> {
    const project = await projectById(this.services, projectId);
    if (!project) throw new NotFoundError(`Project ${projectId} not found`);
    setETag(this, project);
    return toProjectResponse(project, reader);
  }
}
