/**
 * The two routes executors call most (COMPAT.md): `POST /api/v1/executions/{id}/logs` and
 * `PATCH /api/v1/executions/{id}/status`, answered without express when the request is an ordinary
 * one — a raw key in `Authorization`, a JSON body of known length and of exactly the documented shape.
 * Routing through express and tsoa's validation took about a third of each report's time on the HTTP
 * thread (bench/ingest.ts). The answer is the same either way: the same controller method does the
 * work, the same error mapping answers failures, the same counters count, and an Idempotency-Key is
 * handled by the same IdempotentRequests (idempotency.ts). Anything out of the ordinary (a session
 * cookie, an Origin (CORS), a compressed or chunked body, another charset, a body of another shape, a credential that is
 * not a valid key) goes to express as before, with the body already read (body-parser leaves a
 * finished request's body alone).
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Request as ExpressRequest } from 'express';
import type { AppServices } from '../app-services';
import type { Principal } from '../auth/principal';
import type { ReportedStatus } from '../events/execution-events';
import { AppError } from '../errors/app-error';
import { isPlainObject } from '../stores/read/field-path';
import { MAX_BODY_BYTES, parseJsonBody } from './json-body';
import { principalOfCredential } from './authentication';
import { setRequestIdempotency } from './request-context';
import { ExecutionsController } from './controllers/executions-controller';
import { errorAnswer } from './error-handler';
import { IDEMPOTENCY_HEADER, idempotentRequestsOf, REPLAYED_HEADER } from './idempotency';
import { countReport } from './metrics';
import { readSideOf } from './read-side';
import { securityHeaders } from './security-headers';
import type { LogBatchBody, LogLineBody, StatusReportBody } from './shapes/execution-report-input';

type Route = { kind: 'logs'; executionId: string } | { kind: 'status'; executionId: string };

const LOGS_PATH = /^\/api\/v1\/executions\/([0-9A-Za-z-]+)\/logs\/?$/;
const STATUS_PATH = /^\/api\/v1\/executions\/([0-9A-Za-z-]+)\/status\/?$/;
const LINE_FIELDS = new Set(['message', 'level', 'timestamp']);
const STATUS_FIELDS = new Set(['status', 'error', 'attempt']);
/** The spec's `maxLength` of a report's `error` (shapes/execution-report-input.ts); a longer one goes to tsoa, which refuses it. */
const MAX_REPORT_ERROR_CHARS = 16_384;
const REPORTED_STATUSES = new Set<string>(['PENDING', 'RUNNING', 'SUCCESS', 'FAILED'] satisfies ReportedStatus[]);

/** Wraps the express app: ordinary executor reports are answered here, everything else by `app`. */
export function withReportFastPath(services: AppServices, app: RequestListener): RequestListener {
  return (request, response) => {
    const route = routeOf(request);
    if (!route || !isOrdinary(request)) return app(request, response);
    void answer(services, app, route, request, response);
  };
}

function routeOf(request: IncomingMessage): Route | null {
  const url = request.url ?? '';
  if (request.method === 'POST') {
    const logs = LOGS_PATH.exec(url);
    if (logs) return { kind: 'logs', executionId: logs[1]! };
  } else if (request.method === 'PATCH') {
    const status = STATUS_PATH.exec(url);
    if (status) return { kind: 'status', executionId: status[1]! };
  }
  return null;
}

function isOrdinary(request: IncomingMessage): boolean {
  const { headers } = request;
  const length = Number(headers['content-length']);
  const charset = /charset=\s*"?([^";\s]+)/i.exec(headers['content-type'] ?? '')?.[1]?.toLowerCase();
  return (
    typeof headers.authorization === 'string' &&
    // A browser's cross-origin call: express answers it with the CORS headers.
    headers.origin === undefined &&
    Number.isSafeInteger(length) &&
    length > 0 &&
    length <= MAX_BODY_BYTES &&
    (headers['content-encoding'] === undefined || headers['content-encoding'] === 'identity') &&
    (charset === undefined || charset === 'utf-8' || charset === 'utf8')
  );
}

async function answer(services: AppServices, app: RequestListener, route: Route, request: IncomingMessage, response: ServerResponse): Promise<void> {
  let body: unknown;
  try {
    body = parseJsonBody((await readBody(request)).toString('utf8'));
  } catch (err) {
    // A refused body is already an AppError; a broken connection is answered as body-parser would.
    const failure = err instanceof AppError ? err : err instanceof Error ? Object.assign(err, { type: 'request.aborted', status: 400 }) : err;
    return send(services, route, response, errorAnswer(failure, services.logger, request.method, request.url), body);
  }
  const principal = isShaped(route, body) ? await principalOfCredential(services, request) : null;
  if (!principal) {
    // Not ordinary after all: express and tsoa give the answer (and its error, if any).
    (request as IncomingMessage & { body?: unknown }).body = body;
    return app(request, response);
  }
  (request as IncomingMessage & { user?: Principal }).user = principal;
  const key = request.headers[IDEMPOTENCY_HEADER];
  if (key === undefined) return send(services, route, response, await report(services, route, request, body), body);
  try {
    // A report's answer follows from its events alone, so it is not stored: a retry is answered from them.
    const start = await idempotentRequestsOf(services).start(principal, request.method!, request.url!, key, body, { answerFromEvents: true });
    if (start.kind === 'replay') return send(services, route, response, start, body, { [REPLAYED_HEADER]: 'true' });
    setRequestIdempotency(request, start.idempotency);
    const answer = await report(services, route, request, body);
    start.finish(answer.status, answer.body);
    send(services, route, response, answer, body, start.idempotency.onlyReplayed ? { [REPLAYED_HEADER]: 'true' } : {});
  } catch (err) {
    send(services, route, response, errorAnswer(err, services.logger, request.method, request.url), body);
  }
}

/** The controller's answer to the report, or its error's. */
async function report(services: AppServices, route: Route, request: IncomingMessage, body: unknown): Promise<{ status: number; body: unknown }> {
  const controller = new ExecutionsController(services);
  const asExpress = request as unknown as ExpressRequest;
  try {
    const result =
      route.kind === 'logs'
        ? await controller.appendLogs(route.executionId, body as LogLineBody | LogBatchBody, asExpress)
        : await controller.reportStatus(route.executionId, body as StatusReportBody, asExpress);
    return { status: 200, body: result };
  } catch (err) {
    return errorAnswer(err, services.logger, request.method, request.url);
  }
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.once('end', () => resolve(Buffer.concat(chunks)));
    request.once('error', reject);
  });
}

/** The documented body, exactly: what tsoa would accept unchanged (anything else goes to tsoa). */
function isShaped(route: Route, body: unknown): boolean {
  if (route.kind === 'logs') {
    if (isLogLine(body)) return true;
    return isPlainObject(body) && Object.keys(body).length === 1 && Array.isArray(body.lines) && body.lines.every(isLogLine);
  }
  return (
    isPlainObject(body) &&
    Object.keys(body).every((key) => STATUS_FIELDS.has(key)) &&
    typeof body.status === 'string' &&
    REPORTED_STATUSES.has(body.status) &&
    isOptionalString(body.error) &&
    (typeof body.error !== 'string' || body.error.length <= MAX_REPORT_ERROR_CHARS) &&
    (body.attempt === undefined || body.attempt === null || (Number.isInteger(body.attempt) && (body.attempt as number) >= 1 && (body.attempt as number) <= 20))
  );
}

function isLogLine(line: unknown): boolean {
  return (
    isPlainObject(line) &&
    Object.keys(line).every((key) => LINE_FIELDS.has(key)) &&
    typeof line.message === 'string' &&
    typeof line.level === 'string' &&
    isOptionalString(line.timestamp)
  );
}

function isOptionalString(value: unknown): boolean {
  return value === undefined || value === null || typeof value === 'string';
}

/** Answers as express's `res.status(…).json(…)` does, and counts the report. */
function send(
  services: AppServices,
  route: Route,
  response: ServerResponse,
  answer: { status: number; body: unknown },
  requestBody: unknown,
  headers: Record<string, string> = {},
): void {
  const json = JSON.stringify(answer.body);
  securityHeaders(response.req, response, () => undefined);
  response.writeHead(answer.status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(json), ...headers });
  response.end(json);
  countReport(readSideOf(services).metrics, route.kind, answer.status, requestBody);
}
