import type { ProjectRole } from '../../events/project-events';

/**
 * Single sign-on with an OpenID Connect provider (README.md, "Single sign-on"), read from OIDC_* by
 * loadConfig. Plain data, so a config can cross threads.
 */
export interface OidcConfig {
  /** The provider's issuer URL, exactly as its ID tokens name it (discovery is `<issuer>/.well-known/openid-configuration`). */
  issuer: string;
  clientId: string;
  /** null: a public client, authenticated by PKCE alone. */
  clientSecret: string | null;
  scopes: string[];
  /** The ID token claim holding the person's groups (a string or a list of strings). */
  roleClaim: string;
  roleMap: RoleMapEntry[];
  /** Password sign-in refused for everyone but the break-glass admin (ADMIN_EMAIL). */
  ssoOnly: boolean;
  buttonLabel: string;
}

/** A group (a value of the role claim) and what it grants: a role in one project, or super admin. */
export type RoleMapEntry = { group: string; projectId: string; role: ProjectRole } | { group: string; superAdmin: true };

type Value = (name: string) => string | null;

/** The OIDC_* settings; null when OIDC_ISSUER is unset (no single sign-on). Problems name their variable. */
export function parseOidcConfig(value: Value, problems: string[]): OidcConfig | null {
  const issuer = value('OIDC_ISSUER');
  const others = ['OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET', 'OIDC_SCOPES', 'OIDC_ROLE_CLAIM', 'OIDC_ROLE_MAP', 'OIDC_SSO_ONLY', 'OIDC_BUTTON_LABEL'];
  if (issuer === null) {
    const stray = others.filter((name) => value(name) !== null);
    if (stray.length > 0) problems.push(`${stray.join(', ')}: set without OIDC_ISSUER, which turns single sign-on on`);
    return null;
  }
  checkIssuer(issuer, problems);
  const clientId = value('OIDC_CLIENT_ID');
  if (clientId === null) problems.push('OIDC_CLIENT_ID: required with OIDC_ISSUER (the client id registered at the provider)');
  const scopes = (value('OIDC_SCOPES') ?? 'openid email profile').split(/[\s,]+/).filter((s) => s !== '');
  if (!scopes.includes('openid')) problems.push(`OIDC_SCOPES: must include "openid" (got "${scopes.join(' ').slice(0, 80)}")`);
  const ssoOnly = (value('OIDC_SSO_ONLY') ?? 'false').toLowerCase();
  if (ssoOnly !== 'true' && ssoOnly !== 'false') problems.push(`OIDC_SSO_ONLY: "${ssoOnly.slice(0, 20)}" is not true or false`);
  return {
    issuer: issuer.replace(/\/+$/, ''),
    clientId: clientId ?? '',
    clientSecret: value('OIDC_CLIENT_SECRET'),
    scopes,
    roleClaim: value('OIDC_ROLE_CLAIM') ?? 'groups',
    roleMap: parseRoleMap(value('OIDC_ROLE_MAP'), problems),
    ssoOnly: ssoOnly === 'true',
    buttonLabel: (value('OIDC_BUTTON_LABEL') ?? 'Sign in with single sign-on').slice(0, 80),
  };
}

/**
 * https only, but for a provider on this machine (http://127.0.0.1, [::1], localhost), which a
 * development setup runs without TLS: the ID token's keys and the codes travel over this connection.
 */
function checkIssuer(issuer: string, problems: string[]): void {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    problems.push(`OIDC_ISSUER: "${issuer.slice(0, 80)}" is not a URL`);
    return;
  }
  const loopback = ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    problems.push(`OIDC_ISSUER: must be an https:// URL (plain http only on loopback), got "${url.protocol}//"`);
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '') problems.push('OIDC_ISSUER: must not carry credentials, a query or a fragment');
}

const ROLES: readonly string[] = ['admin', 'editor', 'viewer'];

/**
 * `group=project_id:role` and `group=super_admin`, comma-separated (`ops=2f1c…:admin,auditors=2f1c…:viewer,platform=super_admin`).
 * A group may appear several times (several projects); the highest role wins where two groups name one project.
 */
export function parseRoleMap(raw: string | null, problems: string[]): RoleMapEntry[] {
  if (raw === null) return [];
  const entries: RoleMapEntry[] = [];
  for (const entry of raw.split(',').map((e) => e.trim()).filter((e) => e !== '')) {
    const match = /^([^=]+)=(.+)$/.exec(entry);
    const group = match?.[1]!.trim() ?? '';
    const target = match?.[2]!.trim() ?? '';
    if (group === '' || target === '') {
      problems.push(`OIDC_ROLE_MAP: "${entry.slice(0, 80)}" is not group=project_id:role or group=super_admin`);
      continue;
    }
    if (target === 'super_admin') {
      entries.push({ group, superAdmin: true });
      continue;
    }
    const colon = target.lastIndexOf(':');
    const projectId = target.slice(0, colon).trim();
    const role = target.slice(colon + 1).trim().toLowerCase();
    if (colon <= 0 || projectId === '' || !ROLES.includes(role)) {
      problems.push(`OIDC_ROLE_MAP: "${entry.slice(0, 80)}" must map to project_id:admin, :editor or :viewer, or to super_admin`);
      continue;
    }
    entries.push({ group, projectId, role: role as ProjectRole });
  }
  return entries;
}
