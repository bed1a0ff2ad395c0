import { Controller, Get, Path, Produces, Request, Response, Route, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import type { AppServices } from '../../app-services';
import { tagProblem } from '../../commands/task/task-tags';
import { NotFoundError, ValidationError } from '../../errors/app-error';
import type { ProjectDoc } from '../../projections/projects-projection';
import { type BadgeSubject, projectBadge, tagBadge, taskBadge } from '../../queries/public/public-badges';
import { publicProject } from '../../queries/public/public-project';
import { type StatusPage, statusPage } from '../../queries/public/status-page';
import type { ErrorBody } from '../error-mapping';
import { BADGE_MAX_AGE_SECONDS, badgeSvg, type ShieldsEndpointResponse, shieldsEndpoint } from '../public/badge-output';
import { STATUS_PAGE_CSS } from '../public/status-page-css';
import { statusPageHtml } from '../public/status-page-html';

const STATUS_MAX_AGE_SECONDS = 30;

/**
 * Public, read-only and without login: badges and the status page, at URLs holding the project's random
 * public token (a project admin makes and rotates it: POST /projects/{project_id}/public-links/rotate).
 * A wrong or rotated-away token, a project without one and a status page that is off all answer 404.
 * Everything is read from read models (projects, tasks, stats), and answers may be cached briefly.
 */
@Route('public')
@Tags('Public badges and status page')
@Response<ErrorBody>(404, 'Unknown project or token (rotated), or the status page is off')
export class PublicController extends Controller {
  constructor(private readonly services: AppServices) {
    super();
  }

  /** The project's badge (SVG): its worst active task, labelled with the project's name. */
  @Get('{project_id}/{token}/badge.svg')
  @Produces('image/svg+xml')
  public async getProjectBadgeSvg(@Path() project_id: string, @Path() token: string, @Request() request: ExpressRequest): Promise<string> {
    return this.sendSvg(request, projectBadge(this.services, await this.project(project_id, token), this.nowMs()));
  }

  /** The project's badge in the Shields endpoint format (`https://img.shields.io/endpoint?url=…`). */
  @Get('{project_id}/{token}/badge.json')
  public async getProjectBadgeJson(@Path() project_id: string, @Path() token: string): Promise<ShieldsEndpointResponse> {
    return this.shields(projectBadge(this.services, await this.project(project_id, token), this.nowMs()));
  }

  /** One task's badge (SVG), labelled with its name. */
  @Get('{project_id}/{token}/tasks/{task_uuid}/badge.svg')
  @Produces('image/svg+xml')
  public async getTaskBadgeSvg(@Path() project_id: string, @Path() token: string, @Path() task_uuid: string, @Request() request: ExpressRequest): Promise<string> {
    return this.sendSvg(request, taskBadge(this.services, await this.project(project_id, token), task_uuid, this.nowMs()));
  }

  /** One task's badge in the Shields endpoint format. */
  @Get('{project_id}/{token}/tasks/{task_uuid}/badge.json')
  public async getTaskBadgeJson(@Path() project_id: string, @Path() token: string, @Path() task_uuid: string): Promise<ShieldsEndpointResponse> {
    return this.shields(taskBadge(this.services, await this.project(project_id, token), task_uuid, this.nowMs()));
  }

  /** The badge of the project's tasks carrying a tag (SVG): their worst active one, labelled with the tag. */
  @Get('{project_id}/{token}/tags/{tag}/badge.svg')
  @Produces('image/svg+xml')
  @Response<ErrorBody>(400, 'Not a tag (a lowercase slug)')
  public async getTagBadgeSvg(@Path() project_id: string, @Path() token: string, @Path() tag: string, @Request() request: ExpressRequest): Promise<string> {
    const project = await this.project(project_id, token);
    return this.sendSvg(request, tagBadge(this.services, project, checkedTag(tag), this.nowMs()));
  }

  /** The tag's badge in the Shields endpoint format. */
  @Get('{project_id}/{token}/tags/{tag}/badge.json')
  @Response<ErrorBody>(400, 'Not a tag (a lowercase slug)')
  public async getTagBadgeJson(@Path() project_id: string, @Path() token: string, @Path() tag: string): Promise<ShieldsEndpointResponse> {
    const project = await this.project(project_id, token);
    return this.shields(tagBadge(this.services, project, checkedTag(tag), this.nowMs()));
  }

  /** The status page (HTML, no script): the chosen tasks' states and 90 daily bars. */
  @Get('{project_id}/{token}/status')
  @Produces('text/html')
  public async getStatusPage(@Path() project_id: string, @Path() token: string, @Request() request: ExpressRequest): Promise<string> {
    const html = statusPageHtml(await this.statusPage(project_id, token));
    request.res!.status(200).type('html').set('Cache-Control', `public, max-age=${STATUS_MAX_AGE_SECONDS}`).send(html);
    return html;
  }

  /** What the status page shows, as JSON. */
  @Get('{project_id}/{token}/status.json')
  public async getStatusPageJson(@Path() project_id: string, @Path() token: string): Promise<StatusPage> {
    const page = await this.statusPage(project_id, token);
    this.setHeader('Cache-Control', `public, max-age=${STATUS_MAX_AGE_SECONDS}`);
    return page;
  }

  /** The status page's stylesheet. */
  @Get('status.css')
  @Produces('text/css')
  public getStatusPageCss(@Request() request: ExpressRequest): string {
    request.res!.status(200).type('css').set('Cache-Control', 'public, max-age=3600').send(STATUS_PAGE_CSS);
    return STATUS_PAGE_CSS;
  }

  private async project(projectId: string, token: string): Promise<ProjectDoc> {
    const project = await publicProject(this.services, projectId, token);
    if (!project) throw new NotFoundError('No such public page: the link is wrong or was replaced');
    return project;
  }

  private async statusPage(projectId: string, token: string): Promise<StatusPage> {
    const project = await this.project(projectId, token);
    if (!project.statusPage?.enabled) throw new NotFoundError('This project has no public status page');
    return statusPage(this.services, project, this.services.clock.now());
  }

  private nowMs(): number {
    return this.services.clock.now().getTime();
  }

  // Sent here as SVG: tsoa would send a returned string as JSON. It leaves a sent response alone.
  private async sendSvg(request: ExpressRequest, subject: Promise<BadgeSubject>): Promise<string> {
    const svg = badgeSvg(await subject);
    request.res!.status(200).type('image/svg+xml').set('Cache-Control', `public, max-age=${BADGE_MAX_AGE_SECONDS}`).send(svg);
    return svg;
  }

  private async shields(subject: Promise<BadgeSubject>): Promise<ShieldsEndpointResponse> {
    const body = shieldsEndpoint(await subject);
    this.setHeader('Cache-Control', `public, max-age=${BADGE_MAX_AGE_SECONDS}`);
    return body;
  }
}

function checkedTag(tag: string): string {
  const problem = tagProblem(tag);
  if (problem) throw new ValidationError('Invalid tag', [`tag: ${problem}`]);
  return tag;
}
