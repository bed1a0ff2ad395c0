import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { computeSignature, SDK_VERSION, signatureHeaders, verifySignature } from '@cron-observer/sdk';
import { SDK_DIR } from './sdk-fixtures';

describe('dispatch signatures (v1)', () => {
  const body = '{"task_name":"t","execution_id":"e"}';
  const now = 1_800_000_000_000;

  it('is hex HMAC-SHA256 of "<timestamp>.<raw body>", as the dispatcher computes it', () => {
    expect(computeSignature('s3cret', 1_800_000_000, body)).toBe(createHmac('sha256', 's3cret').update(`1800000000.${body}`).digest('hex'));
    expect(signatureHeaders('s3cret', body, now)).toEqual({
      'X-Cron-Observer-Timestamp': '1800000000',
      'X-Cron-Observer-Signature': `v1=${computeSignature('s3cret', 1_800_000_000, body)}`,
    });
  });

  const verify = (secrets: string[], headers: Record<string, string>, rawBody = body, nowMs = now) =>
    verifySignature({ secrets, timestamp: headers['X-Cron-Observer-Timestamp'], signature: headers['X-Cron-Observer-Signature'], rawBody, nowMs });

  it('accepts any of several v1 values against any of several secrets (a rotation, on either side)', () => {
    const rotating = signatureHeaders(['new', 'old'], body, now);
    expect(rotating['X-Cron-Observer-Signature']).toMatch(/^v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    expect(verify(['old'], rotating)).toEqual({ ok: true, timestamp: 1_800_000_000 });
    expect(verify(['new'], rotating).ok).toBe(true);
    expect(verify(['other', 'new'], signatureHeaders('new', body, now)).ok).toBe(true);
    expect(verify(['other'], rotating)).toEqual({ ok: false, reason: 'signature does not match' });
  });

  it('refuses a changed body, a timestamp beyond 5 minutes either way, and malformed headers', () => {
    const headers = signatureHeaders('k', body, now);
    expect(verify(['k'], headers, `${body} `).ok).toBe(false);
    expect(verify(['k'], headers, body, now + 299_000).ok).toBe(true);
    expect(verify(['k'], headers, body, now + 301_000)).toMatchObject({ ok: false, reason: expect.stringMatching(/timestamp is 301 s away/) });
    expect(verify(['k'], headers, body, now - 301_000).ok).toBe(false);
    expect(verify(['k'], { ...headers, 'X-Cron-Observer-Timestamp': 'yesterday' }).ok).toBe(false);
    expect(verify(['k'], { ...headers, 'X-Cron-Observer-Signature': 'v0=abc' })).toEqual({ ok: false, reason: 'no v1 signature' });
    expect(verify(['k'], {})).toMatchObject({ ok: false, reason: expect.stringMatching(/missing/) });
  });

  it("the SDK's version is its package's", () => {
    expect(SDK_VERSION).toBe(JSON.parse(readFileSync(join(SDK_DIR, 'package.json'), 'utf8')).version);
  });
});
