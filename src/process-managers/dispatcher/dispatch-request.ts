import { maskUrl } from '../../config/mask-url';
import type { TriggerType } from '../../events/execution-events';
import type { JsonObject } from '../../events/json';
import type { ProjectInfo, Track } from './dispatch-tracks';
import type { WebhookRequest } from './webhook-sender';
import { SIGNATURE_HEADER, signatureHeader, TIMESTAMP_HEADER } from './webhook-signature';

/** The body of a dispatch (COMPAT.md, "The executor contract": at least `task_name` and `execution_id`). */
export interface DispatchPayload {
  task_name: string;
  execution_id: string;
  task_id: string;
  project_id: string;
  scheduled_at: string;
  /** The execution's attempt (1 for the first run of a tick). */
  attempt: number;
  /** The task's metadata (null when it has none). */
  metadata: JsonObject | null;
  trigger_type: TriggerType;
  /** 1 for the first delivery of this execution; higher for a re-send after a failure that did not reach the executor. */
  delivery_attempt: number;
}

export function dispatchPayload(track: Track, metadata: JsonObject | null, attempt: number): DispatchPayload {
  return {
    task_name: track.taskName,
    execution_id: track.ref.executionId,
    task_id: track.ref.taskId,
    project_id: track.ref.projectId,
    scheduled_at: track.scheduledAt,
    attempt: track.executionAttempt,
    metadata,
    trigger_type: track.triggerType,
    delivery_attempt: attempt,
  };
}

/** The headers of delivery `attempt`, signed with each of `secrets` (webhook-signature.ts); unsigned without one. */
export function dispatchHeaders(executionId: string, attempt: number, secrets: string[], signedAt: number, body: string): WebhookRequest['headers'] {
  const headers: WebhookRequest['headers'] = {
    'Content-Type': 'application/json',
    'User-Agent': 'cron-observer-dispatcher/1',
    'X-Cron-Observer-Execution-Id': executionId,
    'X-Cron-Observer-Delivery-Attempt': String(attempt),
    [TIMESTAMP_HEADER]: String(signedAt),
  };
  if (secrets.length > 0) headers[SIGNATURE_HEADER] = signatureHeader(secrets, signedAt, body);
  return headers;
}

/** The current secret, then the previous one while its grace period lasts. */
export function signingSecrets(project: ProjectInfo, nowMs: number): string[] {
  const secrets: string[] = [];
  if (project.secret) secrets.push(project.secret);
  if (project.previousSecret && project.previousValidUntil !== null && project.previousValidUntil > nowMs) secrets.push(project.previousSecret);
  return secrets;
}

/**
 * The endpoint as events show it: without credentials and without the query's values (webhook URLs
 * often carry a token there).
 */
export function displayUrl(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    return `${url.protocol}//${url.host}${url.pathname}${url.search ? '?…' : ''}`;
  } catch {
    return maskUrl(endpoint);
  }
}
