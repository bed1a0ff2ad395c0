import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { outboundAgent, OutboundRefusedError } from '../../outbound/outbound-agent';
import type { OutboundPurpose, OutboundRules } from '../../outbound/outbound-policy';

/**
 * One webhook POST, with exactly the facts the retry rule needs: whether the executor answered (and
 * what), and when it did not, whether the request can have reached it at all.
 *
 * A fresh connection per request (no keep-alive pool): a pooled socket the executor has closed in the
 * meantime would fail after the request was written, and that could not be told apart from a reset
 * after the executor got it. With a fresh connection, "failed before the connection was established"
 * means no byte of the request left this process. Every connection goes through the outbound policy
 * (src/outbound), checked on the address connected to; redirects are answers like any other, never followed.
 */
export type SendResult =
  /** The executor answered (its status line and headers arrived). */
  | { kind: 'answered'; status: number; retryAfterMs: number | null; durationMs: number }
  /**
   * Failed before a connection existed (refused, name not resolved, host unreachable, no connection
   * within the timeout): no byte of the request was written.
   */
  | { kind: 'not-sent'; code: string; message: string; durationMs: number }
  /** The outbound policy refused the address (`rule` says why): no connection was attempted. */
  | { kind: 'refused'; rule: string; durationMs: number }
  /** Connected, sent (some of) the request, then no answer within the timeout. */
  | { kind: 'timeout'; durationMs: number }
  /** Any other failure once connected (reset, TLS failure, …): the executor may have the request. */
  | { kind: 'error'; code: string; message: string; durationMs: number }
  /** Cancelled by `abort` (shutdown) while in flight: the executor may have the request. */
  | { kind: 'aborted'; durationMs: number };

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** The outbound rules and what the request is for. */
  outbound: { rules: OutboundRules; purpose: OutboundPurpose };
}

export interface SentRequest {
  result: Promise<SendResult>;
  /** Gives up waiting (on shutdown); the result becomes `aborted` unless it was already settled. */
  abort(): void;
}

/** Largest answer body read (and thrown away): the status is all that counts. */
const MAX_ANSWER_BYTES = 64 * 1024;

export function sendWebhook(webhook: WebhookRequest): SentRequest {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let settle!: (result: SendResult) => void;
  let settled = false;
  let timer: NodeJS.Timeout | undefined;
  const result = new Promise<SendResult>((resolve) => {
    settle = (value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(value);
    };
  });

  let connected = false;
  let request: ClientRequest;
  const url = new URL(webhook.url);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  try {
    request = send(url, {
      method: 'POST',
      agent: outboundAgent(url.protocol, webhook.outbound.rules, webhook.outbound.purpose),
      headers: { ...webhook.headers, 'Content-Length': String(Buffer.byteLength(webhook.body)) },
    });
  } catch (err) {
    const { code, message } = describe(err);
    return { result: Promise.resolve({ kind: 'not-sent', code, message, durationMs: elapsed() }), abort: () => undefined };
  }

  timer = setTimeout(() => {
    settle(connected ? { kind: 'timeout', durationMs: elapsed() } : { kind: 'not-sent', code: 'ECONNTIMEOUT', message: `no connection within ${webhook.timeoutMs} ms`, durationMs: elapsed() });
    request.destroy();
  }, webhook.timeoutMs);

  request.on('socket', (socket: Socket) => {
    const secure = url.protocol === 'https:';
    // A connection counts once it can carry the request: TCP connected (and, for https, TLS set up).
    if (!socket.connecting && !secure) connected = true;
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      connected = true;
    });
  });
  request.on('response', (response: IncomingMessage) => {
    settle({ kind: 'answered', status: response.statusCode ?? 0, retryAfterMs: retryAfterMs(response.headers['retry-after']), durationMs: elapsed() });
    let read = 0;
    response.on('data', (chunk: Buffer) => {
      read += chunk.length;
      if (read > MAX_ANSWER_BYTES) response.destroy();
    });
    response.on('error', () => undefined);
  });
  request.on('error', (err) => {
    if (err instanceof OutboundRefusedError) return settle({ kind: 'refused', rule: err.rule, durationMs: elapsed() });
    const { code, message } = describe(err);
    settle(connected ? { kind: 'error', code, message, durationMs: elapsed() } : { kind: 'not-sent', code, message, durationMs: elapsed() });
  });
  request.end(webhook.body);

  return {
    result,
    abort: () => {
      settle({ kind: 'aborted', durationMs: elapsed() });
      request.destroy();
    },
  };
}

function describe(err: unknown): { code: string; message: string } {
  const error = err as NodeJS.ErrnoException | undefined;
  return { code: typeof error?.code === 'string' ? error.code : 'EUNKNOWN', message: error?.message ?? String(err) };
}

/** `Retry-After` as seconds or an HTTP date, in ms from now; null when absent or unreadable. */
function retryAfterMs(header: string | string[] | undefined): number | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}
