import type { DeliveryOutcome } from '../../events/delivery-outcome';

/**
 * Delivery outcomes (dispatches, alert sends) in an audit page. Every reader gets the outcome class
 * (`outcome`); the details beside it (error text with hosts, ports and resolver answers, HTTP status,
 * SMTP response, duration) would turn the history into a network probe, so only callers who may edit
 * the project (editors, admins, write keys) see them. Viewers and read keys see the class only.
 */
export type DeliveryDetails = 'shown' | 'hidden';

/** Per event type: the fields that are details, and the class of an event recorded before classes were. */
const DELIVERY_EVENTS = new Map<string, { details: string[]; outcome: (data: Record<string, unknown>) => DeliveryOutcome }>([
  ['ExecutionDispatched', { details: ['status', 'durationMs'], outcome: () => 'ok' }],
  ['ExecutionDispatchFailed', { details: ['reason', 'status', 'durationMs'], outcome: olderDispatchFailure }],
  ['ExecutionDispatchOutcomeUnknown', { details: [], outcome: () => 'unknown' }],
  ['AlertSent', { details: ['response'], outcome: () => 'ok' }],
  ['AlertSendFailed', { details: ['reason'], outcome: (data) => (/answered HTTP/.test(String(data.reason)) ? 'http_error' : 'network_error') }],
]);

/** An event's data as the caller may see it: with its outcome class, and without the details when they are hidden. */
export function deliveryView(type: string, data: unknown, details: DeliveryDetails): unknown {
  const rule = DELIVERY_EVENTS.get(type);
  if (!rule || typeof data !== 'object' || data === null) return data;
  const fields = data as Record<string, unknown>;
  const shown: Record<string, unknown> = { ...fields, outcome: fields.outcome ?? rule.outcome(fields) };
  if (details === 'hidden') for (const field of rule.details) delete shown[field];
  return shown;
}

export function hasDeliveryEvents(types: string[]): boolean {
  return types.some((type) => DELIVERY_EVENTS.has(type));
}

function olderDispatchFailure(data: Record<string, unknown>): DeliveryOutcome {
  if (typeof data.status === 'number') return 'http_error';
  return /^no answer within|ECONNTIMEOUT/.test(String(data.reason)) ? 'timeout' : 'network_error';
}
