import { v5 as uuidv5 } from 'uuid';
import type { AlertKind } from '../../events/alert-events';

/**
 * The alerts' UUIDv5 namespace. Fixed forever: changing it would give a decided alert a new id, so a
 * replay across the change could send it again.
 */
export const ALERT_ID_NAMESPACE = 'c7a4f0e2-5b1d-4e8a-9f36-2d7b8c1e4a90';

/** `uuidv5("<taskId>|<executionId>|<kind>")`: one alert of a kind per execution, on every instance and after every restart. */
export function alertId(taskId: string, executionId: string, kind: AlertKind): string {
  return uuidv5(`${taskId}|${executionId}|${kind}`, ALERT_ID_NAMESPACE);
}

/** The incident opened by this execution's failure. */
export function incidentId(taskId: string, executionId: string): string {
  return uuidv5(`${taskId}|${executionId}|incident`, ALERT_ID_NAMESPACE);
}

/** The mail's `Message-ID` (also sent with the webhook), the same for every attempt of the alert. */
export function alertMessageId(id: string): string {
  return `<alert-${id}@cron-observer>`;
}
