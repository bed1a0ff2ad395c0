import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiClient } from '../../support/api-client';
import { capturedLogger } from '../../support/captured-logger';
import { startTestServer } from '../../support/test-server';

/** The provider is reached through the outbound policy (purpose `oidc`), judged on the address connected to. */
describe('single sign-on and the outbound policy', () => {
  let provider: Server;
  let discoveries = 0;
  let issuer: string;

  beforeAll(async () => {
    // Counts discovery requests: a refused connection must never reach it.
    provider = createServer((_req, res) => {
      discoveries += 1;
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => provider.close(resolve));
  });

  it('refuses to connect to a provider in OUTBOUND_OIDC_DENY: 503 naming the rule, no request sent', async () => {
    const log = capturedLogger();
    const server = await startTestServer({ OIDC_ISSUER: issuer, OIDC_CLIENT_ID: 'c', OUTBOUND_OIDC_DENY: '127.0.0.0/8' }, { logger: log.logger });
    try {
      const answer = await new ApiClient(server.url).get('/auth/oidc/login');
      expect(answer.status).toBe(503);
      expect(answer.body.error).toMatch(/could not be reached: .*refused by outbound policy: 127\.0\.0\.1 is in OUTBOUND_OIDC_DENY \(127\.0\.0\.0\/8\)/);
      expect(discoveries).toBe(0);
      // The operator sees it in the log too.
      expect(log.entries()).toContainEqual(expect.objectContaining({ msg: 'single sign-on: discovery failed', issuer, reason: expect.stringContaining('OUTBOUND_OIDC_DENY') }));
    } finally {
      await server.stop();
    }
  });

  it('reaches a provider on loopback by default (the operator names it), and says when it does not answer discovery', async () => {
    const server = await startTestServer({ OIDC_ISSUER: issuer, OIDC_CLIENT_ID: 'c' });
    try {
      const answer = await new ApiClient(server.url).get('/auth/oidc/login');
      expect(answer.status).toBe(503);
      expect(answer.body.error).toMatch(/^The sign-on provider http:\/\/127\.0\.0\.1:\d+ could not be reached: /);
      expect(discoveries).toBe(1);
    } finally {
      await server.stop();
    }
  });

  it('answers 404 on its routes when single sign-on is not configured', async () => {
    const server = await startTestServer();
    try {
      const client = new ApiClient(server.url);
      expect((await client.get('/auth/oidc/login')).body).toEqual({ error: 'Single sign-on is not configured on this server (OIDC_ISSUER is unset)' });
      expect((await client.get('/auth/oidc/callback?code=x&state=y')).status).toBe(404);
      expect((await client.get('/auth/config')).body).toEqual({ password_sign_in: 'everyone', sso: null });
    } finally {
      await server.stop();
    }
  });
});
