import { Body, Controller, Delete, Get, Path, Post, Put, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import type { AppServices } from '../../app-services';
import { alertChannelsDecider } from '../../commands/alert-channels/alert-channels-decider';
import { executeCommand } from '../../commands/execute-command';
import { NotFoundError } from '../../errors/app-error';
import type { DeliveryOutcome } from '../../events/delivery-outcome';
import { projectStream } from '../../events/streams';
import { testMessage } from '../../process-managers/alerts/channels/channel-message';
import { ChannelSender } from '../../process-managers/alerts/channels/channel-sender';
import { alertChannelsOf } from '../../queries/alert-channels';
import { principalOf } from '../authentication';
import type { ErrorBody } from '../error-mapping';
import { commandContextOf } from '../request-context';
import { type AlertChannelBody, alertChannelFromBody, requireChannelId } from '../shapes/alert-channel-input';
import { type AlertChannelResponse, alertChannelShape } from '../shapes/alert-channel-shape';

export interface AlertChannelList {
  data: AlertChannelResponse[];
}

export interface AlertChannelTestResult {
  /** The delivery's class, as alert outcomes are classed (`ok`, `http_error`, `network_error`, `timeout`, …). */
  outcome: DeliveryOutcome;
  /** What the receiver answered, or why it could not be reached. */
  detail: string | null;
}

/**
 * A project's alert channels besides email and its webhook: Slack, Microsoft Teams, Discord, PagerDuty
 * and ntfy (project admin). Every alert goes to each of them as its own delivery, with its own retries.
 */
@Route('projects/{project_id}/alert-channels')
@Tags('Projects')
@Security('user')
export class AlertChannelsController extends Controller {
  constructor(private readonly services: AppServices) {
    super();
  }

  /** The channels, secrets masked. */
  @Get()
  @Response<ErrorBody>(403, 'Not a project admin')
  @Response<ErrorBody>(404, 'Unknown project, or not a member')
  public async listAlertChannels(@Path() project_id: string, @Request() request: ExpressRequest): Promise<AlertChannelList> {
    await this.services.access.require(principalOf(request), project_id, 'admin');
    const { channels } = await alertChannelsOf(this.services.events, project_id);
    return { data: channels.map(([id, channel]) => alertChannelShape(id, channel)) };
  }

  /** Adds or replaces a channel; a secret left out is kept (secrets are write-only). */
  @Put('{channel_id}')
  @Response<ErrorBody>(400, 'Invalid channel')
  @Response<ErrorBody>(403, 'Not a project admin')
  @Response<ErrorBody>(404, 'Unknown project, or not a member')
  public async setAlertChannel(
    @Path() project_id: string,
    @Path() channel_id: string,
    @Body() body: AlertChannelBody,
    @Request() request: ExpressRequest,
  ): Promise<AlertChannelResponse> {
    await this.services.access.require(principalOf(request), project_id, 'admin');
    requireChannelId(channel_id);
    const input = alertChannelFromBody(body, this.services.config.outbound);
    const command = { type: 'SetAlertChannel' as const, channelId: channel_id, input, at: this.services.clock.now().toISOString() };
    const { state } = await executeCommand(this.services, projectStream(project_id), alertChannelsDecider, command, commandContextOf(request));
    return alertChannelShape(channel_id, state!.channels[channel_id]!);
  }

  /** Removes a channel (404 when there is none); its deliveries still waiting for a retry are given up. */
  @Delete('{channel_id}')
  @SuccessResponse(204, 'Removed')
  @Response<ErrorBody>(403, 'Not a project admin')
  @Response<ErrorBody>(404, 'Unknown project or channel')
  public async removeAlertChannel(@Path() project_id: string, @Path() channel_id: string, @Request() request: ExpressRequest): Promise<void> {
    await this.services.access.require(principalOf(request), project_id, 'admin');
    const command = { type: 'RemoveAlertChannel' as const, channelId: channel_id, at: this.services.clock.now().toISOString() };
    await executeCommand(this.services, projectStream(project_id), alertChannelsDecider, command, commandContextOf(request));
    this.setStatus(204);
  }

  /**
   * Sends a test alert through the channel now, the way alerts go (same sender, same outbound policy),
   * and answers how it went. Nothing is recorded and nothing is retried.
   */
  @Post('{channel_id}/test')
  @Response<ErrorBody>(403, 'Not a project admin')
  @Response<ErrorBody>(404, 'Unknown project or channel')
  public async testAlertChannel(@Path() project_id: string, @Path() channel_id: string, @Request() request: ExpressRequest): Promise<AlertChannelTestResult> {
    const { access, events, config, clock } = this.services;
    await access.require(principalOf(request), project_id, 'admin');
    const { projectName, channels } = await alertChannelsOf(events, project_id);
    const channel = channels.find(([id]) => id === channel_id)?.[1];
    if (!channel) throw new NotFoundError(`Alert channel ${channel_id} does not exist in this project`);
    const sender = new ChannelSender(() => channel, config.outbound, config.pagerDutyEventsUrl);
    const message = testMessage(projectName, channel_id, `${config.publicUrl}/projects/${project_id}/settings`, clock.now());
    const result = await sender.sendMessage(channel, message);
    return result.ok ? { outcome: 'ok', detail: result.response } : { outcome: result.outcome, detail: result.reason };
  }
}
