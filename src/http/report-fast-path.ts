/**
 * The two routes executors call most (COMPAT.md): `POST /api/v1/executions/{id}/logs` and
 * `PATCH /api/v1/executions/{id}/status`, answered without express's routing and middleware chain when
 * the request is an ordinary one: a valid key or session in `Authorization`, a body of known length.
 * Routing through express took about a third of each report's time on the HTTP thread
 * (bench/ingest.ts). Only the way in differs: the body is read by the one parser (json-body.ts), unknown
 * fields are ignored by the one tolerant reader (tolerant-reader.ts), and the request is handled by the
 * very handler tsoa generated for the route (report-route-handlers.ts), which validates it against the
 * models generated from the body shapes and calls the controller; failures are answered by the same
 * error mapping, reports counted by the same counters, and an Idempotency-Key handled by the same
 * IdempotentRequests (idempotency.ts). Anything out of the ordinary (a session cookie, an Origin (CORS),
 * a compressed or chunked body, another charset, a credential that is not a valid key or session) goes
 * to express as before, with the body already read (body-parser leaves a finished request's body alone).
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Express, RequestHandler, Response as ExpressResponse } from 'express';
import type { AppServices } from '../app-services';
import type { Principal } from '../auth/principal';
import { AppError } from '../errors/app-error';
import { MAX_BODY_BYTES, parseJsonBody } from './json-body';
import { principalOfCredential } from './authentication';
import { setRequestIdempotency } from './request-context';
import { errorAnswer } from './error-handler';
import { IDEMPOTENCY_HEADER, idempotentRequestsOf, REPLAYED_HEADER } from './idempotency';
import { countReport } from './metrics';
import { readSideOf } from './read-side';
import { type ReportRoute, reportRouteHandlers } from './report-route-handlers';
import { STRICT_SECURITY_HEADERS } from './security-headers';
import { type OpenApiDocument, unknownFieldsIgnorer, WARNING_HEADER } from './tolerant-reader';
import openApiSpec from './generated/swagger.json';

type Route = { kind: ReportRoute; executionId: string; /** Under the spec's base path. */ path: string };

interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

interface FastPath {
  services: AppServices;
  app: Express;
  handlers: Record<ReportRoute, RequestHandler>;
  ignoreUnknownFields: ReturnType<typeof unknownFieldsIgnorer>;
}

const BASE_PATH = '/api/v1';
const LOGS_PATH = /^\/api\/v1\/executions\/([0-9A-Za-z-]+)\/logs\/?$/;
const STATUS_PATH = /^\/api\/v1\/executions\/([0-9A-Za-z-]+)\/status\/?$/;

/** Wraps the express app: ordinary executor reports are answered here, everything else by `app`. */
export function withReportFastPath(services: AppServices, app: Express): RequestListener {
  const fastPath: FastPath = { services, app, handlers: reportRouteHandlers(), ignoreUnknownFields: unknownFieldsIgnorer(openApiSpec as OpenApiDocument) };
  return (request, response) => {
    const route = routeOf(request);
    if (!route || !isOrdinary(request)) return app(request, response);
    answer(fastPath, route, request, response).catch((err: unknown) => {
      // A bug: answered 500 and logged, as express's error handler would, rather than left hanging.
      if (response.headersSent) response.destroy();
      else send(services, route, response, errorAnswer(err, services.logger, request.method, request.url), undefined);
    });
  };
}

function routeOf(request: IncomingMessage): Route | null {
  const url = request.url ?? '';
  if (request.method === 'POST') {
    const logs = LOGS_PATH.exec(url);
    if (logs) return { kind: 'logs', executionId: logs[1]!, path: url.slice(BASE_PATH.length) };
  } else if (request.method === 'PATCH') {
    const status = STATUS_PATH.exec(url);
    if (status) return { kind: 'status', executionId: status[1]!, path: url.slice(BASE_PATH.length) };
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

async function answer(fastPath: FastPath, route: Route, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const { services, app } = fastPath;
  const failed = (err: unknown) => send(services, route, response, errorAnswer(err, services.logger, request.method, request.url), body);
  let body: unknown;
  let principal: Principal | null;
  try {
    body = parseJsonBody((await readBody(request)).toString('utf8'));
    principal = await principalOfCredential(services, request);
  } catch (err) {
    // A refused body is already an AppError; a broken connection is answered as body-parser would.
    return failed(err instanceof AppError || !(err instanceof Error) ? err : Object.assign(err, { type: 'request.aborted', status: 400 }));
  }
  if (!principal) {
    // Not ordinary after all: express and tsoa give the answer (its 401, or a cookie's checks).
    (request as IncomingMessage & { body?: unknown }).body = body;
    return app(request, response);
  }
  (request as IncomingMessage & { user?: Principal }).user = principal;
  const key = request.headers[IDEMPOTENCY_HEADER];
  if (key === undefined) return send(services, route, response, await report(fastPath, route, request, body), body);
  try {
    // A report's answer follows from its events alone, so it is not stored: a retry is answered from them.
    const start = await idempotentRequestsOf(services).start(principal, request.method!, request.url!, key, body, { answerFromEvents: true });
    if (start.kind === 'replay') return send(services, route, response, start, body, { [REPLAYED_HEADER]: 'true' });
    setRequestIdempotency(request, start.idempotency);
    const answer = await report(fastPath, route, request, body);
    start.finish(answer.status, answer.body);
    send(services, route, response, answer, body, start.idempotency.onlyReplayed ? { [REPLAYED_HEADER]: 'true' } : {});
  } catch (err) {
    failed(err);
  }
}

/**
 * The answer of tsoa's handler for the route, as express would have it, after the tolerant reader: the
 * request carries what express's chain would have given it (the app, the path parameter, the body).
 */
async function report(fastPath: FastPath, route: Route, request: IncomingMessage, body: unknown): Promise<Answer> {
  const { services, app, handlers, ignoreUnknownFields } = fastPath;
  const warning = ignoreUnknownFields(request.method!, route.path, body);
  const asExpress = Object.assign(request, { app, params: { execution_uuid: route.executionId }, body });
  const answer = await new Promise<Answer>((resolve) => {
    void handlers[route.kind](asExpress as never, answerCatcher(resolve), (err?: unknown) => resolve(errorAnswer(err, services.logger, request.method, request.url)));
  });
  return warning === undefined ? answer : { ...answer, headers: { ...answer.headers, [WARNING_HEADER]: warning } };
}

/** The part of express's response tsoa's handlers answer through, keeping the answer for `send`. */
function answerCatcher(resolve: (answer: Answer) => void): ExpressResponse {
  let status = 200;
  const headers: Record<string, string> = {};
  const catcher = {
    headersSent: false,
    set: (name: string, value: string) => ((headers[name] = value), catcher),
    status: (code: number) => ((status = code), catcher),
    json: (body: unknown) => (resolve({ status, body, headers }), catcher),
    end: () => (resolve({ status, body: undefined, headers }), catcher),
  };
  return catcher as unknown as ExpressResponse;
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.once('end', () => resolve(Buffer.concat(chunks)));
    request.once('error', reject);
  });
}

/** Answers as express's `res.status(…).json(…)` does, and counts the report. */
function send(
  services: AppServices,
  route: Route,
  response: ServerResponse,
  answer: Answer,
  requestBody: unknown,
  headers: Record<string, string> = {},
): void {
  if (answer.body === undefined) {
    response.writeHead(answer.status, { ...STRICT_SECURITY_HEADERS, ...answer.headers, ...headers });
    response.end();
  } else {
    const json = JSON.stringify(answer.body);
    response.writeHead(answer.status, {
      ...STRICT_SECURITY_HEADERS,
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(json),
      ...answer.headers,
      ...headers,
    });
    response.end(json);
  }
  countReport(readSideOf(services).metrics, route.kind, answer.status, requestBody);
}
