import type { SendResult } from '../../../commands/alerts/alert-commands';
import type { OutboundRules } from '../../../outbound/outbound-policy';
import { type SendResult as WebhookResult, sendWebhook } from '../../dispatcher/webhook-sender';

export const ALERT_POST_TIMEOUT_MS = 10_000;

/**
 * POSTs one alert through the dispatcher's sender, under the outbound policy for alerts. 2xx: sent.
 * 408, 429, 5xx, no answer: retried. Any other answer (a redirect too: never followed) and a refused
 * address: given up. `who` names the receiver in the reason ("the webhook", "slack").
 */
export async function postAlert(who: string, url: string, headers: Record<string, string>, body: string, outbound: OutboundRules): Promise<SendResult> {
  let result: WebhookResult;
  try {
    result = await sendWebhook({ url, headers, body, timeoutMs: ALERT_POST_TIMEOUT_MS, outbound: { rules: outbound, purpose: 'alert' } }).result;
  } catch (err) {
    return { ok: false, reason: `${who} could not be reached: ${describeError(err as Error)}`, permanent: false, outcome: 'network_error' };
  }
  return outcomeOf(who, result);
}

function outcomeOf(who: string, result: WebhookResult): SendResult {
  switch (result.kind) {
    case 'answered': {
      const status = `HTTP ${result.status}`;
      if (result.status >= 200 && result.status < 300) return { ok: true, response: status };
      const retryable = result.status === 408 || result.status === 429 || result.status >= 500;
      return { ok: false, reason: `${who} answered ${status}`, permanent: !retryable, outcome: 'http_error' };
    }
    case 'refused':
      return { ok: false, reason: `refused by outbound policy: ${result.rule}`, permanent: true, outcome: 'refused_by_policy' };
    case 'timeout':
      return { ok: false, reason: `${who} did not answer within ${ALERT_POST_TIMEOUT_MS / 1000} s`, permanent: false, outcome: 'timeout' };
    case 'not-sent':
    case 'error': {
      const outcome = result.code === 'ECONNTIMEOUT' ? 'timeout' : 'network_error';
      return { ok: false, reason: `${who} could not be reached: ${result.code}: ${result.message}`.slice(0, 500), permanent: false, outcome };
    }
    case 'aborted':
      return { ok: false, reason: 'the send was cancelled', permanent: false, outcome: 'network_error' };
  }
}

export function describeError(err: Error & { code?: string; response?: string; cause?: unknown }): string {
  const cause = err.cause instanceof Error ? ` (${(err.cause as Error & { code?: string }).code ?? err.cause.message})` : '';
  const code = err.code ? `${err.code}: ` : '';
  return `${code}${err.response ?? err.message}${cause}`.slice(0, 500);
}
