import { createHash } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import type { AppServices } from '../app-services';
import type { Principal } from '../auth/principal';
import { RequestIdempotency } from '../commands/idempotent-request';
import { ValidationError } from '../errors/app-error';
import { IdempotencyConflictError } from '../errors/store-errors';
import type { Logger } from '../logging/logger';
import type { IdempotencyRecords } from '../stores/events/event-store';
import { principalOfCredential } from './authentication';
import { setRequestIdempotency } from './request-context';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';

const KEY_FORMAT = /^[A-Za-z0-9._:-]{1,255}$/;

/** What to do with a request sent with an Idempotency-Key. */
export type IdempotentStart =
  | { kind: 'replay'; status: number; body: unknown }
  | {
      kind: 'run';
      /** What the request's commands carry (setRequestIdempotency). */
      idempotency: RequestIdempotency;
      /** Hear the answer (status 0: none was given); a success is stored, and a retry waiting here may go on. */
      finish(status: number, body: unknown): void;
    };

/**
 * `Idempotency-Key` on mutating requests: a key (same caller, same method and path) is applied once,
 * and every retry, on any instance and after restarts, gets the first successful answer (header
 * `Idempotent-Replayed: true`); the same key with another body is refused (409). The events a request
 * causes are recorded with it in their own transaction (commands/idempotent-request.ts), so a retry
 * appends nothing again and can be answered from those events; the answer itself is stored too once
 * known, and within this process a retry waits for the request in flight with its key. Where the answer
 * is a function of the events alone (executor reports: `answerFromEvents`), neither is done: that
 * saves a read and a write per report, and concurrent duplicates meet in the store's append, which
 * makes one and answers the others with it. One instance per server, shared by express and the report
 * fast path.
 */
export class IdempotentRequests {
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(
    private readonly records: IdempotencyRecords,
    private readonly logger: Logger,
  ) {}

  /** Throws ValidationError for a malformed key, IdempotencyConflictError for a key reused with another body. */
  async start(
    principal: Principal,
    method: string,
    path: string,
    key: string | string[],
    body: unknown,
    { answerFromEvents }: { answerFromEvents: boolean } = { answerFromEvents: false },
  ): Promise<IdempotentStart> {
    if (typeof key !== 'string' || !KEY_FORMAT.test(key)) {
      throw new ValidationError('Invalid Idempotency-Key header', ['Idempotency-Key: 1-255 characters of A-Z a-z 0-9 . _ : -']);
    }
    // The caller is who authenticated, however the credential was sent.
    const caller = principal.kind === 'user' ? `user:${principal.userId}` : `key:${principal.keyId}`;
    const scope = sha256(`${caller}\u0000${method}\u0000${path}\u0000${key}`);
    const requestHash = sha256(JSON.stringify(body ?? null));

    const idempotency = new RequestIdempotency({ scope, requestHash });
    if (answerFromEvents) return { kind: 'run', idempotency, finish: () => undefined };

    while (this.inFlight.has(scope)) await this.inFlight.get(scope);
    const stored = await this.records.answer(scope);
    if (stored && stored.requestHash !== requestHash) throw new IdempotencyConflictError();
    if (stored) return { kind: 'replay', status: stored.status, body: stored.body };

    let release!: () => void;
    this.inFlight.set(scope, new Promise<void>((resolve) => (release = resolve)));
    let finished = false;
    const finish = (status: number, answer: unknown) => {
      if (finished) return;
      finished = true;
      const saved = status >= 200 && status < 300 ? this.records.saveAnswer({ scope, requestHash, status, body: answer }) : Promise.resolve();
      // Unsaved, a retry is still answered from the request's events; only the stored copy is missing.
      void saved
        .catch((err: unknown) => this.logger.warn({ err }, 'Could not store the answer of an idempotent request'))
        .finally(() => {
          this.inFlight.delete(scope);
          release();
        });
    };
    return { kind: 'run', idempotency, finish };
  }
}

const instances = new WeakMap<AppServices, IdempotentRequests>();

export function idempotentRequestsOf(services: AppServices): IdempotentRequests {
  let instance = instances.get(services);
  if (!instance) {
    instance = new IdempotentRequests(services.events.idempotency, services.logger);
    instances.set(services, instance);
  }
  return instance;
}

/** The express side: replays, or runs the rest of the request with its idempotency carried along. */
export function idempotency(services: AppServices): RequestHandler {
  return async (req, res, next) => {
    const key = req.headers[IDEMPOTENCY_HEADER];
    if (key === undefined || req.method === 'GET' || req.method === 'HEAD') return next();
    let start: IdempotentStart;
    try {
      // Without a valid credential the route answers 401 (or is public): there is no caller to key by.
      const principal = await principalOfCredential(services, req);
      if (!principal) return next();
      start = await idempotentRequestsOf(services).start(principal, req.method, req.originalUrl, key, req.body);
    } catch (err) {
      return next(err);
    }
    if (start.kind === 'replay') {
      res.setHeader(REPLAYED_HEADER, 'true');
      res.status(start.status).json(start.body);
      return;
    }
    const { idempotency: requestIdempotency, finish } = start;
    captureJson(res, (status, body) => {
      if (requestIdempotency.onlyReplayed) res.setHeader(REPLAYED_HEADER, 'true');
      finish(status, body);
    });
    res.on('close', () => finish(0, undefined));
    setRequestIdempotency(req, requestIdempotency);
    next();
  };
}

function captureJson(res: Response, onAnswer: (status: number, body: unknown) => void): void {
  const json = res.json.bind(res);
  res.json = (body?: unknown) => {
    onAnswer(res.statusCode, body);
    return json(body);
  };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}
