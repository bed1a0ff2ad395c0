import type { Request } from 'express';
import type { Principal } from '../auth/principal';
import { type CommandContext, newCommandContext } from '../commands/command-context';
import type { RequestIdempotency } from '../commands/idempotent-request';
import { principalOf } from './authentication';

/** Header a client may send to tie its requests (and every event they cause) together. */
export const CORRELATION_HEADER = 'x-correlation-id';

const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The actor recorded in event metadata: the user id or the API key id. */
export function actorOf(principal: Principal): string {
  return principal.kind === 'user' ? principal.userId : principal.keyId;
}

/**
 * The command context of an authenticated request: the caller is the actor, the request is the
 * cause, and the client's correlation id (when it sent a sane one) is kept.
 */
export function commandContextOf(request: Request): CommandContext {
  const header = request.headers[CORRELATION_HEADER];
  const correlationId = typeof header === 'string' && CORRELATION_ID.test(header) ? header : undefined;
  const context = newCommandContext(actorOf(principalOf(request)), undefined, correlationId);
  const { idempotency } = request as IdempotentHttpRequest;
  return idempotency ? { ...context, idempotency } : context;
}

type IdempotentHttpRequest = Pick<Request, 'headers'> & { idempotency?: RequestIdempotency };

/** Makes every command of the request carry its Idempotency-Key (see commandContextOf). */
export function setRequestIdempotency(request: Pick<Request, 'headers'>, idempotency: RequestIdempotency): void {
  (request as IdempotentHttpRequest).idempotency = idempotency;
}
