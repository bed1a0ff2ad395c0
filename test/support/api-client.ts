/** A response with its JSON body (`any`: tests assert on shapes). */
export interface ApiResponse {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  headers: Headers;
}

export type Credentials = { token: string } | { apiKey: string } | { cookie: string } | null;

/** JSON over fetch against `/api/v1`, as one caller (a session token, a cookie, an API key, or nobody). */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly credentials: Credentials = null,
  ) {}

  as(credentials: Credentials): ApiClient {
    return new ApiClient(this.baseUrl, credentials);
  }

  async request(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<ApiResponse> {
    const headers: Record<string, string> = { ...extraHeaders };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const c = this.credentials;
    if (c && 'token' in c) headers.authorization = `Bearer ${c.token}`;
    if (c && 'apiKey' in c) headers.authorization = c.apiKey;
    if (c && 'cookie' in c) {
      // As the dashboard's page sends it: its own origin, and JSON on every state change.
      headers.cookie = c.cookie;
      headers.origin = new URL(this.baseUrl).origin;
      if (method !== 'GET' && method !== 'HEAD') headers['content-type'] = 'application/json';
    }
    const response = await fetch(`${this.baseUrl}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
  }

  get(path: string) {
    return this.request('GET', path);
  }

  post(path: string, body?: unknown) {
    return this.request('POST', path, body);
  }

  put(path: string, body?: unknown) {
    return this.request('PUT', path, body);
  }

  patch(path: string, body?: unknown) {
    return this.request('PATCH', path, body);
  }

  delete(path: string) {
    return this.request('DELETE', path);
  }
}
