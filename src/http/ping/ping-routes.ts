import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AppServices } from '../../app-services';
import { newCommandContext } from '../../commands/command-context';
import { type PingOutcome, recordPing } from '../../commands/flows/ping-run';
import { projectOfPingKey } from '../../commands/flows/ping-key';
import { createTaskForSlug, taskBySlug } from '../../commands/flows/ping-slug';
import { taskOfPingId } from '../../commands/flows/ping-url';
import type { Task } from '../../commands/task/task-state';
import { AppError } from '../../errors/app-error';
import { errorAnswer } from '../error-handler';
import { PING_BODY_LIMIT, PingBodyTooLarge, pingBodyLines, readPingBody } from './ping-body';
import { parsePingPath } from './ping-path';
import { PingRateLimit } from './ping-rate-limit';

const RID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const METHODS = ['GET', 'HEAD', 'POST'];

/**
 * Healthchecks' ping API at `/ping/…` (docs: README, "Moving from Healthchecks"): no credential but the
 * URL, any Content-Type, answered in plain text with Healthchecks' words and statuses, to any origin.
 */
export function pingRoutes(services: AppServices): RequestHandler {
  const limit = new PingRateLimit(services.config.pingRateLimit);
  return (request, response, next) => {
    if (!request.path.startsWith('/ping/')) return next();
    answerPing(services, limit, request, response).catch((err: unknown) => failed(services, request, response, err, next));
  };
}

async function answerPing(services: AppServices, limit: PingRateLimit, request: Request, response: Response): Promise<void> {
  response.set({ 'Access-Control-Allow-Origin': '*', 'Ping-Body-Limit': String(PING_BODY_LIMIT), 'Cache-Control': 'no-cache, no-store, must-revalidate' });
  if (request.method === 'OPTIONS') {
    response.set({ 'Access-Control-Allow-Methods': METHODS.join(', '), 'Access-Control-Allow-Headers': 'Content-Type', 'Access-Control-Max-Age': '86400' });
    response.status(204).end();
    return;
  }
  if (!METHODS.includes(request.method)) {
    response.set('Allow', METHODS.join(', '));
    return text(response, 405, 'method not allowed');
  }
  const path = parsePingPath(request.path.slice('/ping/'.length));
  if (path.kind === 'none') return text(response, 404, 'not found');
  if (path.kind === 'bad') return text(response, 400, 'invalid url format');
  const rid = typeof request.query.rid === 'string' ? request.query.rid : null;
  if (rid !== null && !RID.test(rid)) return text(response, 400, 'invalid uuid format');

  const retryAfter = await limit.take(path.kind === 'uuid' ? path.uuid : `${path.pingKey}/${path.slug}`);
  if (retryAfter !== null) {
    response.set('Retry-After', String(retryAfter));
    return text(response, 429, 'rate limited');
  }
  const body = await readPingBody(request);
  let task: Task | null;
  let created = false;
  if (path.kind === 'uuid') {
    task = await taskOfPingId(services, path.uuid);
  } else {
    const found = await taskOfSlug(services, path.pingKey, path.slug, request.query.create === '1');
    if (found === 'ambiguous') return text(response, 409, 'ambiguous slug');
    task = found?.task ?? null;
    created = found?.created ?? false;
  }
  if (task === null) return text(response, 404, 'not found');
  const outcome: PingOutcome = await recordPing(services, task, { signal: path.signal, rid: rid?.toLowerCase() ?? null, lines: pingBodyLines(body) });
  if (created) return text(response, 201, 'Created');
  return text(response, 200, outcome === 'recorded' ? 'OK' : 'OK (not found)');
}

async function taskOfSlug(
  services: AppServices,
  pingKey: string,
  slug: string,
  create: boolean,
): Promise<{ task: Task; created: boolean } | 'ambiguous' | null> {
  const projectId = await projectOfPingKey(services, pingKey);
  if (projectId === null) return null;
  const match = await taskBySlug(services, projectId, slug);
  if (match.kind === 'ambiguous') return 'ambiguous';
  if (match.kind === 'one') return { task: match.task, created: false };
  if (!create) return null;
  try {
    return { task: await createTaskForSlug(services, newCommandContext(`ping:${projectId}`), projectId, slug), created: true };
  } catch (err) {
    // Two first pings at once: the other one created it.
    if (!(err instanceof AppError && err.kind === 'conflict')) throw err;
    const again = await taskBySlug(services, projectId, slug);
    return again.kind === 'one' ? { task: again.task, created: false } : null;
  }
}

function text(response: Response, status: number, body: string): void {
  response.status(status).type('text/plain; charset=utf-8').send(body);
}

/** A task deleted meanwhile is "not found" to a ping; anything else keeps its status (409, 503), in plain text. */
function failed(services: AppServices, request: Request, response: Response, err: unknown, next: NextFunction): void {
  if (response.headersSent) return next(err);
  if (err instanceof PingBodyTooLarge) {
    response.set('Connection', 'close');
    return text(response, 413, 'request body too large');
  }
  if (err instanceof AppError && ['not_found', 'gone'].includes(err.kind)) return text(response, 404, 'not found');
  // Logged without the path: a ping URL is a credential.
  const { status, body, headers } = errorAnswer(err, services.logger, request.method, '/ping/…');
  response.set(headers ?? {});
  text(response, status, body.error);
}
