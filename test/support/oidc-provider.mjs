// A real OpenID Connect provider (oidc-provider, panva's certified implementation) on a random loopback
// port, for the single sign-on tests. ESM with top-level await, so it runs as its own process.
// Prints {"issuer": …} once listening; then reads one JSON line from stdin, {clients: [{clientId,
// redirectUri, clientSecret?}], accounts: {<login>: <claims>}}, and prints {"ready": true} once it
// serves them. A client without a secret is public (PKCE alone), one with a secret uses client_secret_post. Sign-in is the
// library's development form: any login named in `accounts`, any password.
import { once } from 'node:events';
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';
import Provider from 'oidc-provider';

const server = createServer();
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const issuer = `http://127.0.0.1:${server.address().port}`;
process.stdout.write(`${JSON.stringify({ issuer })}\n`);

const [line] = await once(createInterface({ input: process.stdin }), 'line');
const { clients, accounts } = JSON.parse(line);

const provider = new Provider(issuer, {
  clients: clients.map(({ clientId, clientSecret, redirectUri }) => ({
    client_id: clientId,
    ...(clientSecret ? { client_secret: clientSecret, token_endpoint_auth_method: 'client_secret_post' } : { token_endpoint_auth_method: 'none' }),
    redirect_uris: [redirectUri],
    response_types: ['code'],
    grant_types: ['authorization_code'],
  })),
  pkce: { required: () => true },
  scopes: ['openid', 'email', 'profile', 'groups'],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
  // The ID token carries the requested claims (the relying party reads email and groups from it).
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['single-sign-on-tests-only'] },
  ttl: { AuthorizationCode: 60, IdToken: 300, Session: 600, Interaction: 300, Grant: 600 },
  async findAccount(_ctx, id) {
    const claims = accounts[id];
    if (!claims) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...claims }) };
  },
});
server.on('request', provider.callback());
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
