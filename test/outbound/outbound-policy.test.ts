import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config/config';
import { OUTBOUND_REFUSED, policyLookup } from '../../src/outbound/outbound-agent';
import { checkAddress, checkLiteralHost, NO_OUTBOUND_LISTS, type OutboundPurpose, type OutboundRules, parseCidrList } from '../../src/outbound/outbound-policy';
import { sendWebhook } from '../../src/process-managers/dispatcher/webhook-sender';

const rules = (env: Record<string, string>): OutboundRules => loadConfig(env).outbound;

/** `allowed` per purpose, for an address as the connection sees it. */
const verdicts = (address: string, lists: OutboundRules = NO_OUTBOUND_LISTS) => ({
  execution: checkAddress(lists, 'execution', address).allowed,
  alert: checkAddress(lists, 'alert', address).allowed,
});

describe('outbound policy: the defaults per address class', () => {
  const BOTH_REFUSED = { execution: false, alert: false };
  const INTERNAL = { execution: true, alert: false };
  const PUBLIC = { execution: true, alert: true };
  const table: Array<[string, { execution: boolean; alert: boolean }]> = [
    // link-local and metadata: refused for everyone
    ['169.254.169.254', BOTH_REFUSED],
    ['169.254.0.1', BOTH_REFUSED],
    ['::ffff:169.254.169.254', BOTH_REFUSED],
    ['::ffff:a9fe:a9fe', BOTH_REFUSED],
    ['fe80::1', BOTH_REFUSED],
    ['fd00:ec2::254', BOTH_REFUSED],
    ['100.100.100.200', BOTH_REFUSED],
    ['64:ff9b::a9fe:a9fe', BOTH_REFUSED], // NAT64 of 169.254.169.254
    ['::a9fe:a9fe', BOTH_REFUSED], // IPv4-compatible form of 169.254.169.254
    // unspecified (connecting to 0.0.0.0 reaches this host), multicast, broadcast
    ['0.0.0.0', BOTH_REFUSED],
    ['0.1.2.3', BOTH_REFUSED],
    ['::', BOTH_REFUSED],
    ['224.0.0.1', BOTH_REFUSED],
    ['ff02::1', BOTH_REFUSED],
    ['255.255.255.255', BOTH_REFUSED],
    // loopback and private: executors are often internal, alert receivers are not
    ['127.0.0.1', INTERNAL],
    ['127.255.0.9', INTERNAL],
    ['::1', INTERNAL],
    ['::ffff:127.0.0.1', INTERNAL],
    ['::ffff:7f00:1', INTERNAL],
    ['10.0.0.1', INTERNAL],
    ['172.16.0.1', INTERNAL],
    ['172.31.255.254', INTERNAL],
    ['192.168.1.1', INTERNAL],
    ['100.64.0.1', INTERNAL],
    ['fc00::1', INTERNAL],
    ['fd12:3456::1', INTERNAL],
    ['64:ff9b::7f00:1', INTERNAL], // NAT64 of 127.0.0.1
    ['2002:7f00:1::1', INTERNAL], // 6to4 of 127.0.0.1
    ['198.18.0.1', INTERNAL], // reserved (benchmarking)
    ['::7f00:1', INTERNAL], // IPv4-compatible form of 127.0.0.1
    ['100::1', INTERNAL], // outside 2000::/3: not global
    ['2001:db8::1', INTERNAL], // documentation
    // public
    ['8.8.8.8', PUBLIC],
    ['172.32.0.1', PUBLIC],
    ['2606:4700:4700::1111', PUBLIC],
  ];

  it.each(table)('%s', (address, expected) => {
    expect(verdicts(address)).toEqual(expected);
  });

  it('names the address, its class and the setting that would change it', () => {
    const metadata = checkAddress(NO_OUTBOUND_LISTS, 'execution', '::ffff:169.254.169.254');
    expect(metadata).toMatchObject({ allowed: false, address: '169.254.169.254', addressClass: 'link-local' });
    expect(!metadata.allowed && metadata.rule).toBe('169.254.169.254 is a link-local address (where cloud metadata services answer), refused unless OUTBOUND_EXECUTION_ALLOW names it');
    const loopback = checkAddress(NO_OUTBOUND_LISTS, 'alert', '::1');
    expect(!loopback.allowed && loopback.rule).toBe('::1 is a loopback address, refused for alert channels unless OUTBOUND_ALERT_ALLOW names it');
    expect(checkAddress(NO_OUTBOUND_LISTS, 'alert', 'not-an-address').allowed).toBe(false);
  });
});

describe('outbound policy: allow and deny lists', () => {
  it('a deny entry refuses what it covers, before anything else', () => {
    const lists = rules({ OUTBOUND_EXECUTION_DENY: '127.0.0.0/8, ::1, 10.1.0.0/16', OUTBOUND_EXECUTION_ALLOW: '10.0.0.0/8' });
    expect(verdicts('127.0.0.1', lists).execution).toBe(false);
    expect(verdicts('::ffff:127.0.0.1', lists).execution).toBe(false);
    expect(verdicts('::1', lists).execution).toBe(false);
    expect(verdicts('10.1.2.3', lists).execution).toBe(false);
    expect(verdicts('10.2.0.1', lists).execution).toBe(true);
    expect(verdicts('192.168.0.1', lists).execution).toBe(true);
    const refused = checkAddress(lists, 'execution', '10.1.2.3');
    expect(!refused.allowed && refused.rule).toBe('10.1.2.3 is in OUTBOUND_EXECUTION_DENY (10.1.0.0/16)');
    // Deny is per purpose.
    expect(verdicts('8.8.8.8', rules({ OUTBOUND_ALERT_DENY: '8.8.8.0/24' }))).toEqual({ execution: true, alert: false });
  });

  it('an allow entry opens internal ranges for alerts, only what it covers', () => {
    const lists = rules({ OUTBOUND_ALERT_ALLOW: '10.20.0.0/16,fd00::/8' });
    expect(verdicts('10.20.1.1', lists).alert).toBe(true);
    expect(verdicts('::ffff:10.20.1.1', lists).alert).toBe(true);
    expect(verdicts('10.21.0.1', lists).alert).toBe(false);
    expect(verdicts('fd00::5', lists).alert).toBe(true);
    expect(verdicts('127.0.0.1', lists).alert).toBe(false);
  });

  it('link-local and metadata open only to an entry that lies within their range', () => {
    const broad = rules({ OUTBOUND_ALERT_ALLOW: '0.0.0.0/0,::/0', OUTBOUND_EXECUTION_ALLOW: '0.0.0.0/0,::/0' });
    for (const address of ['169.254.169.254', 'fe80::1', '100.100.100.200', 'fd00:ec2::254', '0.0.0.0', '::']) {
      expect(verdicts(address, broad)).toEqual({ execution: false, alert: false });
    }
    expect(verdicts('10.0.0.1', broad).alert).toBe(true);
    const named = rules({ OUTBOUND_EXECUTION_ALLOW: '169.254.169.254/32' });
    expect(verdicts('169.254.169.254', named)).toEqual({ execution: true, alert: false });
    expect(verdicts('169.254.169.253', named).execution).toBe(false);
    expect(verdicts('169.254.1.1', rules({ OUTBOUND_EXECUTION_ALLOW: '169.254.0.0/16' })).execution).toBe(true);
  });

  it('parses CIDR lists and names each bad entry', () => {
    const problems: string[] = [];
    expect(parseCidrList('X', ' 10.0.0.0/8 , fd00::/8,192.168.1.20, ::ffff:10.0.0.0/104,', problems)).toEqual(['10.0.0.0/8', 'fd00::/8', '192.168.1.20/32', '10.0.0.0/8']);
    expect(problems).toEqual([]);
    parseCidrList('OUTBOUND_ALERT_ALLOW', '10.0.0.0/33,example.com,0x7f.1/8,127.1,10.0.0.0/x', problems);
    expect(problems).toHaveLength(5);
    for (const problem of problems) expect(problem).toMatch(/^OUTBOUND_ALERT_ALLOW: ".*" is not a CIDR range/);
  });
});

describe('outbound policy: IP literals in URLs', () => {
  const spellings = ['http://127.0.0.1/', 'http://2130706433/', 'http://0x7f000001/', 'http://127.1/', 'http://0177.0.0.1/', 'http://[::ffff:127.0.0.1]/', 'http://[::1]/'];

  it.each(spellings)('%s is loopback: refused for alert channels, allowed for execution endpoints', (url) => {
    expect(checkLiteralHost(NO_OUTBOUND_LISTS, 'alert', new URL(url))).toMatchObject({ allowed: false, addressClass: 'loopback' });
    expect(checkLiteralHost(NO_OUTBOUND_LISTS, 'execution', new URL(url))).toMatchObject({ allowed: true });
  });

  it('the metadata address in any spelling is refused for both; a name is left to connect time', () => {
    for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://2852039166/', 'http://0xa9fea9fe/', 'http://[::ffff:a9fe:a9fe]/']) {
      for (const purpose of ['execution', 'alert'] as OutboundPurpose[]) {
        expect(checkLiteralHost(NO_OUTBOUND_LISTS, purpose, new URL(url))).toMatchObject({ allowed: false, address: '169.254.169.254' });
      }
    }
    expect(checkLiteralHost(NO_OUTBOUND_LISTS, 'alert', new URL('http://localhost:8080/'))).toBeNull();
    expect(checkLiteralHost(NO_OUTBOUND_LISTS, 'alert', new URL('https://hooks.example.com/'))).toBeNull();
  });
});

/**
 * The policy where it counts: a real POST through the one webhook sender to a real receiver on loopback,
 * for every spelling of a loopback address and a name that resolves to one.
 */
describe('outbound policy at connect time', () => {
  let receiver: Server;
  let port: number;
  const received: string[] = [];

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      received.push(request.url ?? '');
      request.resume();
      response.end('ok');
    });
    // Both stacks ('::' is dual-stack on Linux), so ::1 and 127.0.0.1 both reach it.
    await new Promise<void>((resolve) => receiver.listen(0, '::', resolve));
    port = (receiver.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

  const post = (host: string, purpose: OutboundPurpose, path: string, lists: OutboundRules = NO_OUTBOUND_LISTS) =>
    sendWebhook({ url: `http://${host}:${port}${path}`, headers: {}, body: '{}', timeoutMs: 5_000, outbound: { rules: lists, purpose } }).result;

  const hosts = ['127.0.0.1', '2130706433', '0x7f000001', '127.1', '[::ffff:127.0.0.1]', '[::1]', 'localhost'];
  const matrix = hosts.flatMap((host) => (['execution', 'alert'] as OutboundPurpose[]).map((purpose) => [host, purpose] as const));

  it.each(matrix)('%s for %s', async (host, purpose) => {
    const path = `/${purpose}/${encodeURIComponent(host)}`;
    const result = await post(host, purpose, path);
    if (purpose === 'execution') {
      expect(result).toMatchObject({ kind: 'answered', status: 200 });
      expect(received).toContain(path);
    } else {
      expect(result).toMatchObject({ kind: 'refused', rule: expect.stringMatching(/loopback address, refused for alert channels unless OUTBOUND_ALERT_ALLOW names it/) });
      expect(received).not.toContain(path);
    }
  });

  it('an allow list lets alerts reach loopback; a deny list stops executions, names included', async () => {
    const lists = rules({ OUTBOUND_ALERT_ALLOW: '127.0.0.0/8,::1/128', OUTBOUND_EXECUTION_DENY: '127.0.0.0/8,::1/128' });
    expect(await post('localhost', 'alert', '/allowed-alert', lists)).toMatchObject({ kind: 'answered', status: 200 });
    expect(await post('localhost', 'execution', '/denied-execution', lists)).toMatchObject({
      kind: 'refused',
      rule: expect.stringMatching(/^localhost resolves to (127\.0\.0\.1|::1): .* is in OUTBOUND_EXECUTION_DENY/),
    });
    expect(await post('2130706433', 'execution', '/denied-literal', lists)).toMatchObject({ kind: 'refused' });
    expect(received).toContain('/allowed-alert');
    expect(received).not.toContain('/denied-execution');
    expect(received).not.toContain('/denied-literal');
  });

  it('https connections are checked the same way, before any TLS', async () => {
    for (const host of ['localhost', '127.0.0.1', '[::ffff:7f00:1]']) {
      const result = await sendWebhook({ url: `https://${host}:${port}/tls`, headers: {}, body: '{}', timeoutMs: 5_000, outbound: { rules: NO_OUTBOUND_LISTS, purpose: 'alert' } })
        .result;
      expect(result).toMatchObject({ kind: 'refused', rule: expect.stringContaining('loopback address') });
    }
    // Allowed, it does connect (and fails the TLS handshake with the plain receiver: an error once connected).
    const allowed = await sendWebhook({ url: `https://localhost:${port}/tls`, headers: {}, body: '{}', timeoutMs: 5_000, outbound: { rules: NO_OUTBOUND_LISTS, purpose: 'execution' } })
      .result;
    expect(allowed.kind).not.toBe('refused');
  });

  it('the lookup keeps only allowed addresses, and fails with the policy code when none is left', async () => {
    const lookup = policyLookup(rules({ OUTBOUND_EXECUTION_DENY: '::1/128' }), 'execution');
    const all = await new Promise<unknown>((resolve, reject) => lookup('localhost', { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));
    expect(all).toEqual(expect.not.arrayContaining([expect.objectContaining({ address: '::1' })]));
    const refusal = await new Promise<NodeJS.ErrnoException | null>((resolve) => policyLookup(NO_OUTBOUND_LISTS, 'alert')('localhost', {}, (err) => resolve(err)));
    expect(refusal?.code).toBe(OUTBOUND_REFUSED);
  });
});
