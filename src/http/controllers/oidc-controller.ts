import { Controller, Get, Request, Response, Route, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import type { AppServices } from '../../app-services';
import { LOGIN_TRANSACTION_COOKIE, transactionFrom } from '../../auth/oidc/login-transaction';
import { relyingPartyOf } from '../../auth/oidc/relying-party-of';
import { signInWithSso } from '../../commands/flows/sign-in-with-sso';
import { cookieOf } from '../authentication';
import type { ErrorBody } from '../error-mapping';
import { clearedTransactionCookie, sessionCookie, transactionCookie } from '../session-cookie';
import type { SignInOptionsResponse } from '../shapes/session-shape';

const LOGIN_PATH = '/api/v1/auth/oidc/login';

/** Single sign-on with an OpenID Connect provider (README.md, "Single sign-on"). */
@Route('auth')
@Tags('Authentication')
export class OidcController extends Controller {
  constructor(private readonly services: AppServices) {
    super();
  }

  /** How one signs in here: whether passwords are accepted, and the single sign-on button, if any. Public. */
  @Get('config')
  public getSignInOptions(): SignInOptionsResponse {
    const { oidc } = this.services.config;
    return {
      password_sign_in: oidc?.ssoOnly ? 'break_glass_only' : 'everyone',
      sso: oidc === null ? null : { label: oidc.buttonLabel, login_url: LOGIN_PATH },
    };
  }

  /**
   * Starts a sign-in at the provider: 302 to its authorization endpoint (code flow, PKCE S256, state and
   * nonce), the state, nonce and verifier kept in this browser's short-lived HttpOnly `co_oidc` cookie.
   * 404 when single sign-on is not configured; 503 when the provider cannot be reached.
   */
  @Get('oidc/login')
  @SuccessResponse(302, 'To the provider')
  @Response<ErrorBody>(404, 'Single sign-on not configured')
  @Response<ErrorBody>(503, 'Provider unreachable')
  public async startSsoLogin(): Promise<void> {
    const { url, transaction } = await relyingPartyOf(this.services).start(this.services.clock.now().toISOString());
    this.setHeader('Set-Cookie', transactionCookie(transaction, this.services.config.publicUrl));
    this.setHeader('Location', url.href);
    this.setHeader('Cache-Control', 'no-store');
    this.setStatus(302);
  }

  /**
   * Where the provider sends the browser back. Checks `state` against the `co_oidc` cookie, exchanges
   * the code (with the PKCE verifier), validates the ID token and its `nonce`; then the account (created
   * at the first sign-in), the roles OIDC_ROLE_MAP gives, and a session: 303 to the dashboard with the
   * `co_session` cookie. A refused state, nonce, code or ID token, or an expired sign-in: 400 naming it,
   * no session. 403 for a disabled account or an email the provider does not vouch for.
   */
  @Get('oidc/callback')
  @SuccessResponse(303, 'Signed in: to the dashboard')
  @Response<ErrorBody>(400, 'Sign-in refused (state, nonce, code or ID token), or expired')
  @Response<ErrorBody>(403, 'Account disabled, or email not verified by the provider')
  @Response<ErrorBody>(404, 'Single sign-on not configured')
  @Response<ErrorBody>(503, 'Provider unreachable')
  public async finishSsoLogin(@Request() request: ExpressRequest): Promise<void> {
    const party = relyingPartyOf(this.services);
    const { publicUrl, oidc } = this.services.config;
    // A transaction is good for one try, whatever its outcome (set before anything can fail).
    request.res?.setHeader('Set-Cookie', clearedTransactionCookie(publicUrl));
    const transaction = transactionFrom(cookieOf(request, LOGIN_TRANSACTION_COOKIE), this.services.clock.now());
    const identity = await party.finish(new URL(request.originalUrl, publicUrl).search, transaction);
    const session = await signInWithSso(this.services, oidc!, identity);
    this.setHeader('Set-Cookie', [clearedTransactionCookie(publicUrl), sessionCookie(session.token, publicUrl)]);
    // The dashboard at PUBLIC_URL (which may carry a path a proxy strips).
    this.setHeader('Location', `${publicUrl}/`);
    this.setHeader('Cache-Control', 'no-store');
    this.setStatus(303);
  }
}
