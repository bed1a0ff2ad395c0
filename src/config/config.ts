import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { type OidcConfig, parseOidcConfig } from '../auth/oidc/oidc-config';
import { passwordProblem } from '../auth/password-strength';
import { maskUrl } from './mask-url';
import { type OutboundRules, parseCidrList } from '../outbound/outbound-policy';
import { isValidStreamPrefix, STREAM_PREFIX_RULE } from './stream-prefix';

/** The whole configuration, read once from the environment (DESIGN.md, "Running it"). */
export interface Config {
  port: number;
  /** Address the HTTP server binds to; null: every interface (node's default). */
  host: string | null;
  dataDir: string;
  eventStoreUrl: string | null;
  /**
   * Namespace of this deployment's streams on EventStoreDB/KurrentDB (EVENTSTORE_STREAM_PREFIX): every
   * stream is stored as prefix + name, so several deployments (or test servers) can share one cluster.
   */
  eventStoreStreamPrefix: string | null;
  mongodbUrl: string | null;
  smtpUrl: string | null;
  smtpFrom: string;
  /** PagerDuty Events API v2 enqueue URL for channels that do not name their own. */
  pagerDutyEventsUrl: string;
  publicUrl: string;
  adminEmail: string | null;
  adminPassword: string | null;
  logLevel: LogLevel;
  /** Origins whose web pages may call the API (CORS), exactly as browsers send them; `*`: any, without credentials. */
  corsOrigins: string[];
  /**
   * Which proxies' `X-Forwarded-For` tells a request's source address (express's `trust proxy`): a
   * number of hops, or addresses, CIDR ranges and `loopback`/`linklocal`/`uniquelocal`; null: the
   * connection's own address.
   */
  trustProxy: number | string[] | null;
  /** CIDR allow and deny lists for outbound requests, per purpose (src/outbound/outbound-policy.ts). */
  outbound: OutboundRules;
  /** Single sign-on (OIDC_*); null when OIDC_ISSUER is unset. */
  oidc: OidcConfig | null;
  /** Pings a minute one ping URL (a UUID, or a ping key and slug) may send; more are answered 429. */
  pingRateLimit: number;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Reads and validates every variable; all problems are reported together, each naming its variable. */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const value = (name: string): string | null => {
    const raw = env[name];
    return raw === undefined || raw.trim() === '' ? null : raw.trim();
  };

  const port = parsePort(value('PORT') ?? '8080', problems);
  const host = value('HOST');
  if (host !== null && isIP(host) === 0 && !/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i.test(host)) {
    problems.push(`HOST: "${host.slice(0, 80)}" is not an IP address or host name (such as 127.0.0.1, :: or localhost)`);
  }
  const eventStoreUrl = checkUrl('EVENTSTORE_URL', value('EVENTSTORE_URL'), EVENTSTORE_PROTOCOLS, problems);
  const eventStoreStreamPrefix = parseStreamPrefix(value('EVENTSTORE_STREAM_PREFIX'), problems);
  if (eventStoreStreamPrefix !== null && value('EVENTSTORE_URL') === null) problems.push('EVENTSTORE_STREAM_PREFIX: set without EVENTSTORE_URL, the server whose streams it names');
  const mongodbUrl = checkMongodbUrl(value('MONGODB_URL'), problems);
  const smtpUrl = checkUrl('SMTP_URL', value('SMTP_URL'), ['smtp:', 'smtps:'], problems);
  const publicUrl = checkUrl('PUBLIC_URL', value('PUBLIC_URL'), ['http:', 'https:'], problems) ?? `http://localhost:${port}`;
  const pagerDutyEventsUrl = checkUrl('PAGERDUTY_EVENTS_URL', value('PAGERDUTY_EVENTS_URL'), ['http:', 'https:'], problems) ?? 'https://events.pagerduty.com/v2/enqueue';
  const adminEmail = value('ADMIN_EMAIL');
  const adminPassword = value('ADMIN_PASSWORD');
  if (adminEmail !== null && !/^[^\s@]+@[^\s@]+$/.test(adminEmail)) problems.push(`ADMIN_EMAIL: "${adminEmail}" is not an email address`);
  if ((adminEmail === null) !== (adminPassword === null)) problems.push('ADMIN_EMAIL and ADMIN_PASSWORD must be set together');
  // The first admin is held to the rule every other password is (never quoted: the value is a secret).
  const weakAdminPassword = adminPassword === null ? null : passwordProblem('ADMIN_PASSWORD', adminPassword, [adminEmail ?? '']);
  if (weakAdminPassword !== null) problems.push(weakAdminPassword);
  const logLevel = (value('LOG_LEVEL') ?? 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) problems.push(`LOG_LEVEL: "${logLevel}" is not one of ${LOG_LEVELS.join(', ')}`);

  const corsOrigins = parseOrigins(value('CORS_ORIGINS'), problems);
  const trustProxy = parseTrustProxy(value('TRUST_PROXY'), problems);
  const cidrs = (name: string) => parseCidrList(name, value(name), problems);
  const outbound: OutboundRules = {
    execution: { allow: cidrs('OUTBOUND_EXECUTION_ALLOW'), deny: cidrs('OUTBOUND_EXECUTION_DENY') },
    alert: { allow: cidrs('OUTBOUND_ALERT_ALLOW'), deny: cidrs('OUTBOUND_ALERT_DENY') },
    oidc: { allow: cidrs('OUTBOUND_OIDC_ALLOW'), deny: cidrs('OUTBOUND_OIDC_DENY') },
  };
  const oidc = parseOidcConfig(value, problems);

  const pingRateLimit = parsePositiveInt('PING_RATE_LIMIT', value('PING_RATE_LIMIT') ?? '30', 100_000, problems);

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port,
    host,
    dataDir: resolve(value('DATA_DIR') ?? './data'),
    eventStoreUrl,
    eventStoreStreamPrefix,
    mongodbUrl,
    smtpUrl,
    smtpFrom: value('SMTP_FROM') ?? 'Cron Observer <cron-observer@localhost>',
    pagerDutyEventsUrl,
    publicUrl: publicUrl.replace(/\/+$/, ''),
    adminEmail: adminEmail?.toLowerCase() ?? null,
    adminPassword,
    logLevel: logLevel as LogLevel,
    corsOrigins,
    trustProxy,
    outbound,
    oidc,
    pingRateLimit,
  };
}

/** EventStoreDB's schemes and KurrentDB's (the renamed server and client accept all of them). */
export const EVENTSTORE_PROTOCOLS = ['esdb', 'kurrentdb', 'kurrent', 'kdb'].flatMap((scheme) => [`${scheme}:`, `${scheme}+discover:`]);

function parseStreamPrefix(raw: string | null, problems: string[]): string | null {
  if (raw === null) return null;
  if (!isValidStreamPrefix(raw)) {
    problems.push(`EVENTSTORE_STREAM_PREFIX: "${raw.slice(0, 80)}" must be ${STREAM_PREFIX_RULE}`);
    return null;
  }
  return raw;
}

function parsePositiveInt(name: string, raw: string, max: number, problems: string[]): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > max) {
    problems.push(`${name}: "${raw.slice(0, 40)}" is not a whole number from 1 to ${max}`);
    return 1;
  }
  return n;
}

function parsePort(raw: string, problems: string[]): number {
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 0 || port > 65535) {
    problems.push(`PORT: "${raw}" is not a port number (0-65535)`);
    return 0;
  }
  return port;
}

function checkUrl(name: string, raw: string | null, protocols: string[], problems: string[]): string | null {
  if (raw === null) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(`${name}: "${raw}" is not a URL`);
    return null;
  }
  if (!protocols.includes(url.protocol)) {
    problems.push(`${name}: expected a ${protocols.map((p) => `${p}//`).join(' or ')} URL, got "${url.protocol}//"`);
    return null;
  }
  return raw;
}

/**
 * A MongoDB connection string may list several hosts (`mongodb://a:27017,b:27017/db?replicaSet=rs0`),
 * which is not a URL to URL's parser: the scheme and a host part are checked here, the rest by the driver.
 */
function checkMongodbUrl(raw: string | null, problems: string[]): string | null {
  if (raw === null) return null;
  if (!/^mongodb(\+srv)?:\/\/([^/?#\s]*@)?[^/?#\s@]+(\/[^?#\s]*)?(\?\S*)?$/.test(raw)) {
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw)?.[1];
    problems.push(scheme && !/^mongodb(\+srv)?$/.test(scheme) ? `MONGODB_URL: expected a mongodb:// or mongodb+srv:// URL, got "${scheme}://"` : `MONGODB_URL: "${maskUrl(raw)}" is not a mongodb:// or mongodb+srv:// connection string`);
    return null;
  }
  return raw;
}

const PROXY_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

/** A hop count (`1`: the one proxy in front), or comma-separated named ranges and CIDR ranges (as OUTBOUND_*). */
function parseTrustProxy(raw: string | null, problems: string[]): number | string[] | null {
  if (raw === null) return null;
  if (/^\d+$/.test(raw)) return Number(raw) === 0 ? null : Number(raw);
  const entries = raw.split(',').map((e) => e.trim().toLowerCase()).filter((e) => e !== '');
  const named = entries.filter((e) => PROXY_RANGES.includes(e));
  const others = entries.filter((e) => !PROXY_RANGES.includes(e));
  return [...named, ...parseCidrList('TRUST_PROXY', others.length > 0 ? others.join(',') : null, problems)];
}

/** Comma-separated origins (`https://ops.example.com`, `http://localhost:5173`) or `*`. */
function parseOrigins(raw: string | null, problems: string[]): string[] {
  if (raw === null) return [];
  const origins = raw.split(',').map((o) => o.trim().replace(/\/+$/, '')).filter((o) => o !== '');
  for (const origin of origins) {
    if (origin === '*') continue;
    let url: URL | null = null;
    try {
      url = new URL(origin);
    } catch {
      // reported below
    }
    if (!url || !['http:', 'https:'].includes(url.protocol) || url.origin !== origin.toLowerCase()) {
      problems.push(`CORS_ORIGINS: "${origin}" is not an origin such as https://ops.example.com (scheme, host and port only)`);
    }
  }
  return origins.map((o) => o.toLowerCase());
}
