import { ConfigError, loadConfig } from '../../src/config/config';
import { strongPassword } from '../support/passwords';

/** The problems loadConfig reports for `env` (none: []). */
function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    return (err as ConfigError).problems;
  }
}

describe('configuration from the environment', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8080,
      host: null,
      eventStoreUrl: null,
      eventStoreStreamPrefix: null,
      mongodbUrl: null,
      smtpUrl: null,
      smtpFrom: 'Cron Observer <cron-observer@localhost>',
      publicUrl: 'http://localhost:8080',
      adminEmail: null,
      logLevel: 'info',
      corsOrigins: [],
      outbound: { execution: { allow: [], deny: [] }, alert: { allow: [], deny: [] }, oidc: { allow: [], deny: [] } },
      oidc: null,
      pingRateLimit: 30,
    });
    expect(config.dataDir).toMatch(/\/data$/);
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '9090',
      HOST: '127.0.0.1',
      DATA_DIR: '/tmp/co',
      EVENTSTORE_URL: 'esdb://localhost:2113?tls=false',
      MONGODB_URL: 'mongodb://localhost:27017/co',
      SMTP_URL: 'smtp://u:p@localhost:2525',
      SMTP_FROM: 'Ops <ops@example.com>',
      PUBLIC_URL: 'https://cron.example.com/',
      ADMIN_EMAIL: 'Admin@Example.com',
      ADMIN_PASSWORD: strongPassword('admin'),
      LOG_LEVEL: 'debug',
      CORS_ORIGINS: 'https://Ops.Example.com/, http://localhost:5173,*',
    });
    expect(config).toMatchObject({
      port: 9090,
      host: '127.0.0.1',
      dataDir: '/tmp/co',
      publicUrl: 'https://cron.example.com',
      adminEmail: 'admin@example.com',
      logLevel: 'debug',
      corsOrigins: ['https://ops.example.com', 'http://localhost:5173', '*'],
    });
  });

  it('names every bad variable at once', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({ PORT: 'eighty', MONGODB_URL: 'http://x', SMTP_URL: 'not a url', LOG_LEVEL: 'loud', ADMIN_EMAIL: 'a@b.c', CORS_ORIGINS: 'ops.example.com' });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = error!.problems.join('\n');
    for (const name of ['PORT', 'MONGODB_URL', 'SMTP_URL', 'LOG_LEVEL', 'ADMIN_PASSWORD', 'CORS_ORIGINS']) expect(text).toContain(name);
  });

  it('holds ADMIN_PASSWORD to the password rule, naming the rule and never quoting the password', () => {
    const problems = (password: string) => problemsOf({ ADMIN_EMAIL: 'admin@example.com', ADMIN_PASSWORD: password });
    expect(problems('12345678')).toEqual(['ADMIN_PASSWORD: must be at least 12 characters long']);
    expect(problems('password')).toEqual(['ADMIN_PASSWORD: must be at least 12 characters long']);
    expect(problems('correcthorse')).toEqual(['ADMIN_PASSWORD: too easy to guess (strength 1 of 4, at least 3 needed). Add more words that are less common.']);
    expect(problems('admin@example.com')).toEqual([expect.stringMatching(/^ADMIN_PASSWORD: too easy to guess/)]);
    expect(problems('qwertyuiop1234').join('\n')).not.toContain('qwerty');
    expect(problems(strongPassword('admin'))).toEqual([]);
  });

  it('takes a hop count or proxy addresses as TRUST_PROXY', () => {
    expect(loadConfig({}).trustProxy).toBeNull();
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '0' }).trustProxy).toBeNull();
    expect(loadConfig({ TRUST_PROXY: 'Loopback, 10.0.0.0/8, fd00::/8, 192.168.1.4' }).trustProxy).toEqual(['loopback', '10.0.0.0/8', 'fd00::/8', '192.168.1.4/32']);
    for (const bad of ['true', 'proxy.example.com', '10.0.0.0/33', '10.0.0.0/8/1', '-1']) expect(() => loadConfig({ TRUST_PROXY: bad })).toThrow(/TRUST_PROXY: /);
  });

  it('takes an IP address or a host name as HOST', () => {
    for (const good of ['0.0.0.0', '::', '::1', 'localhost', 'cron-observer.internal']) expect(loadConfig({ HOST: good }).host).toBe(good);
    for (const bad of ['http://localhost', 'localhost:8080', 'no such host', '127.0.0.1/8']) expect(() => loadConfig({ HOST: bad })).toThrow(/HOST: /);
  });

  it('takes origins only, each with scheme, host and port', () => {
    for (const bad of ['ops.example.com', 'https://ops.example.com/app', 'ftp://ops.example.com', 'https://user@ops.example.com']) {
      expect(() => loadConfig({ CORS_ORIGINS: `https://ok.example.com,${bad}` })).toThrow(/CORS_ORIGINS/);
    }
    expect(loadConfig({ CORS_ORIGINS: 'https://ops.example.com:8443' }).corsOrigins).toEqual(['https://ops.example.com:8443']);
  });

  it('reads the outbound CIDR lists, and stops on a range that is not one, naming the variable', () => {
    const config = loadConfig({
      OUTBOUND_EXECUTION_ALLOW: '169.254.169.254',
      OUTBOUND_EXECUTION_DENY: '10.0.0.0/8, fd00::/8',
      OUTBOUND_ALERT_ALLOW: '192.168.10.0/24',
      OUTBOUND_ALERT_DENY: '::ffff:8.8.8.0/120',
      OUTBOUND_OIDC_DENY: '10.9.0.0/16',
    });
    expect(config.outbound).toEqual({
      execution: { allow: ['169.254.169.254/32'], deny: ['10.0.0.0/8', 'fd00::/8'] },
      alert: { allow: ['192.168.10.0/24'], deny: ['8.8.8.0/24'] },
      oidc: { allow: [], deny: ['10.9.0.0/16'] },
    });
    let error: ConfigError | undefined;
    try {
      loadConfig({ OUTBOUND_EXECUTION_DENY: '10.0.0.0/33', OUTBOUND_ALERT_ALLOW: '10.0.0.0/8,intranet' });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems).toEqual([
      'OUTBOUND_EXECUTION_DENY: "10.0.0.0/33" is not a CIDR range (such as 10.0.0.0/8, fd00::/8 or 192.168.1.20)',
      'OUTBOUND_ALERT_ALLOW: "intranet" is not a CIDR range (such as 10.0.0.0/8, fd00::/8 or 192.168.1.20)',
    ]);
  });

  it('reads single sign-on: issuer, client, scopes, role claim and map, SSO-only and the button', () => {
    const config = loadConfig({
      OIDC_ISSUER: 'https://id.example.com/realms/ops/',
      OIDC_CLIENT_ID: 'cron-observer',
      OIDC_CLIENT_SECRET: 's3cret',
      OIDC_SCOPES: 'openid email groups',
      OIDC_ROLE_CLAIM: 'roles',
      OIDC_ROLE_MAP: 'ops=p-1:admin, auditors = p-1:Viewer,devs=p-2:editor,platform=super_admin',
      OIDC_SSO_ONLY: 'TRUE',
      OIDC_BUTTON_LABEL: 'Sign in with Example ID',
    });
    expect(config.oidc).toEqual({
      issuer: 'https://id.example.com/realms/ops',
      clientId: 'cron-observer',
      clientSecret: 's3cret',
      scopes: ['openid', 'email', 'groups'],
      roleClaim: 'roles',
      roleMap: [
        { group: 'ops', projectId: 'p-1', role: 'admin' },
        { group: 'auditors', projectId: 'p-1', role: 'viewer' },
        { group: 'devs', projectId: 'p-2', role: 'editor' },
        { group: 'platform', superAdmin: true },
      ],
      ssoOnly: true,
      buttonLabel: 'Sign in with Example ID',
    });
    expect(loadConfig({ OIDC_ISSUER: 'http://127.0.0.1:9000', OIDC_CLIENT_ID: 'c' }).oidc).toMatchObject({
      clientSecret: null,
      scopes: ['openid', 'email', 'profile'],
      roleClaim: 'groups',
      roleMap: [],
      ssoOnly: false,
      buttonLabel: 'Sign in with single sign-on',
    });
  });

  it('names every bad single sign-on variable', () => {
    const problems = problemsOf;
    expect(problems({ OIDC_CLIENT_ID: 'c', OIDC_SSO_ONLY: 'true' })).toEqual(['OIDC_CLIENT_ID, OIDC_SSO_ONLY: set without OIDC_ISSUER, which turns single sign-on on']);
    expect(problems({ OIDC_ISSUER: 'http://id.example.com', OIDC_SCOPES: 'email', OIDC_SSO_ONLY: 'yes', OIDC_ROLE_MAP: 'ops=p-1:owner,=x,devs' })).toEqual([
      'OIDC_ISSUER: must be an https:// URL (plain http only on loopback), got "http://"',
      'OIDC_CLIENT_ID: required with OIDC_ISSUER (the client id registered at the provider)',
      'OIDC_SCOPES: must include "openid" (got "email")',
      'OIDC_SSO_ONLY: "yes" is not true or false',
      'OIDC_ROLE_MAP: "ops=p-1:owner" must map to project_id:admin, :editor or :viewer, or to super_admin',
      'OIDC_ROLE_MAP: "=x" is not group=project_id:role or group=super_admin',
      'OIDC_ROLE_MAP: "devs" is not group=project_id:role or group=super_admin',
    ]);
  });

  it('accepts the EventStoreDB and KurrentDB URL schemes, and names the expected ones otherwise', () => {
    for (const scheme of ['esdb', 'esdb+discover', 'kurrentdb', 'kurrentdb+discover', 'kurrent', 'kurrent+discover', 'kdb', 'kdb+discover']) {
      expect(loadConfig({ EVENTSTORE_URL: `${scheme}://localhost:2113?tls=false` }).eventStoreUrl).toBe(`${scheme}://localhost:2113?tls=false`);
    }
    expect(() => loadConfig({ EVENTSTORE_URL: 'http://localhost:2113' })).toThrow(/EVENTSTORE_URL: expected a esdb:\/\/ or .*kurrentdb:\/\/.*got "http:\/\/"/);
  });

  it('reads EVENTSTORE_STREAM_PREFIX, and names the rule for a prefix that breaks it', () => {
    const url = 'esdb://localhost:2113?tls=false';
    expect(loadConfig({ EVENTSTORE_URL: url, EVENTSTORE_STREAM_PREFIX: 'team-a.' }).eventStoreStreamPrefix).toBe('team-a.');
    expect(loadConfig({ EVENTSTORE_URL: url, EVENTSTORE_STREAM_PREFIX: 'Test_run-42_' }).eventStoreStreamPrefix).toBe('Test_run-42_');
    const problems = (prefix: string) => problemsOf({ EVENTSTORE_URL: url, EVENTSTORE_STREAM_PREFIX: prefix });
    const rule = /^EVENTSTORE_STREAM_PREFIX: ".*" must be at most 64 letters, digits, "-", "_" or "\." and end in "-", "_" or "\."/;
    for (const bad of ['team-a', 'team a-', 'team/a-', 'tëam-', '$all-', `${'a'.repeat(64)}-`]) expect(problems(bad)).toEqual([expect.stringMatching(rule)]);
    expect(problems(`${'a'.repeat(63)}-`)).toEqual([]);
    expect(problemsOf({ EVENTSTORE_STREAM_PREFIX: 'team-a.' })).toEqual(['EVENTSTORE_STREAM_PREFIX: set without EVENTSTORE_URL, the server whose streams it names']);
  });

  it('takes a MongoDB connection string with several hosts, and names a malformed one without its password', () => {
    const seeds = 'mongodb://user:pw@mongo1:27017,mongo2:27017/app?replicaSet=rs0';
    expect(loadConfig({ MONGODB_URL: seeds }).mongodbUrl).toBe(seeds);
    expect(loadConfig({ MONGODB_URL: 'mongodb+srv://cluster0.example.net/' }).mongodbUrl).toBe('mongodb+srv://cluster0.example.net/');
    const problems = (url: string) => problemsOf({ MONGODB_URL: url });
    expect(problems('http://mongo:27017')).toEqual(['MONGODB_URL: expected a mongodb:// or mongodb+srv:// URL, got "http://"']);
    expect(problems('mongodb://user:secret@/app')).toEqual([expect.stringMatching(/^MONGODB_URL: ".*" is not a mongodb:\/\/ or mongodb\+srv:\/\/ connection string$/)]);
    expect(problems('mongodb://user:secret@/app').join()).not.toContain('secret');
  });
});
