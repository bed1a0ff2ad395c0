import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { Agent as HttpAgent, type AgentOptions } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { isIP, type LookupFunction, type NetConnectOpts, type Socket } from 'node:net';
import { checkAddress, type OutboundPurpose, type OutboundRules, type Verdict } from './outbound-policy';

/** The code of a connection refused by the outbound policy (no connection was attempted). */
export const OUTBOUND_REFUSED = 'EOUTBOUNDPOLICY';

export class OutboundRefusedError extends Error {
  readonly code = OUTBOUND_REFUSED;
  constructor(
    readonly host: string,
    readonly rule: string,
  ) {
    super(`refused by outbound policy: ${rule}`);
    this.name = 'OutboundRefusedError';
  }
}

/**
 * An http(s) agent whose every connection is checked against the policy on the address it is about to
 * connect to: for a name, on what the resolver answered (only allowed addresses are tried, so a name
 * answering with a private and a public address goes to the public one); for an IP literal, which Node
 * connects to without a lookup, on the literal itself. A refusal fails the request with
 * OutboundRefusedError before any connection exists. No keep-alive: one fresh connection per request.
 *
 * Redirects are never followed: Node's http client does not follow them, and nothing here does.
 * Every outbound request (dispatch, alert webhooks; OIDC discovery once it exists) goes through one of these.
 */
export function outboundAgent(protocol: string, rules: OutboundRules, purpose: OutboundPurpose): HttpAgent {
  const options: AgentOptions = { keepAlive: false };
  const agent = protocol === 'https:' ? new HttpsAgent(options) : new HttpAgent(options);
  const connect = agent.createConnection.bind(agent) as (options: NetConnectOpts, callback: ConnectCallback) => Socket | undefined;
  const lookup = policyLookup(rules, purpose);
  (agent as unknown as { createConnection: typeof connect }).createConnection = (connectOptions, callback) => {
    const host = String((connectOptions as { host?: string }).host ?? 'localhost').replace(/^\[|\]$/g, '');
    if (isIP(host) !== 0) {
      const verdict = checkAddress(rules, purpose, host);
      if (!verdict.allowed) {
        process.nextTick(callback, new OutboundRefusedError(host, verdict.rule));
        return undefined;
      }
      return connect(connectOptions, callback);
    }
    return connect({ ...connectOptions, lookup } as NetConnectOpts, callback);
  };
  return agent;
}

type ConnectCallback = (err: Error | null, socket?: Socket) => void;

/** dns.lookup, keeping only the addresses the policy allows; none left: OutboundRefusedError naming the first refusal. */
export function policyLookup(rules: OutboundRules, purpose: OutboundPurpose): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const verdicts: Verdict[] = addresses.map(({ address }) => checkAddress(rules, purpose, address));
      const allowed = addresses.filter((_, i) => verdicts[i]!.allowed);
      if (allowed.length === 0) {
        const refusal = verdicts.find((v) => !v.allowed);
        const rule = refusal && !refusal.allowed ? `${hostname} resolves to ${refusal.address}: ${refusal.rule}` : `${hostname} resolves to no address`;
        return callback(new OutboundRefusedError(hostname, rule), '', 0);
      }
      if (options.all) return callback(null, allowed);
      return callback(null, allowed[0]!.address, allowed[0]!.family);
    });
  };
}
