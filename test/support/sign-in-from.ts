import { request } from 'node:http';

export interface SignInAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  /** Retry-After in seconds, when the answer has one. */
  retryAfter: number | null;
}

/**
 * `POST /auth/login` sent from the loopback address `from` (any of 127.0.0.0/8 on Linux), so a test
 * can be several source addresses at once; `headers` adds e.g. X-Forwarded-For.
 */
export function signInFrom(baseUrl: string, from: string, credentials: { email: string; password: string }, headers: Record<string, string> = {}): Promise<SignInAnswer> {
  const url = new URL(`${baseUrl}/api/v1/auth/login`);
  const payload = JSON.stringify(credentials);
  return new Promise((resolve, reject) => {
    const call = request(
      {
        host: '127.0.0.1',
        port: url.port,
        path: url.pathname,
        method: 'POST',
        localAddress: from,
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          const retryAfter = response.headers['retry-after'];
          resolve({ status: response.statusCode!, body: text ? JSON.parse(text) : undefined, retryAfter: retryAfter === undefined ? null : Number(retryAfter) });
        });
        response.on('error', reject);
      },
    );
    call.on('error', reject);
    call.end(payload);
  });
}
