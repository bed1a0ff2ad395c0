/**
 * The handlers tsoa generated for the two executor report operations, taken from the same
 * RegisterRoutes that registers them on express: each validates the request against the models
 * generated from the body shapes (shapes/execution-report-input.ts), builds the controller and calls
 * its method. The report fast path calls these very functions, so a report has one validation and one
 * handler whichever way it comes in.
 */
import type { RequestHandler, Router } from 'express';
import { RegisterRoutes } from './generated/routes';

export type ReportRoute = 'logs' | 'status';

/** The operations as RegisterRoutes registers them (method, express path). */
const OPERATIONS: Record<ReportRoute, string> = {
  logs: 'post /api/v1/executions/:execution_uuid/logs',
  status: 'patch /api/v1/executions/:execution_uuid/status',
};

let handlers: Record<ReportRoute, RequestHandler> | undefined;

/** Throws at start-up when an operation is gone or gained middleware (which the fast path would skip). */
export function reportRouteHandlers(): Record<ReportRoute, RequestHandler> {
  handlers ??= capture();
  return handlers;
}

function capture(): Record<ReportRoute, RequestHandler> {
  const registered = new Map<string, RequestHandler[]>();
  const recorder = new Proxy(
    {},
    { get: (_, method) => (path: string, ...chain: RequestHandler[]) => registered.set(`${String(method)} ${path}`, chain.flat()) },
  );
  RegisterRoutes(recorder as Router);
  const handlerOf = (route: ReportRoute): RequestHandler => {
    const chain = registered.get(OPERATIONS[route]);
    // [authentication, handler]: the fast path authenticates as the first does (principalOfCredential).
    if (chain?.length !== 2) throw new Error(`The ${OPERATIONS[route]} route is not registered as the report fast path expects`);
    return chain[1]!;
  };
  return { logs: handlerOf('logs'), status: handlerOf('status') };
}
