import type { AppServices } from '../../app-services';
import { NotFoundError } from '../../errors/app-error';
import { RelyingParty } from './relying-party';

export const OIDC_CALLBACK_PATH = '/api/v1/auth/oidc/callback';

const parties = new WeakMap<AppServices, RelyingParty>();

/** The server's one relying party (its discovery is cached there); 404 when single sign-on is not configured. */
export function relyingPartyOf(services: AppServices): RelyingParty {
  const { oidc, outbound, publicUrl } = services.config;
  if (oidc === null) throw new NotFoundError('Single sign-on is not configured on this server (OIDC_ISSUER is unset)');
  let party = parties.get(services);
  if (!party) {
    party = new RelyingParty(oidc, outbound, `${publicUrl}${OIDC_CALLBACK_PATH}`, services.logger);
    parties.set(services, party);
  }
  return party;
}
