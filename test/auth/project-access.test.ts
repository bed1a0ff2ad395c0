import type { ApiKeyPrincipal, Principal, ProjectPermission, UserPrincipal } from '../../src/auth/principal';
import { MembershipProjectAccess, type ProjectDirectory } from '../../src/auth/project-access';
import { ForbiddenError, NotFoundError } from '../../src/errors/app-error';
import type { ApiKeyScope, ProjectRole } from '../../src/events/project-events';

const P = 'project-1';
const OTHER = 'project-2';

/** Project 1 has an admin, an editor and a viewer; project 2 exists with nobody relevant in it. */
const directory: ProjectDirectory = {
  projectExists: async (projectId) => projectId === P || projectId === OTHER,
  memberRole: async (projectId, email) =>
    projectId === P ? (({ 'ada@x.io': 'admin', 'ed@x.io': 'editor', 'vi@x.io': 'viewer', 'boss@x.io': 'viewer' }) as Record<string, ProjectRole>)[email] ?? null : null,
};
const access = new MembershipProjectAccess(directory);

const user = (email: string, superAdmin = false): UserPrincipal => ({ kind: 'user', userId: email, email, name: email, superAdmin, sessionId: 's' });
const key = (scope: ApiKeyScope, projectId = P): ApiKeyPrincipal => ({ kind: 'apiKey', keyId: `k-${scope}`, projectId, scope });

const PERMISSIONS: ProjectPermission[] = ['read', 'report', 'edit', 'admin'];

/** What each principal may do in project 1 (everything else is refused with 403). */
const ALLOWED: Array<[string, Principal, ProjectPermission[]]> = [
  ['admin', user('ada@x.io'), ['read', 'report', 'edit', 'admin']],
  ['editor', user('ed@x.io'), ['read', 'report', 'edit']],
  ['viewer', user('vi@x.io'), ['read']],
  ['super admin (a mere viewer by membership)', user('boss@x.io', true), ['read', 'report', 'edit', 'admin']],
  ['super admin (not a member)', user('root@x.io', true), ['read', 'report', 'edit', 'admin']],
  ['ingest key', key('ingest'), ['report']],
  ['read key', key('read'), ['read']],
  ['write key', key('write'), ['read', 'report', 'edit']],
];

async function outcome(principal: Principal, projectId: string, permission: ProjectPermission): Promise<string> {
  try {
    await access.require(principal, projectId, permission);
    return 'allowed';
  } catch (err) {
    if (err instanceof NotFoundError) return `404 ${err.message}`;
    if (err instanceof ForbiddenError) return '403';
    throw err;
  }
}

describe('ProjectAccess rules', () => {
  it.each(ALLOWED)('%s: allowed exactly its permissions, refused the others with 403', async (_label, principal, allowed) => {
    for (const permission of PERMISSIONS) {
      expect([permission, await outcome(principal, P, permission)]).toEqual([permission, allowed.includes(permission) ? 'allowed' : '403']);
    }
  });

  it('tells a user who is not a member that the project does not exist, whatever the permission', async () => {
    for (const permission of PERMISSIONS) {
      expect(await outcome(user('stranger@x.io'), P, permission)).toBe(`404 Project ${P} not found`);
    }
  });

  it('answers 404 to a super admin for a project that does not exist', async () => {
    expect(await outcome(user('root@x.io', true), 'nope', 'read')).toBe('404 Project nope not found');
  });

  it('tells a key of another project, whatever its scope, that the project does not exist (as a non-member is told)', async () => {
    for (const scope of ['ingest', 'read', 'write'] as const) {
      expect(await outcome(key(scope, OTHER), P, 'report')).toBe(`404 Project ${P} not found`);
      expect(await outcome(key(scope, OTHER), P, 'read')).toBe(`404 Project ${P} not found`);
      expect(await outcome(key(scope, OTHER), 'nope', 'read')).toBe('404 Project nope not found');
    }
  });

  it('gives the role a principal acts with', async () => {
    expect(await access.roleOf(user('ed@x.io'), P)).toBe('editor');
    expect(await access.roleOf(user('boss@x.io', true), P)).toBe('admin');
    expect(await access.roleOf(user('root@x.io', true), 'nope')).toBeNull();
    expect(await access.roleOf(user('stranger@x.io'), P)).toBeNull();
    expect(await access.roleOf(key('write'), P)).toBeNull();
  });
});
