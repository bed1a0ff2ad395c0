import createClient, { type Client } from 'openapi-fetch';
import type { ApiPaths, ErrorBody } from './paths';

export type ApiClient = Client<ApiPaths>;

export interface ApiClientOptions {
  /** The server, e.g. `https://cron.example.com` (`/api/v1` is added when missing). */
  url: string;
  /** A project API key, sent raw in `Authorization` as the original SDK did. */
  apiKey?: string;
  /** A user session token from `POST /auth/login`, sent as `Bearer`. */
  token?: string;
  /** A fetch to use instead of the global one (tests, proxies). */
  fetch?: (input: Request) => Promise<Response>;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
}

/** `http://host:8080` or `http://host:8080/api/v1/` → `http://host:8080/api/v1`. */
export function apiBaseUrl(url: string): string {
  const trimmed = url.trim().replace(/\/+$/, '');
  if (!/^https?:\/\//i.test(trimmed)) throw new Error(`Cron Observer URL must start with http:// or https://: "${url}"`);
  return /\/api\/v1$/.test(trimmed) ? trimmed : `${trimmed}/api/v1`;
}

/** The headers every request of the SDK carries: user agent, credentials, the caller's extra ones. */
export function requestHeaders(options: Pick<ApiClientOptions, 'apiKey' | 'token' | 'headers'>): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': `cron-observer-sdk/${SDK_VERSION}`, ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  else if (options.apiKey) headers.authorization = options.apiKey;
  return headers;
}

/** A typed client of the Cron Observer API (openapi-fetch over the generated paths). */
export function createApiClient(options: ApiClientOptions): ApiClient {
  return createClient<ApiPaths>({ baseUrl: apiBaseUrl(options.url), headers: requestHeaders(options), fetch: options.fetch });
}

// Kept in step with package.json by a test.
export const SDK_VERSION = '0.1.0';

/** An answer of the API that is not a success: its status and `{error, details}` body. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly body: ErrorBody | undefined,
    readonly method: string,
    readonly path: string,
  ) {
    super(`${method} ${path}: ${status} ${body?.error ?? 'error'}${body?.details?.length ? ` (${body.details.join('; ')})` : ''}`);
  }

  get details(): string[] {
    return this.body?.details ?? [];
  }
}

/** The request could not be made or answered (connection refused, DNS, timeout). */
export class NetworkError extends Error {
  override readonly name = 'NetworkError';
  constructor(
    readonly method: string,
    readonly path: string,
    override readonly cause: unknown,
  ) {
    super(`${method} ${path}: ${describeNetworkError(cause)}`);
  }
}

export function describeNetworkError(error: unknown): string {
  // Duck-typed: errors from another realm (a test runner's sandbox, a worker) fail `instanceof Error`.
  if (error && typeof error === 'object' && 'message' in error) {
    const { name, message, cause } = error as { name?: string; message: string; cause?: unknown };
    const code = cause && typeof cause === 'object' && 'code' in cause ? String((cause as { code: unknown }).code) : undefined;
    if (name === 'TimeoutError' || name === 'AbortError') return `no answer (${message})`;
    return code ? `${message} (${code})` : message;
  }
  return String(error);
}

type Result<T> = { data?: T; error?: unknown; response: Response };

/**
 * Runs a typed call and returns its data, or throws ApiError (an error answer) or NetworkError (no
 * answer). For management calls; reporting calls go through the fail-open sender instead.
 */
export async function call<T>(method: string, path: string, request: () => Promise<Result<T>>): Promise<T> {
  let result: Result<T>;
  try {
    result = await request();
  } catch (error) {
    throw new NetworkError(method, path, error);
  }
  if (!result.response.ok) throw new ApiError(result.response.status, asErrorBody(result.error), method, path);
  return result.data as T;
}

/** A resource with its ETag: pass it as `ifMatch` to change the resource only if nobody else has since (else ApiError 412). */
export interface Versioned<T> {
  data: T;
  /** null from a server (or a read model) that gives none: changes are then unconditional. */
  etag: string | null;
}

/** A change applied only while the resource still has this ETag (`If-Match`); without it, unconditionally. */
export interface ChangeOptions {
  ifMatch?: string;
}

/** Like `call`, keeping the answer's ETag. */
export async function callVersioned<T>(method: string, path: string, request: () => Promise<Result<T>>): Promise<Versioned<T>> {
  let response: Response | undefined;
  const data = await call(method, path, async () => {
    const result = await request();
    response = result.response;
    return result;
  });
  return { data, etag: response?.headers.get('etag') ?? null };
}

/** The per-request headers of a change: If-Match when the caller holds an ETag. */
export function changeHeaders(options: ChangeOptions = {}): Record<string, string> {
  return options.ifMatch === undefined ? {} : { 'if-match': options.ifMatch };
}

export function asErrorBody(error: unknown): ErrorBody | undefined {
  if (error && typeof error === 'object' && 'error' in error && typeof (error as ErrorBody).error === 'string') return error as ErrorBody;
  if (typeof error === 'string' && error) return { error };
  return undefined;
}
