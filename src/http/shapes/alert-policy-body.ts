import type { AlertPolicy } from '../../events/project-events';

/** When to mail about a task's failures; null on a task means the project's policy applies. */
export interface AlertPolicyBody {
  /**
   * Consecutive failures before the first alert.
   * @isInt
   * @minimum 1
   * @maximum 1000
   */
  after_failures: number;
  /** Mail once when a failing task succeeds again. */
  notify_recovery: boolean;
  /**
   * Repeat the alert this often while the task keeps failing; null: alert once. At most a year.
   * @isInt
   * @minimum 1
   * @maximum 525600
   */
  realert_minutes?: number | null;
}

export function alertPolicyFromBody(body: AlertPolicyBody): AlertPolicy {
  return { afterFailures: body.after_failures, notifyRecovery: body.notify_recovery, realertMinutes: body.realert_minutes ?? null };
}

export function alertPolicyBody(policy: AlertPolicy): AlertPolicyBody {
  return { after_failures: policy.afterFailures, notify_recovery: policy.notifyRecovery, realert_minutes: policy.realertMinutes };
}
