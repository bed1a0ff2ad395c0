import { ConfigError, loadConfig } from '../../src/config/config';
import { strongPassword } from '../support/passwords';

describe('configuration from the environment', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8080,
      host: null,
      eventStoreUrl: null,
      mongodbUrl: null,
      smtpUrl: null,
      smtpFrom: 'Cron Observer <cron-observer@localhost>',
      publicUrl: 'http://localhost:8080',
      adminEmail: null,
      logLevel: 'info',
      corsOrigins: [],
      outbound: { execution: { allow: [], deny: [] }, alert: { allow: [], deny: [] } },
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
    const problems = (password: string) => {
      try {
        loadConfig({ ADMIN_EMAIL: 'admin@example.com', ADMIN_PASSWORD: password });
      } catch (err) {
        return (err as ConfigError).problems;
      }
      return [];
    };
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
    });
    expect(config.outbound).toEqual({
      execution: { allow: ['169.254.169.254/32'], deny: ['10.0.0.0/8', 'fd00::/8'] },
      alert: { allow: ['192.168.10.0/24'], deny: ['8.8.8.0/24'] },
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
});
