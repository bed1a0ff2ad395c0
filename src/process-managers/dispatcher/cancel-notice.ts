import type { ExecutionCancelled } from '../../events/execution-events';
import { executionStream } from '../../events/streams';
import type { Logger } from '../../logging/logger';
import type { OutboundRules } from '../../outbound/outbound-policy';
import type { EventStore } from '../../stores/events/event-store';
import type { Clock } from '../../time/clock';
import { type SentRequest, sendWebhook } from './webhook-sender';
import { SIGNATURE_HEADER, signatureHeader, TIMESTAMP_HEADER } from './webhook-signature';

/**
 * The notice a push executor gets when a run it was sent is cancelled because a newer run replaced it
 * (overlap policy `replace`; README, "Webhook signatures"). Signed exactly like a dispatch, but it can
 * never be taken for one: an executor of the original API runs any POST carrying `task_name`, so the
 * body has no `task_name` (it names the task by `task_id` only), says what it is in `type`, and the
 * request carries `X-Cron-Observer-Event: execution.cancelled` (a dispatch carries no such header).
 */
export const EVENT_HEADER = 'X-Cron-Observer-Event';
export const CANCEL_NOTICE_EVENT = 'execution.cancelled';

export interface CancelNoticePayload {
  type: typeof CANCEL_NOTICE_EVENT;
  execution_id: string;
  task_id: string;
  project_id: string;
  cancelled_at: string;
  reason: string;
  /** The run that replaced this one. */
  replaced_by: string | null;
}

export function cancelNoticePayload(data: ExecutionCancelled['data']): CancelNoticePayload {
  return {
    type: CANCEL_NOTICE_EVENT,
    execution_id: data.executionId,
    task_id: data.taskId,
    project_id: data.projectId,
    cancelled_at: data.at,
    reason: data.reason ?? `cancelled by ${data.by}`,
    replaced_by: data.replacedBy ?? null,
  };
}

/** The headers of a notice: the dispatch's own signature scheme, and the event header. */
export function cancelNoticeHeaders(executionId: string, secrets: string[], signedAt: number, body: string): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'User-Agent': 'cron-observer-dispatcher/1',
    [EVENT_HEADER]: CANCEL_NOTICE_EVENT,
    'X-Cron-Observer-Execution-Id': executionId,
    [TIMESTAMP_HEADER]: String(signedAt),
  };
  if (secrets.length > 0) headers[SIGNATURE_HEADER] = signatureHeader(secrets, signedAt, body);
  return headers;
}

export interface CancelNoticeDeps {
  events: EventStore;
  clock: Clock;
  logger: Logger;
  outbound: OutboundRules;
  timeoutMs: number;
  /** The dispatcher's requests in flight (aborted when it stops). */
  requests: Set<SentRequest>;
}

/**
 * Sends the notice once, when the dispatcher sees the cancellation live, and only if a dispatch of the
 * run was attempted (an executor never told of a run has nothing to stop). Not retried and not
 * recorded (the cancellation itself is): a lost notice leaves a job that runs to its end, whose report
 * is then answered 409 (v1) or recorded as late (compat). Never rejects.
 */
export async function sendCancelNotice(deps: CancelNoticeDeps, endpoint: string, secrets: string[], data: ExecutionCancelled['data']): Promise<void> {
  const { executionId } = data;
  try {
    const history = await deps.events.readStream(executionStream(executionId));
    const pushed = history.some((e) => e.type === 'ExecutionCreated' && (e.data as { executionMode?: string }).executionMode === 'push');
    if (!pushed || !history.some((e) => e.type === 'ExecutionDispatchAttempted')) return;
    const body = JSON.stringify(cancelNoticePayload(data));
    const headers = cancelNoticeHeaders(executionId, secrets, Math.floor(deps.clock.now().getTime() / 1000), body);
    const request = sendWebhook({ url: endpoint, headers, body, timeoutMs: deps.timeoutMs, outbound: { rules: deps.outbound, purpose: 'execution' } });
    deps.requests.add(request);
    try {
      const result = await request.result;
      deps.logger.info({ executionId, result: result.kind }, 'cancel notice sent');
    } finally {
      deps.requests.delete(request);
    }
  } catch (err) {
    deps.logger.warn({ err, executionId }, 'cancel notice not sent');
  }
}
