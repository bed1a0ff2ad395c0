import * as client from 'openid-client';
import { UnavailableError, ValidationError } from '../../errors/app-error';
import { outboundFetch } from '../../outbound/outbound-fetch';
import type { Logger } from '../../logging/logger';
import type { OutboundRules } from '../../outbound/outbound-policy';
import type { OidcConfig } from './oidc-config';
import type { LoginTransaction } from './login-transaction';

/** How long a request to the provider may take (discovery, keys, token exchange). */
const PROVIDER_TIMEOUT_MS = 10_000;

/** What the provider vouches for about the person, from a validated ID token. */
export interface SsoIdentity {
  subject: string;
  email: string;
  emailVerified: boolean;
  name: string | null;
  /** The values of OIDC_ROLE_CLAIM (a string claim is one group). */
  groups: string[];
}

/**
 * This server as an OpenID Connect relying party, through openid-client: authorization code flow with
 * PKCE (S256), state and nonce. Discovery happens at the first sign-in, not at start (a provider that is
 * down must not keep the server from starting), and is tried again after a failure. Every request to
 * the provider goes through the outbound policy (purpose `oidc`, src/outbound).
 */
export class RelyingParty {
  private discovered: Promise<client.Configuration> | null = null;

  constructor(
    private readonly oidc: OidcConfig,
    private readonly outbound: OutboundRules,
    /** Where the provider sends the browser back: `${PUBLIC_URL}/api/v1/auth/oidc/callback`. */
    readonly redirectUri: string,
    /** Refusals are answered to the browser and logged for the operator (a misconfigured client shows here). */
    private readonly logger: Logger,
  ) {}

  /** The provider's authorization URL for a new sign-in, and the secrets the callback is checked against. */
  async start(startedAt: string): Promise<{ url: URL; transaction: LoginTransaction }> {
    const configuration = await this.configuration();
    const transaction: LoginTransaction = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      verifier: client.randomPKCECodeVerifier(),
      startedAt,
    };
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: this.redirectUri,
      scope: this.oidc.scopes.join(' '),
      code_challenge: await client.calculatePKCECodeChallenge(transaction.verifier),
      code_challenge_method: 'S256',
      state: transaction.state,
      nonce: transaction.nonce,
    });
    return { url, transaction };
  }

  /**
   * Checks the callback (its `state` against the transaction's, or the provider's error), exchanges the
   * code with the PKCE verifier, and validates the ID token (signature, issuer, audience, expiry, and its
   * `nonce` against the transaction's). Any refusal is a 400 saying why; nothing is signed in.
   */
  async finish(callbackQuery: string, transaction: LoginTransaction): Promise<SsoIdentity> {
    const configuration = await this.configuration();
    // The redirect URI as registered (PUBLIC_URL may carry a path a proxy strips), with the provider's answer.
    const callbackUrl = new URL(this.redirectUri);
    callbackUrl.search = callbackQuery;
    let claims: client.IDToken | undefined;
    try {
      const tokens = await client.authorizationCodeGrant(configuration, callbackUrl, {
        pkceCodeVerifier: transaction.verifier,
        expectedState: transaction.state,
        expectedNonce: transaction.nonce,
        idTokenExpected: true,
      });
      claims = tokens.claims();
    } catch (err) {
      const unavailable = unreachable(err);
      const reason = unavailable ? message(err) : refusal(err);
      this.logger.warn({ issuer: this.oidc.issuer, reason }, unavailable ? 'single sign-on: provider unreachable' : 'single sign-on refused');
      if (unavailable) throw new UnavailableError(`The sign-on provider ${this.oidc.issuer} could not be reached: ${reason}`);
      throw new ValidationError('Single sign-on refused', [reason]);
    }
    if (!claims) throw new ValidationError('Single sign-on refused', ['id_token: the provider sent none']);
    return identityOf(claims, this.oidc.roleClaim);
  }

  private configuration(): Promise<client.Configuration> {
    this.discovered ??= this.discover().catch((err: unknown) => {
      this.discovered = null;
      throw err;
    });
    return this.discovered;
  }

  private async discover(): Promise<client.Configuration> {
    const { issuer, clientId, clientSecret } = this.oidc;
    const authentication = clientSecret === null ? client.None() : client.ClientSecretPost(clientSecret);
    try {
      return await client.discovery(new URL(issuer), clientId, undefined, authentication, {
        [client.customFetch]: outboundFetch(this.outbound, 'oidc', PROVIDER_TIMEOUT_MS),
        // http is accepted for a provider on loopback only (checked in oidc-config.ts).
        execute: new URL(issuer).protocol === 'http:' ? [client.allowInsecureRequests] : [],
        timeout: PROVIDER_TIMEOUT_MS / 1000,
      });
    } catch (err) {
      this.logger.warn({ issuer, reason: message(err) }, 'single sign-on: discovery failed');
      throw new UnavailableError(`The sign-on provider ${issuer} could not be reached: ${message(err)}`);
    }
  }
}

/** What went wrong, for the person and the log: the provider's own error, or which check failed. */
function refusal(err: unknown): string {
  if (err instanceof client.AuthorizationResponseError || err instanceof client.ResponseBodyError) {
    return `${err.error}${err.error_description ? `: ${err.error_description}` : ''}`;
  }
  // openid-client wraps oauth4webapi's error, whose message names the parameter or claim compared.
  const text = message(err);
  if (/"state"/.test(text)) return `state: does not match the sign-in this browser started (${text})`;
  if (/"nonce"/.test(text)) return `nonce: the ID token was not issued for the sign-in this browser started (${text})`;
  return text;
}

/** A failure to reach the provider (a system error code such as ECONNREFUSED, ETIMEDOUT or EOUTBOUNDPOLICY), however wrapped. */
function unreachable(err: unknown): boolean {
  return causes(err).some(({ code }) => typeof code === 'string' && /^E[A-Z]+$/.test(code));
}

function message(err: unknown): string {
  const [own, cause] = causes(err);
  if (!own) return String(err);
  return cause && cause.message !== own.message ? `${own.message} (${cause.message})` : own.message;
}

type ErrorLike = { message: string; code?: unknown; cause?: unknown };

/**
 * The error and its causes, at most five. By shape rather than `instanceof Error`: errors from Node's
 * own modules may come from another realm (a vm context) than this module's Error.
 */
function causes(err: unknown): ErrorLike[] {
  const chain: ErrorLike[] = [];
  for (let e = err; typeof e === 'object' && e !== null && typeof (e as ErrorLike).message === 'string' && chain.length < 5; e = (e as ErrorLike).cause) {
    chain.push(e as ErrorLike);
  }
  return chain;
}

function identityOf(claims: client.IDToken, roleClaim: string): SsoIdentity {
  const email = typeof claims.email === 'string' ? claims.email.trim() : '';
  if (email === '') throw new ValidationError('Single sign-on refused', ['email: the provider sent no email claim (ask for the "email" scope)']);
  const raw = claims[roleClaim];
  const groups = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw.filter((g): g is string => typeof g === 'string') : [];
  return {
    subject: claims.sub,
    email,
    emailVerified: claims.email_verified === true,
    name: typeof claims.name === 'string' && claims.name.trim() !== '' ? claims.name.trim() : null,
    groups,
  };
}
