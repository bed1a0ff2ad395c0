import ipaddr from 'ipaddr.js';

/**
 * Which addresses Cron Observer may connect to on someone's behalf (README.md, "Outbound requests").
 * Decided on the address actually connected to (outbound-agent.ts), so every spelling of an address and
 * every name resolving to it gets the same answer; the same rules refuse a literal address when a URL is
 * configured.
 *
 * - `execution`: execution endpoints (dispatch). Executors often run inside the network, so loopback,
 *   private and other non-global ranges are allowed by default.
 * - `alert`: alert channels (webhooks, and chat channels once they exist): public addresses only by default.
 * - `oidc`: the single sign-on provider (discovery, keys, token exchange). The operator names it
 *   (OIDC_ISSUER), and it often runs inside the network, so internal ranges are allowed as for execution.
 * For both: link-local (169.254.0.0/16, fe80::/10, where cloud metadata services answer), known metadata
 * addresses, unspecified (0.0.0.0/8, ::), multicast and broadcast are refused unless an allow entry lies
 * within their range; a deny entry refuses whatever it covers, before anything else.
 */
export type OutboundPurpose = 'execution' | 'alert' | 'oidc';

/** Comma-separated CIDR lists per purpose, normalised (`OUTBOUND_EXECUTION_ALLOW`, …); plain data, so a config can cross threads. */
export interface OutboundLists {
  allow: string[];
  deny: string[];
}
export type OutboundRules = Record<OutboundPurpose, OutboundLists>;

export const NO_OUTBOUND_LISTS: OutboundRules = { execution: { allow: [], deny: [] }, alert: { allow: [], deny: [] }, oidc: { allow: [], deny: [] } };

export type AddressClass = 'public' | 'loopback' | 'private' | 'reserved' | 'link-local' | 'metadata' | 'unspecified' | 'multicast' | 'broadcast';

export type Verdict =
  | { allowed: true; address: string; addressClass: AddressClass }
  /** `rule`: why, naming the setting that would change it. */
  | { allowed: false; address: string; addressClass: AddressClass; rule: string };

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Range = [Address, number];

/** Refused for every purpose unless an allow entry lies within the range itself. */
const ALWAYS_REFUSED: Array<{ range: Range; addressClass: AddressClass }> = [
  // Cloud metadata services outside link-local: AWS over IPv6, Alibaba Cloud.
  ...['fd00:ec2::254/128', '100.100.100.200/32'].map((cidr) => ({ range: ipaddr.parseCIDR(cidr) as Range, addressClass: 'metadata' as const })),
  ...[
    ['169.254.0.0/16', 'link-local'],
    ['fe80::/10', 'link-local'],
    ['0.0.0.0/8', 'unspecified'],
    ['::/128', 'unspecified'],
    ['224.0.0.0/4', 'multicast'],
    ['ff00::/8', 'multicast'],
    ['255.255.255.255/32', 'broadcast'],
  ].map(([cidr, addressClass]) => ({ range: ipaddr.parseCIDR(cidr!) as Range, addressClass: addressClass as AddressClass })),
];

/** Allowed for execution endpoints, refused for alert channels, by default. */
const INTERNAL: ReadonlySet<AddressClass> = new Set(['loopback', 'private', 'reserved']);

const DESCRIPTION: Record<AddressClass, string> = {
  public: 'a public address',
  loopback: 'a loopback address',
  private: 'a private address',
  reserved: 'a reserved (non-global) address',
  'link-local': 'a link-local address (where cloud metadata services answer)',
  metadata: 'a cloud metadata address',
  unspecified: 'an unspecified address (this host)',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
};

const SETTING: Record<OutboundPurpose, string> = { execution: 'OUTBOUND_EXECUTION', alert: 'OUTBOUND_ALERT', oidc: 'OUTBOUND_OIDC' };
const PURPOSE_NAME: Record<OutboundPurpose, string> = { execution: 'execution endpoints', alert: 'alert channels', oidc: 'the sign-on provider' };

/**
 * Parses a comma-separated list of CIDR ranges (a bare address is one host). IPv4-mapped IPv6 ranges
 * are written as the IPv4 range they cover, as addresses are compared that way. Problems name `name`.
 */
export function parseCidrList(name: string, raw: string | null, problems: string[]): string[] {
  if (raw === null) return [];
  const ranges: string[] = [];
  for (const entry of raw.split(',').map((e) => e.trim()).filter((e) => e !== '')) {
    const range = parseRange(entry);
    if (range === null) problems.push(`${name}: "${entry.slice(0, 60)}" is not a CIDR range (such as 10.0.0.0/8, fd00::/8 or 192.168.1.20)`);
    else ranges.push(`${range[0].toString()}/${range[1]}`);
  }
  return ranges;
}

function parseRange(entry: string): Range | null {
  let range: Range;
  try {
    // Only the standard spellings: `0x7f.1/8` is a typo here, not an address.
    if (entry.includes('/')) {
      const [address, bits] = entry.split('/');
      if (!ipaddr.IPv4.isValidFourPartDecimal(address!) && !ipaddr.IPv6.isValid(address!)) return null;
      if (!/^\d{1,3}$/.test(bits!)) return null;
      range = ipaddr.parseCIDR(entry) as Range;
    } else {
      if (!ipaddr.IPv4.isValidFourPartDecimal(entry) && !ipaddr.IPv6.isValid(entry)) return null;
      const address = ipaddr.parse(entry);
      range = [address, address.kind() === 'ipv4' ? 32 : 128];
    }
  } catch {
    return null;
  }
  const [address, bits] = range;
  if (address instanceof ipaddr.IPv6 && address.isIPv4MappedAddress() && bits >= 96) return [address.toIPv4Address(), bits - 96];
  return range;
}

/** Compiled lists, once per rules object (the config's lives as long as the server). */
const compiled = new WeakMap<OutboundRules, Record<OutboundPurpose, { allow: Range[]; deny: Range[] }>>();

function compile(rules: OutboundRules) {
  let lists = compiled.get(rules);
  if (!lists) {
    const ranges = (texts: string[]) => texts.map((text) => parseRange(text)).filter((range): range is Range => range !== null);
    lists = {
      execution: { allow: ranges(rules.execution.allow), deny: ranges(rules.execution.deny) },
      alert: { allow: ranges(rules.alert.allow), deny: ranges(rules.alert.deny) },
      oidc: { allow: ranges(rules.oidc.allow), deny: ranges(rules.oidc.deny) },
    };
    compiled.set(rules, lists);
  }
  return lists;
}

/** The address as connections compare it: IPv4-mapped IPv6 (`::ffff:7f00:1`) is the IPv4 address it maps. */
export function normalizeAddress(address: string): Address | null {
  const bare = address.replace(/^\[|\]$/g, '');
  if (!ipaddr.isValid(bare)) return null;
  return ipaddr.process(bare);
}

export function classifyAddress(address: Address): AddressClass {
  for (const { range, addressClass } of ALWAYS_REFUSED) if (matches(address, range)) return addressClass;
  if (address instanceof ipaddr.IPv4) {
    switch (address.range()) {
      case 'loopback':
        return 'loopback';
      case 'private':
      case 'carrierGradeNat':
        return 'private';
      case 'reserved':
        return 'reserved';
      default:
        return 'public';
    }
  }
  // As a string: fec0::/10 (deprecated site-local) is a range ipaddr.js knows but does not type.
  switch (address.range() as string) {
    case 'loopback':
      return 'loopback';
    case 'uniqueLocal':
    case 'deprecatedSiteLocal':
      return 'private';
    case 'unicast':
      // Only 2000::/3 is global; ::/96 (the deprecated IPv4-compatible form) embeds an IPv4 address.
      if (address.match(IPV4_COMPATIBLE)) return classifyAddress(embeddedIPv4(address)!);
      return address.match(GLOBAL_UNICAST) ? 'public' : 'reserved';
    case 'rfc6052':
    case '6to4': {
      // Translation prefixes reach the IPv4 address they embed: judge that one.
      const embedded = embeddedIPv4(address);
      return embedded ? classifyAddress(embedded) : 'reserved';
    }
    default:
      return 'reserved';
  }
}

const GLOBAL_UNICAST = ipaddr.parseCIDR('2000::/3') as [ipaddr.IPv6, number];
const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96') as [ipaddr.IPv6, number];
const NAT64 = ipaddr.parseCIDR('64:ff9b::/96') as [ipaddr.IPv6, number];

function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | null {
  const bytes = address.toByteArray();
  if (address.range() === '6to4') return new ipaddr.IPv4(bytes.slice(2, 6));
  // 64:ff9b::/96 and ::/96 carry it in the last 32 bits (64:ff9b:1::/48 is for local use: reserved).
  if (address.match(NAT64) || address.match(IPV4_COMPATIBLE)) return new ipaddr.IPv4(bytes.slice(12, 16));
  return null;
}

function matches(address: Address, [base, bits]: Range): boolean {
  return address.kind() === base.kind() && address.match(base as never, bits);
}

/** Whether an allow entry names a range refused for everyone: it must lie within that range (169.254.169.254/32 does, 0.0.0.0/0 does not). */
function namesExplicitly(entry: Range, addressClass: AddressClass): boolean {
  return ALWAYS_REFUSED.some(({ range, addressClass: refused }) => refused === addressClass && entry[1] >= range[1] && matches(entry[0], range));
}

/** May a connection for `purpose` go to `address` (as connected to: canonical, or any form `ipaddr.js` reads)? */
export function checkAddress(rules: OutboundRules, purpose: OutboundPurpose, address: string): Verdict {
  const parsed = normalizeAddress(address);
  if (parsed === null) return { allowed: false, address, addressClass: 'reserved', rule: `"${address.slice(0, 60)}" is not an IP address` };
  const text = parsed.toString();
  const addressClass = classifyAddress(parsed);
  const lists = compile(rules)[purpose];
  const setting = SETTING[purpose];
  const denied = lists.deny.find((range) => matches(parsed, range));
  if (denied) return { allowed: false, address: text, addressClass, rule: `${text} is in ${setting}_DENY (${rangeText(denied)})` };
  const alwaysRefused = ALWAYS_REFUSED.some((entry) => entry.addressClass === addressClass);
  const allowedBy = lists.allow.find((range) => matches(parsed, range) && (!alwaysRefused || namesExplicitly(range, addressClass)));
  if (allowedBy) return { allowed: true, address: text, addressClass };
  if (alwaysRefused || (purpose === 'alert' && INTERNAL.has(addressClass))) {
    const scope = alwaysRefused ? '' : ` for ${PURPOSE_NAME[purpose]}`;
    return { allowed: false, address: text, addressClass, rule: `${text} is ${DESCRIPTION[addressClass]}, refused${scope} unless ${setting}_ALLOW names it` };
  }
  return { allowed: true, address: text, addressClass };
}

function rangeText([address, bits]: Range): string {
  return `${address.toString()}/${bits}`;
}

/**
 * The verdict on a URL's host when it is an IP address literal (any spelling the URL parser reads:
 * `2130706433`, `0x7f000001`, `127.1` and `[::ffff:127.0.0.1]` are all 127.0.0.1); null for a name, which
 * is judged when connecting, on the addresses it resolves to.
 */
export function checkLiteralHost(rules: OutboundRules, purpose: OutboundPurpose, url: URL): Verdict | null {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!ipaddr.isValid(host) || (!host.includes(':') && !ipaddr.IPv4.isValidFourPartDecimal(host))) return null;
  return checkAddress(rules, purpose, host);
}
