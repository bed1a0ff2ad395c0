import { projectDecider } from '../../src/commands/project/project-decider';
import { parseProjectRole } from '../../src/commands/project/project-roles';
import { memberOf, type Project } from '../../src/commands/project/project-state';
import { ConflictError, GoneError, NotFoundError, ValidationError } from '../../src/errors/app-error';
import type { ProjectCreated, ProjectEvent } from '../../src/events/project-events';
import { given } from '../support/given-when-then';

const projectId = 'p1';
const at = '2025-03-01T10:00:00.000Z';
const later = '2025-03-02T10:00:00.000Z';

const created: ProjectCreated = {
  type: 'ProjectCreated',
  data: {
    projectId,
    name: 'Billing',
    description: null,
    executionEndpoint: 'https://jobs.example.com/run',
    timezone: 'UTC',
    createdBy: 'u1',
    createdAt: at,
  },
};
const creatorIsAdmin: ProjectEvent = { type: 'ProjectMemberSet', data: { projectId, email: 'ann@example.com', role: 'admin', at } };
const bobIsEditor: ProjectEvent = { type: 'ProjectMemberSet', data: { projectId, email: 'bob@example.com', role: 'editor', at } };
const bobIsAdmin: ProjectEvent = { type: 'ProjectMemberSet', data: { projectId, email: 'bob@example.com', role: 'admin', at } };
const project: ProjectEvent[] = [created, creatorIsAdmin];
const key = { keyId: 'k1', name: 'ci', scope: 'ingest' as const, prefix: 'co_ab12', hash: 'a'.repeat(64) };
const keyCreated: ProjectEvent = { type: 'ApiKeyCreated', data: { projectId, ...key, createdAt: at } };
const deleted: ProjectEvent = { type: 'ProjectDeleted', data: { projectId, deletedAt: later } };

describe('CreateProject', () => {
  const create = {
    type: 'CreateProject' as const,
    projectId,
    name: 'Billing',
    executionEndpoint: 'https://jobs.example.com/run',
    createdBy: 'u1',
    creatorEmail: ' Ann@Example.com',
    at,
  };

  test('creates the project in UTC by default and makes the creator its admin', () => {
    given(projectDecider).when(create).then(project);
  });

  test('records the first API key and signing secret in the same append', () => {
    given(projectDecider)
      .when({ ...create, timezone: 'Europe/Paris', description: 'Invoices', apiKey: key, signingSecret: 's3cret' })
      .then([
        { type: 'ProjectCreated', data: { ...created.data, timezone: 'Europe/Paris', description: 'Invoices' } },
        creatorIsAdmin,
        keyCreated,
        { type: 'SigningSecretRotated', data: { projectId, secret: 's3cret', previousSecretValidUntil: null, rotatedAt: at } },
      ]);
  });

  test('an existing project cannot be created again', () => {
    given(projectDecider, project).when(create).thenThrows(ConflictError, /already exists/);
  });
});

describe('UpdateProject', () => {
  test('records only the settings that change', () => {
    given(projectDecider, project)
      .when({
        type: 'UpdateProject',
        changes: { name: 'Billing', description: 'Invoices', alertEmails: ['Ops@Example.com', 'ops@example.com ', 'dev@example.com'] },
        at: later,
      })
      .then([
        {
          type: 'ProjectUpdated',
          data: { projectId, changes: { description: 'Invoices', alertEmails: ['ops@example.com', 'dev@example.com'] }, updatedAt: later },
        },
      ]);
  });

  test('clears the execution endpoint with null and sets policies', () => {
    const changes = {
      executionEndpoint: null,
      timezone: 'America/New_York',
      alertPolicy: { afterFailures: 3, notifyRecovery: true, realertMinutes: 60 },
      retentionDays: 30,
    };
    given(projectDecider, project)
      .when({ type: 'UpdateProject', changes, at: later })
      .then([{ type: 'ProjectUpdated', data: { projectId, changes, updatedAt: later } }]);
  });

  test('an update that changes nothing emits nothing', () => {
    given(projectDecider, project)
      .when({ type: 'UpdateProject', changes: { name: 'Billing', timezone: 'UTC', alertEmails: [] }, members: [{ email: 'ann@example.com', role: 'admin' }], at })
      .thenNothing();
  });

  test('a member list replaces the members (original project_users, readonly = viewer)', () => {
    given(projectDecider, [...project, bobIsEditor])
      .when({
        type: 'UpdateProject',
        changes: {},
        members: [
          { email: 'ann@example.com', role: 'admin' },
          { email: 'Carol@Example.com', role: 'readonly' },
        ],
        at: later,
      })
      .then([
        { type: 'ProjectMemberRemoved', data: { projectId, email: 'bob@example.com', at: later } },
        { type: 'ProjectMemberSet', data: { projectId, email: 'carol@example.com', role: 'viewer', at: later } },
      ]);
  });

  test('a member list without an admin is refused with 409', () => {
    given(projectDecider, project)
      .when({ type: 'UpdateProject', changes: {}, members: [{ email: 'ann@example.com', role: 'readonly' }], at })
      .thenThrows(ConflictError, /at least one admin/);
    given(projectDecider, project).when({ type: 'UpdateProject', changes: {}, members: [], at }).thenThrows(ConflictError, /at least one admin/);
  });

  test('a member listed twice is refused with details', () => {
    const error = given(projectDecider, project)
      .when({
        type: 'UpdateProject',
        changes: {},
        members: [
          { email: 'ann@example.com', role: 'admin' },
          { email: 'ANN@example.com', role: 'viewer' },
        ],
        at,
      })
      .thenThrows(ValidationError, /once/);
    expect(error.details).toEqual(['ann@example.com: listed more than once']);
  });

  test('an unknown role is refused with 400', () => {
    given(projectDecider, project)
      .when({ type: 'UpdateProject', changes: {}, members: [{ email: 'ann@example.com', role: 'owner' }], at })
      .thenThrows(ValidationError, /Unknown role "owner"; use one of admin, editor, viewer, readonly/);
  });
});

describe('project members', () => {
  test('adds a member, lowercasing the email and mapping readonly to viewer', () => {
    given(projectDecider, project)
      .when({ type: 'SetProjectMember', email: 'Bob@Example.com', role: 'readonly', at })
      .then([{ type: 'ProjectMemberSet', data: { projectId, email: 'bob@example.com', role: 'viewer', at } }]);
  });

  test('setting the same role again is a no-op', () => {
    given(projectDecider, [...project, bobIsEditor]).when({ type: 'SetProjectMember', email: 'bob@example.com', role: 'editor', at }).thenNothing();
  });

  test('the last admin cannot be demoted', () => {
    given(projectDecider, [...project, bobIsEditor])
      .when({ type: 'SetProjectMember', email: 'ann@example.com', role: 'editor', at })
      .thenThrows(ConflictError, /at least one admin; make another member admin first/);
  });

  test('an admin can be demoted while another admin remains', () => {
    given(projectDecider, [...project, bobIsAdmin])
      .when({ type: 'SetProjectMember', email: 'ann@example.com', role: 'viewer', at })
      .then([{ type: 'ProjectMemberSet', data: { projectId, email: 'ann@example.com', role: 'viewer', at } }]);
  });

  test('removes a member', () => {
    given(projectDecider, [...project, bobIsEditor])
      .when({ type: 'RemoveProjectMember', email: 'BOB@example.com', at })
      .then([{ type: 'ProjectMemberRemoved', data: { projectId, email: 'bob@example.com', at } }]);
  });

  test('the last admin cannot be removed', () => {
    given(projectDecider, [...project, bobIsEditor])
      .when({ type: 'RemoveProjectMember', email: 'ann@example.com', at })
      .thenThrows(ConflictError, /at least one admin/);
  });

  test('removing someone who is not a member is 404', () => {
    given(projectDecider, project)
      .when({ type: 'RemoveProjectMember', email: 'zed@example.com', at })
      .thenThrows(NotFoundError, /zed@example.com is not a member/);
  });
});

describe('member alert choices', () => {
  const alertsSet = (email: string, alerts: boolean, when = at): ProjectEvent => ({ type: 'ProjectMemberAlertsSet', data: { projectId, email, alerts, at: when } });
  const members = (state: Project | null, ...emails: string[]) => emails.map((email) => memberOf(state!, email));

  test('members set before alert choices existed get their role\'s default: admins on, others off', () => {
    const { state } = given(projectDecider, [...project, bobIsEditor, { type: 'ProjectMemberSet', data: { projectId, email: 'val@example.com', role: 'viewer', at } }]);
    expect(members(state, 'ann@example.com', 'bob@example.com', 'val@example.com', 'zed@example.com')).toEqual([
      { role: 'admin', alerts: true },
      { role: 'editor', alerts: false },
      { role: 'viewer', alerts: false },
      null,
    ]);
  });

  test('an editor opts in and an admin opts out', () => {
    given(projectDecider, [...project, bobIsEditor])
      .when({ type: 'SetProjectMemberAlerts', email: 'Bob@Example.com', alerts: true, at: later })
      .then([alertsSet('bob@example.com', true, later)]);
    given(projectDecider, [...project, bobIsEditor])
      .when({ type: 'SetProjectMemberAlerts', email: 'ann@example.com', alerts: false, at })
      .then([alertsSet('ann@example.com', false)]);
  });

  test('choosing what the member already gets is a no-op', () => {
    given(projectDecider, [...project, bobIsEditor]).when({ type: 'SetProjectMemberAlerts', email: 'ann@example.com', alerts: true, at }).thenNothing();
    given(projectDecider, [...project, bobIsEditor]).when({ type: 'SetProjectMemberAlerts', email: 'bob@example.com', alerts: false, at }).thenNothing();
    given(projectDecider, [...project, bobIsEditor, alertsSet('bob@example.com', true)])
      .when({ type: 'SetProjectMemberAlerts', email: 'bob@example.com', alerts: true, at })
      .thenNothing();
  });

  test('a choice holds across role changes and ends with the membership', () => {
    const optedOut = given(projectDecider, [...project, bobIsAdmin, alertsSet('bob@example.com', false), bobIsEditor, bobIsAdmin]).state;
    expect(members(optedOut, 'bob@example.com')).toEqual([{ role: 'admin', alerts: false }]);
    const readded = [...project, bobIsEditor, alertsSet('bob@example.com', true), { type: 'ProjectMemberRemoved', data: { projectId, email: 'bob@example.com', at } }, bobIsEditor];
    expect(members(given(projectDecider, readded as ProjectEvent[]).state, 'bob@example.com')).toEqual([{ role: 'editor', alerts: false }]);
  });

  test('choosing for someone who is not a member is 404', () => {
    given(projectDecider, project).when({ type: 'SetProjectMemberAlerts', email: 'zed@example.com', alerts: true, at }).thenThrows(NotFoundError, /zed@example.com is not a member/);
  });

  test('adding a member with a choice records the role, then the choice when it differs from the role\'s default', () => {
    given(projectDecider, project)
      .when({ type: 'SetProjectMember', email: 'Bob@Example.com', role: 'editor', alerts: true, at })
      .then([bobIsEditor, alertsSet('bob@example.com', true)]);
    given(projectDecider, project).when({ type: 'SetProjectMember', email: 'bob@example.com', role: 'admin', alerts: true, at }).then([bobIsAdmin]);
  });

  test('changing only the choice through SetProjectMember records only the choice; without alerts it stays', () => {
    given(projectDecider, [...project, bobIsAdmin])
      .when({ type: 'SetProjectMember', email: 'bob@example.com', role: 'admin', alerts: false, at })
      .then([alertsSet('bob@example.com', false)]);
    given(projectDecider, [...project, bobIsEditor, alertsSet('bob@example.com', true)])
      .when({ type: 'SetProjectMember', email: 'bob@example.com', role: 'admin', at })
      .then([bobIsAdmin]);
  });

  test('a member list may carry choices; echoing the current members back records nothing', () => {
    const history = [...project, bobIsEditor, alertsSet('ann@example.com', false)];
    given(projectDecider, history)
      .when({ type: 'UpdateProject', changes: {}, members: [{ email: 'ann@example.com', role: 'admin', alerts: false }, { email: 'bob@example.com', role: 'editor', alerts: false }], at })
      .thenNothing();
    given(projectDecider, history)
      .when({ type: 'UpdateProject', changes: {}, members: [{ email: 'ann@example.com', role: 'admin', alerts: true }, { email: 'bob@example.com', role: 'editor' }], at: later })
      .then([alertsSet('ann@example.com', true, later)]);
  });

  test('the decider folds every event it emits', () => {
    const state = given(projectDecider, project)
      .when({ type: 'UpdateProject', changes: {}, members: [{ email: 'ann@example.com', role: 'admin' }, { email: 'carol@example.com', role: 'viewer', alerts: true }], at })
      .then([
        { type: 'ProjectMemberSet', data: { projectId, email: 'carol@example.com', role: 'viewer', at } },
        alertsSet('carol@example.com', true),
      ]);
    expect(members(state, 'carol@example.com')).toEqual([{ role: 'viewer', alerts: true }]);
  });
});

describe('parseProjectRole', () => {
  test('maps the original readonly to viewer and accepts the three roles in any case', () => {
    expect(parseProjectRole('readonly')).toBe('viewer');
    expect(parseProjectRole('ReadOnly')).toBe('viewer');
    expect(parseProjectRole('admin')).toBe('admin');
    expect(parseProjectRole('Editor')).toBe('editor');
    expect(parseProjectRole('viewer')).toBe('viewer');
    expect(() => parseProjectRole('root')).toThrow(ValidationError);
  });
});

describe('API keys', () => {
  test('creates a key', () => {
    given(projectDecider, project).when({ type: 'CreateApiKey', ...key, at }).then([keyCreated]);
  });

  test('a key id cannot be reused', () => {
    given(projectDecider, [...project, keyCreated]).when({ type: 'CreateApiKey', ...key, at }).thenThrows(ConflictError, /already exists/);
  });

  test('revokes a key', () => {
    given(projectDecider, [...project, keyCreated])
      .when({ type: 'RevokeApiKey', keyId: 'k1', at: later })
      .then([{ type: 'ApiKeyRevoked', data: { projectId, keyId: 'k1', revokedAt: later } }]);
  });

  test('revoking an unknown key is 404', () => {
    given(projectDecider, project).when({ type: 'RevokeApiKey', keyId: 'nope', at }).thenThrows(NotFoundError, /API key nope does not exist/);
  });

  test('revoking a revoked key is 409', () => {
    given(projectDecider, [...project, keyCreated, { type: 'ApiKeyRevoked', data: { projectId, keyId: 'k1', revokedAt: at } }])
      .when({ type: 'RevokeApiKey', keyId: 'k1', at: later })
      .thenThrows(ConflictError, /already revoked/);
  });
});

describe('RotateSigningSecret', () => {
  test('records the new secret and how long the previous one stays valid', () => {
    given(projectDecider, project)
      .when({ type: 'RotateSigningSecret', secret: 'new', previousSecretValidUntil: later, at })
      .then([{ type: 'SigningSecretRotated', data: { projectId, secret: 'new', previousSecretValidUntil: later, rotatedAt: at } }]);
  });
});

describe('DeleteProject', () => {
  test('deletes the project', () => {
    given(projectDecider, project).when({ type: 'DeleteProject', at: later }).then([deleted]);
  });

  test('deleting it again is a no-op', () => {
    given(projectDecider, [...project, deleted]).when({ type: 'DeleteProject', at: later }).thenNothing();
  });

  test('a deleted project accepts no other command (410)', () => {
    const commands = [
      { type: 'UpdateProject', changes: { name: 'X' }, at },
      { type: 'SetProjectMember', email: 'bob@example.com', role: 'editor', at },
      { type: 'SetProjectMemberAlerts', email: 'ann@example.com', alerts: false, at },
      { type: 'RemoveProjectMember', email: 'ann@example.com', at },
      { type: 'CreateApiKey', ...key, at },
      { type: 'RevokeApiKey', keyId: 'k1', at },
      { type: 'RotateSigningSecret', secret: 'x', previousSecretValidUntil: at, at },
    ] as const;
    for (const command of commands) {
      given(projectDecider, [...project, keyCreated, deleted]).when(command).thenThrows(GoneError, /has been deleted/);
    }
  });

  test('commands on a project that does not exist are 404', () => {
    given(projectDecider).when({ type: 'DeleteProject', at }).thenThrows(NotFoundError, /does not exist/);
    given(projectDecider).when({ type: 'UpdateProject', changes: {}, at }).thenThrows(NotFoundError, /does not exist/);
  });
});

describe('public links and the status page', () => {
  it('records each new token', () => {
    given(projectDecider, project)
      .when({ type: 'RotatePublicToken', token: 'pub_one', at: later })
      .then([{ type: 'PublicTokenRotated', data: { projectId, token: 'pub_one', rotatedAt: later } }]);
  });

  it('records a change of the status page, and nothing for the same settings again', () => {
    const configured: ProjectEvent = { type: 'StatusPageConfigured', data: { projectId, enabled: true, taskIds: ['t2', 't1'], at: later } };
    given(projectDecider, project).when({ type: 'ConfigureStatusPage', enabled: true, taskIds: ['t2', 't1'], at: later }).then([configured]);
    given(projectDecider, [...project, configured]).when({ type: 'ConfigureStatusPage', enabled: true, taskIds: ['t2', 't1'], at: later }).thenNothing();
    // The order is the page's: another order is a change.
    given(projectDecider, [...project, configured])
      .when({ type: 'ConfigureStatusPage', enabled: true, taskIds: ['t1', 't2'], at: later })
      .then([{ type: 'StatusPageConfigured', data: { projectId, enabled: true, taskIds: ['t1', 't2'], at: later } }]);
    given(projectDecider, project).when({ type: 'ConfigureStatusPage', enabled: false, taskIds: [], at: later }).thenNothing();
  });

  it('refuses a task listed twice, and anything on a deleted project', () => {
    given(projectDecider, project).when({ type: 'ConfigureStatusPage', enabled: true, taskIds: ['t1', 't1'], at: later }).thenThrows(ValidationError, /once/);
    given(projectDecider, [...project, deleted]).when({ type: 'RotatePublicToken', token: 'pub_two', at: later }).thenThrows(GoneError);
  });
});
