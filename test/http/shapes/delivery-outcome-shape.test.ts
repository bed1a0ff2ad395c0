import { deliveryView } from '../../../src/http/shapes/delivery-outcome-shape';

const ref = { executionId: 'e', taskId: 't', projectId: 'p' };
const failure = (fields: Record<string, unknown>) => ({ ...ref, attempt: 1, retryable: false, nextAttemptAt: null, durationMs: 12, at: '2026-01-01T00:00:00.000Z', ...fields });

describe('delivery outcomes in audit pages', () => {
  it('keeps the recorded class; derives one for outcomes recorded before classes were', () => {
    const recorded = failure({ reason: 'refused by outbound policy: …', status: null, outcome: 'refused_by_policy' });
    expect(deliveryView('ExecutionDispatchFailed', recorded, 'shown')).toEqual(recorded);
    const older = (fields: Record<string, unknown>) => (deliveryView('ExecutionDispatchFailed', failure(fields), 'shown') as { outcome: string }).outcome;
    expect(older({ reason: 'the executor answered HTTP 503', status: 503 })).toBe('http_error');
    expect(older({ reason: 'no answer within 30 s; not sent again: the executor may be running the job', status: null })).toBe('timeout');
    expect(older({ reason: 'ECONNTIMEOUT: no connection within 30000 ms; the request was not sent', status: null })).toBe('timeout');
    expect(older({ reason: 'ECONNREFUSED: connect ECONNREFUSED 10.0.0.5:8080; the request was not sent', status: null })).toBe('network_error');
    const alert = (reason: string) => (deliveryView('AlertSendFailed', { reason, retryAt: null }, 'shown') as { outcome: string }).outcome;
    expect(alert('the webhook answered HTTP 404')).toBe('http_error');
    expect(alert('the webhook could not be reached: ENOTFOUND hooks.internal')).toBe('network_error');
    expect(deliveryView('ExecutionDispatched', { ...ref, attempt: 1, status: 200, durationMs: 5, at: 'x' }, 'shown')).toMatchObject({ outcome: 'ok', status: 200 });
  });

  it('hides the details, and only them, when the caller may not edit', () => {
    const hidden = deliveryView('ExecutionDispatchFailed', failure({ reason: 'ECONNREFUSED: connect ECONNREFUSED 10.0.0.5:8080', status: null, outcome: 'network_error' }), 'hidden');
    expect(hidden).toEqual({ ...ref, attempt: 1, retryable: false, nextAttemptAt: null, at: '2026-01-01T00:00:00.000Z', outcome: 'network_error' });
    expect(deliveryView('AlertSent', { alertId: 'a', channel: 'email', response: '250 2.0.0 queued on smtp.internal' }, 'hidden')).toEqual({ alertId: 'a', channel: 'email', outcome: 'ok' });
    expect(deliveryView('ExecutionDispatchOutcomeUnknown', { ...ref, attempt: 1, reason: 'the server stopped' }, 'hidden')).toMatchObject({ outcome: 'unknown', reason: 'the server stopped' });
    // Anything else is left as recorded.
    const created = { ...ref, status: 'PENDING' };
    expect(deliveryView('ExecutionCreated', created, 'hidden')).toBe(created);
  });
});
