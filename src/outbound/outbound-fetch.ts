import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { outboundAgent } from './outbound-agent';
import type { OutboundPurpose, OutboundRules } from './outbound-policy';

/** Largest answer read: discovery documents, key sets and token answers are a few kB. */
const MAX_ANSWER_BYTES = 1024 * 1024;

/**
 * A `fetch` for libraries that take one (the OpenID Connect client): the request goes over Node's http
 * client through outboundAgent, so the outbound policy judges the address connected to, as for every
 * other request made on someone's behalf. Redirects are answers, never followed; the answer is read
 * whole (at most 1 MB) within `timeoutMs`.
 */
export function outboundFetch(rules: OutboundRules, purpose: OutboundPurpose, timeoutMs: number): typeof fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const body = init?.body === undefined || init.body === null ? undefined : bodyText(init.body);
    const headers = new Headers(init?.headers);
    if (body !== undefined) headers.set('content-length', String(Buffer.byteLength(body)));
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<Response>((resolve, reject) => {
      const request = send(url, {
        method: init?.method ?? 'GET',
        agent: outboundAgent(url.protocol, rules, purpose),
        headers: Object.fromEntries(headers.entries()),
        timeout: timeoutMs,
        signal: init?.signal ?? undefined,
      });
      request.on('timeout', () => request.destroy(Object.assign(new Error(`no answer from ${url.host} within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      request.on('error', reject);
      request.on('response', (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let read = 0;
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_ANSWER_BYTES) return request.destroy(new Error(`answer from ${url.host} larger than ${MAX_ANSWER_BYTES} bytes`));
          chunks.push(chunk);
        });
        response.on('error', reject);
        response.on('end', () => {
          const answerHeaders = new Headers();
          for (const [name, value] of Object.entries(response.headers)) {
            for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) answerHeaders.append(name, one);
          }
          const status = response.statusCode ?? 502;
          const empty = status === 204 || status === 304;
          resolve(new Response(empty ? null : Buffer.concat(chunks), { status, statusText: response.statusMessage, headers: answerHeaders }));
        });
      });
      request.end(body);
    });
  };
}

/** The bodies the OpenID Connect client sends: form parameters or text. */
function bodyText(body: unknown): string {
  if (typeof body === 'string') return body;
  if (body instanceof URLSearchParams) return body.toString();
  throw new TypeError('outboundFetch sends text and form bodies only');
}
