/**
 * The dashboard's typed client of the API: openapi-fetch over the types generated from the server's
 * OpenAPI spec (schema.ts). Same origin: the session is the HttpOnly `co_session` cookie set by
 * POST /auth/login, so no token is ever handled by scripts.
 */
import createClient from 'openapi-fetch';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type Project = Schemas['ProjectResponse'];
export type Task = Schemas['TaskResponse'];
export type TaskGroup = Schemas['TaskGroupResponse'];
export type ScheduleConfig = Schemas['ScheduleConfigBody'];
export type ScheduleType = Schemas['ScheduleType'];
export type Execution = Schemas['ExecutionResponse'];
export type ExecutionStatus = Schemas['ExecutionStatus'];
export type LogLine = Schemas['LogLineResponse'];
export type Me = Schemas['MeResponse'];
export type ProjectRole = Schemas['ProjectRole'];
export type Occurrence = Schemas['OccurrenceResponse'];
export type SchedulePreview = Schemas['SchedulePreviewResponse'];
export type CalendarDay = Schemas['CalendarDay'];
export type CalendarMonth = Schemas['CalendarMonth'];
export type StatsRange = Schemas['StatsRange'];
export type AuditEntry = Schemas['AuditEntryResponse'];
export type ApiKey = Schemas['ApiKeyResponse'];
export type ApiKeyScope = Schemas['ApiKeyScope'];
export type CreateTaskBody = Schemas['CreateTaskBody'];

/** An answer of the API that is not a success, with the server's `{error, details}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: string[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const api = createClient<paths>({
  // Absolute, since Request needs it outside browsers (tests); same origin as the page.
  baseUrl: `${globalThis.location?.origin ?? ''}/api/v1`,
  credentials: 'same-origin',
  // Resolved at call time, so tests can stub the global fetch.
  fetch: (request: Request) => globalThis.fetch(request),
});

// The server takes cookie-authenticated state changes only as JSON (a CSRF defence); openapi-fetch sets
// the type only on requests with a body, so body-less POSTs and DELETEs get it here.
api.use({
  onRequest({ request }) {
    if (request.method !== 'GET' && request.method !== 'HEAD' && !request.headers.has('Content-Type')) request.headers.set('Content-Type', 'application/json');
    return request;
  },
});

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The data of a successful answer; otherwise throws an ApiError with the server's message. */
export async function unwrap<T>(call: Promise<Answer<T>>): Promise<T> {
  let answer: Answer<T>;
  try {
    answer = await call;
  } catch (err) {
    throw new ApiError(0, `The server could not be reached (${err instanceof Error ? err.message : String(err)})`);
  }
  const { data, error, response } = answer;
  if (!response.ok) {
    const body = (error ?? {}) as { error?: string; details?: string[] };
    throw new ApiError(response.status, body.error ?? `${response.status} ${response.statusText || 'error'}`, body.details ?? []);
  }
  return data as T;
}

/** A person-readable text of any error. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) return err.details.length ? `${err.message}: ${err.details.join('; ')}` : err.message;
  return err instanceof Error ? err.message : String(err);
}

/** SKIPPED (overlap policy) alerts like a failure, and shows like one. */
export const FAILURE_STATUSES: ExecutionStatus[] = ['FAILED', 'TIMED_OUT', 'MISSED', 'SKIPPED'];
export const ALL_STATUSES: ExecutionStatus[] = ['QUEUED', 'PENDING', 'RUNNING', 'RETRYING', 'SUCCESS', 'FAILED', 'CANCELLED', 'TIMED_OUT', 'MISSED', 'SKIPPED'];
