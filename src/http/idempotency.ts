import { createHash } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import { ConflictError, ValidationError } from '../errors/app-error';
import type { Clock } from '../time/clock';

export const IDEMPOTENCY_HEADER = 'idempotency-key';

interface StoredAnswer {
  requestHash: string;
  status: number;
  body: unknown;
  expiresAt: number;
}

export interface IdempotencyOptions {
  ttlMs: number;
  maxEntries: number;
}

/** An SDK retries a report within minutes; a day and 100,000 answers per instance cover that with room. */
export const DEFAULT_IDEMPOTENCY: IdempotencyOptions = { ttlMs: 24 * 3600 * 1000, maxEntries: 100_000 };

const KEY_FORMAT = /^[A-Za-z0-9._:-]{1,255}$/;

/**
 * `Idempotency-Key` on mutating requests: a repeated key (same caller, same route) returns the first
 * successful answer and changes nothing; a request still in flight with that key is waited for. The
 * same key with a different body is refused (409). Answers are remembered in this instance's memory
 * (bounded, 24 h), which covers an SDK's retries; they do not survive a restart.
 */
export function idempotency(clock: Pick<Clock, 'now'>, options: IdempotencyOptions = DEFAULT_IDEMPOTENCY): RequestHandler {
  const answers = new Map<string, StoredAnswer>();
  const inFlight = new Map<string, Promise<void>>();

  return async (req, res, next) => {
    const key = req.headers[IDEMPOTENCY_HEADER];
    if (key === undefined || req.method === 'GET' || req.method === 'HEAD') return next();
    if (typeof key !== 'string' || !KEY_FORMAT.test(key)) {
      return next(new ValidationError('Invalid Idempotency-Key header', ['Idempotency-Key: 1-255 characters of A-Z a-z 0-9 . _ : -']));
    }
    const caller = req.headers.authorization ?? req.headers.cookie ?? '';
    const scope = sha256(`${caller}\u0000${req.method}\u0000${req.originalUrl}\u0000${key}`);
    const requestHash = sha256(JSON.stringify(req.body ?? null));

    while (inFlight.has(scope)) await inFlight.get(scope);
    const stored = answers.get(scope);
    if (stored && stored.expiresAt > clock.now().getTime()) {
      if (stored.requestHash !== requestHash) return next(new ConflictError('Idempotency-Key was already used with a different request body'));
      res.setHeader('Idempotent-Replayed', 'true');
      res.status(stored.status).json(stored.body);
      return;
    }
    answers.delete(scope);

    let finish!: () => void;
    inFlight.set(scope, new Promise<void>((resolve) => (finish = resolve)));
    captureJson(res, (status, body) => {
      if (status >= 200 && status < 300) {
        answers.set(scope, { requestHash, status, body, expiresAt: clock.now().getTime() + options.ttlMs });
        // Maps iterate in insertion order: the first key is the oldest.
        if (answers.size > options.maxEntries) answers.delete(answers.keys().next().value!);
      }
    });
    res.on('close', () => {
      inFlight.delete(scope);
      finish();
    });
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
  return createHash('sha256').update(text).digest('hex');
}
