import { encodeTransaction, LOGIN_TRANSACTION_LIFETIME_MS, transactionFrom } from '../../src/auth/oidc/login-transaction';
import { mappedRoles } from '../../src/auth/oidc/role-mapping';
import { refusePasswordSignInWhenSsoOnly } from '../../src/auth/oidc/sso-only';
import { loadConfig } from '../../src/config/config';
import { ForbiddenError, ValidationError } from '../../src/errors/app-error';

const started = new Date('2026-03-01T10:00:00Z');
const transaction = { state: 's'.repeat(43), nonce: 'n'.repeat(43), verifier: 'v'.repeat(43), startedAt: started.toISOString() };

function refusal(raw: string | null, now = started): string[] {
  try {
    transactionFrom(raw, now);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).details ?? [];
  }
  throw new Error('accepted');
}

describe('the sign-in transaction kept in the co_oidc cookie', () => {
  it('reads back what was written, within its lifetime', () => {
    expect(transactionFrom(encodeTransaction(transaction), new Date(started.getTime() + LOGIN_TRANSACTION_LIFETIME_MS))).toEqual(transaction);
  });

  it('refuses a missing, unreadable, incomplete or expired one with a 400 naming state', () => {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    expect(refusal(null)).toEqual([expect.stringMatching(/^state: this browser started no sign-in here/)]);
    expect(refusal('%%%not-base64')).toEqual([expect.stringMatching(/^state: the sign-in cookie is unreadable/)]);
    expect(refusal(encode(null))).toEqual([expect.stringMatching(/^state: the sign-in cookie is incomplete/)]);
    expect(refusal(encode({ ...transaction, verifier: 42 }))).toEqual([expect.stringMatching(/^state: the sign-in cookie is incomplete/)]);
    expect(refusal(encode({ ...transaction, startedAt: 'yesterday' }))).toEqual([expect.stringMatching(/^state: the sign-in cookie is incomplete/)]);
    expect(refusal(encodeTransaction(transaction), new Date(started.getTime() + LOGIN_TRANSACTION_LIFETIME_MS + 1))).toEqual([
      'state: this sign-in was started at 2026-03-01T10:00:00.000Z and expired after 10 minutes; start again',
    ]);
  });
});

describe('the role map', () => {
  const map = loadConfig({ OIDC_ISSUER: 'https://id.example.com', OIDC_CLIENT_ID: 'c', OIDC_ROLE_MAP: 'ops=p1:admin,devs=p1:editor,devs=p2:viewer,root=super_admin' }).oidc!.roleMap;

  it('gives the highest role the groups reach in each project named, and super admin', () => {
    expect(mappedRoles(map, ['devs', 'ops', 'unknown'])).toEqual({ projects: new Map([['p1', 'admin'], ['p2', 'viewer']]), superAdmin: false });
    expect(mappedRoles(map, ['root'])).toEqual({ projects: new Map(), superAdmin: true });
    expect(mappedRoles(map, [])).toEqual({ projects: new Map(), superAdmin: false });
  });
});

describe('SSO only', () => {
  const oidc = loadConfig({ OIDC_ISSUER: 'https://id.example.com', OIDC_CLIENT_ID: 'c', OIDC_SSO_ONLY: 'true' }).oidc!;

  it('refuses passwords to everyone but the break-glass admin, and only when turned on', () => {
    const breakGlass = [null, 'root@example.com'];
    expect(() => refusePasswordSignInWhenSsoOnly(oidc, breakGlass, 'ada@example.com')).toThrow(ForbiddenError);
    expect(() => refusePasswordSignInWhenSsoOnly(oidc, [undefined, null], 'ada@example.com')).toThrow(ForbiddenError);
    expect(() => refusePasswordSignInWhenSsoOnly(oidc, breakGlass, ' Root@Example.com ')).not.toThrow();
    expect(() => refusePasswordSignInWhenSsoOnly({ ...oidc, ssoOnly: false }, breakGlass, 'ada@example.com')).not.toThrow();
    expect(() => refusePasswordSignInWhenSsoOnly(null, breakGlass, 'ada@example.com')).not.toThrow();
  });
});
