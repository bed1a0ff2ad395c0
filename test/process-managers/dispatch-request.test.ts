import { dispatchHeaders, dispatchPayload, signingSecrets } from '../../src/process-managers/dispatcher/dispatch-request';
import type { ProjectInfo, Track } from '../../src/process-managers/dispatcher/dispatch-tracks';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from '../../src/process-managers/dispatcher/webhook-signature';

const track = {
  ref: { executionId: 'exec-1', taskId: 'task-1', projectId: 'project-1' },
  taskName: 'nightly',
  scheduledAt: '2026-12-05T10:00:00.000Z',
  executionAttempt: 2,
  triggerType: 'SCHEDULED',
} as Track;
const project = (previousValidUntil: number | null): ProjectInfo => ({ endpoint: 'https://jobs.example.com/run', secret: 'new', previousSecret: 'old', previousValidUntil });

describe('dispatch-request: what a dispatch sends', () => {
  it('names the execution, its attempt and the delivery, with the task’s metadata', () => {
    expect(dispatchPayload(track, { team: 'ops' }, 3)).toEqual({
      task_name: 'nightly',
      execution_id: 'exec-1',
      task_id: 'task-1',
      project_id: 'project-1',
      scheduled_at: '2026-12-05T10:00:00.000Z',
      attempt: 2,
      metadata: { team: 'ops' },
      trigger_type: 'SCHEDULED',
      delivery_attempt: 3,
    });
  });

  it('signs with the current secret, and the previous one only while its grace period lasts', () => {
    expect(signingSecrets(project(2_000), 1_000)).toEqual(['new', 'old']);
    expect(signingSecrets(project(1_000), 1_000)).toEqual(['new']);
    expect(signingSecrets(project(null), 1_000)).toEqual(['new']);
    expect(signingSecrets({ ...project(null), secret: null }, 1_000)).toEqual([]);
  });

  it('carries a signature an executor verifies, and none without a secret', () => {
    const body = JSON.stringify(dispatchPayload(track, null, 1));
    const headers = dispatchHeaders('exec-1', 1, ['new', 'old'], 1_000, body);
    expect(headers).toMatchObject({ 'X-Cron-Observer-Execution-Id': 'exec-1', 'X-Cron-Observer-Delivery-Attempt': '1', [TIMESTAMP_HEADER]: '1000' });
    const verify = (secrets: string[]) => verifySignature({ secrets, timestampHeader: headers[TIMESTAMP_HEADER], signatureHeader: headers[SIGNATURE_HEADER], body, nowSeconds: 1_010 });
    expect(verify(['old'])).toBe(true);
    expect(verify(['other'])).toBe(false);
    expect(dispatchHeaders('exec-1', 1, [], 1_000, body)).not.toHaveProperty(SIGNATURE_HEADER);
  });
});
