import { ConflictError, NotFoundError, ValidationError } from '../../errors/app-error';
import { memberGetsAlerts, type ProjectChanges, type ProjectEvent, type ProjectRole } from '../../events/project-events';
import type { Decider } from '../decider';
import { normalizeEmail } from '../shared/email';
import { requireLive } from '../shared/guards';
import { changedFields, isEmpty, jsonEqual } from '../shared/json-equal';
import type {
  ConfigureStatusPage,
  CreateApiKey,
  CreateProject,
  MemberInput,
  NewApiKey,
  ProjectCommand,
  RemoveProjectMember,
  RevokeApiKey,
  SetProjectMember,
  SetProjectMemberAlerts,
  UpdateProject,
} from './project-commands';
import { parseProjectRole } from './project-roles';
import { evolveProject, initialProjectState, type Project, type ProjectState } from './project-state';

/** A member as a command wants them: `alerts` left out keeps the current choice. */
interface DesiredMember {
  role: ProjectRole;
  alerts?: boolean;
}

export function decideProject(command: ProjectCommand, state: ProjectState): ProjectEvent[] {
  if (command.type === 'CreateProject') return createProject(command, state);
  // Deleting twice is a no-op (DELETE is idempotent); any other command on a deleted project is 410.
  if (command.type === 'DeleteProject' && state?.deleted) return [];
  const project = requireLive(state, 'This project');
  const { projectId } = project;
  switch (command.type) {
    case 'UpdateProject':
      return updateProject(command, project);
    case 'SetProjectMember':
      return setMember(command, project);
    case 'SetProjectMemberAlerts':
      return setMemberAlerts(command, project);
    case 'RemoveProjectMember':
      return removeMember(command, project);
    case 'CreateApiKey':
      return createApiKey(command, project);
    case 'RevokeApiKey':
      return revokeApiKey(command, project);
    case 'RotateSigningSecret':
      return [
        {
          type: 'SigningSecretRotated',
          data: { projectId, secret: command.secret, previousSecretValidUntil: command.previousSecretValidUntil, rotatedAt: command.at },
        },
      ];
    case 'RotatePublicToken':
      return [{ type: 'PublicTokenRotated', data: { projectId, token: command.token, rotatedAt: command.at } }];
    case 'ConfigureStatusPage':
      return configureStatusPage(command, project);
    case 'RotatePingKey':
      return [{ type: 'ProjectPingKeyRotated', data: { projectId, pingKey: command.pingKey, previousPingKey: project.pingKey, rotatedAt: command.at } }];
    case 'DeleteProject':
      return [{ type: 'ProjectDeleted', data: { projectId, deletedAt: command.at } }];
  }
}

function createProject(command: CreateProject, state: ProjectState): ProjectEvent[] {
  if (state !== null) throw new ConflictError(`Project ${command.projectId} already exists`);
  const { projectId, at } = command;
  const events: ProjectEvent[] = [
    {
      type: 'ProjectCreated',
      data: {
        projectId,
        name: command.name,
        description: command.description ?? null,
        executionEndpoint: command.executionEndpoint ?? null,
        timezone: command.timezone ?? 'UTC',
        createdBy: command.createdBy,
        createdAt: at,
      },
    },
    // The original did not make a creator a member (a defect); here the creator is the first admin.
    { type: 'ProjectMemberSet', data: { projectId, email: normalizeEmail(command.creatorEmail), role: 'admin', at } },
  ];
  if (command.apiKey) events.push(apiKeyCreated(projectId, command.apiKey, at));
  if (command.signingSecret !== undefined) {
    events.push({
      type: 'SigningSecretRotated',
      data: { projectId, secret: command.signingSecret, previousSecretValidUntil: null, rotatedAt: at },
    });
  }
  return events;
}

function updateProject(command: UpdateProject, project: Project): ProjectEvent[] {
  const { projectId } = project;
  const events: ProjectEvent[] = [];
  const changes = changedFields(project.settings, normalizeChanges(command.changes));
  if (!isEmpty(changes)) events.push({ type: 'ProjectUpdated', data: { projectId, changes, updatedAt: command.at } });
  if (command.members) events.push(...replaceMembers(project, desiredMembers(command.members), command.at));
  return events;
}

function normalizeChanges(changes: ProjectChanges): ProjectChanges {
  if (changes.alertEmails === undefined) return changes;
  return { ...changes, alertEmails: [...new Set(changes.alertEmails.map(normalizeEmail))] };
}

function desiredMembers(inputs: MemberInput[]): Record<string, DesiredMember> {
  const members: Record<string, DesiredMember> = {};
  const duplicates: string[] = [];
  for (const input of inputs) {
    const email = normalizeEmail(input.email);
    if (email in members) duplicates.push(email);
    members[email] = { role: parseProjectRole(input.role), alerts: input.alerts };
  }
  if (duplicates.length > 0) {
    throw new ValidationError(
      'Each member may appear once in the member list',
      duplicates.map((email) => `${email}: listed more than once`),
    );
  }
  return members;
}

/** The events that turn the current member list into the desired one. */
function replaceMembers(project: Project, desired: Record<string, DesiredMember>, at: string): ProjectEvent[] {
  requireAnAdmin(Object.values(desired).map((member) => member.role));
  const { projectId } = project;
  const removed: ProjectEvent[] = Object.keys(project.members)
    .filter((email) => !(email in desired))
    .map((email) => ({ type: 'ProjectMemberRemoved', data: { projectId, email, at } }));
  const set = Object.entries(desired).flatMap(([email, member]) => memberEvents(project, email, member, at));
  return [...removed, ...set];
}

/**
 * A member's role, then their alert choice, each only when it changes. A choice is recorded only when
 * it differs from what the member gets with the role they will have, so echoing a fetched member list
 * back records nothing.
 */
function memberEvents(project: Project, email: string, { role, alerts }: DesiredMember, at: string): ProjectEvent[] {
  const { projectId } = project;
  const events: ProjectEvent[] = [];
  if (project.members[email] !== role) events.push({ type: 'ProjectMemberSet', data: { projectId, email, role, at } });
  if (alerts !== undefined && alerts !== memberGetsAlerts(role, project.alertChoices[email])) {
    events.push({ type: 'ProjectMemberAlertsSet', data: { projectId, email, alerts, at } });
  }
  return events;
}

function setMember(command: SetProjectMember, project: Project): ProjectEvent[] {
  const email = normalizeEmail(command.email);
  const role = parseProjectRole(command.role);
  const events = memberEvents(project, email, { role, alerts: command.alerts }, command.at);
  if (events.length > 0) requireAnAdmin(Object.values({ ...project.members, [email]: role }));
  return events;
}

function setMemberAlerts(command: SetProjectMemberAlerts, project: Project): ProjectEvent[] {
  const email = normalizeEmail(command.email);
  const role = requireMember(project, email);
  return memberEvents(project, email, { role, alerts: command.alerts }, command.at);
}

function removeMember(command: RemoveProjectMember, project: Project): ProjectEvent[] {
  const email = normalizeEmail(command.email);
  requireMember(project, email);
  const { [email]: _removed, ...remaining } = project.members;
  requireAnAdmin(Object.values(remaining));
  return [{ type: 'ProjectMemberRemoved', data: { projectId: project.projectId, email, at: command.at } }];
}

function requireMember(project: Project, email: string): ProjectRole {
  const role = project.members[email];
  if (role === undefined) throw new NotFoundError(`${email} is not a member of this project`);
  return role;
}

/** The last admin can be neither removed nor demoted: nobody could manage the project any more. */
function requireAnAdmin(rolesAfter: ProjectRole[]): void {
  if (!rolesAfter.includes('admin')) {
    throw new ConflictError('A project must keep at least one admin; make another member admin first');
  }
}

function createApiKey(command: CreateApiKey, project: Project): ProjectEvent[] {
  if (command.keyId in project.apiKeys) throw new ConflictError(`API key ${command.keyId} already exists`);
  return [apiKeyCreated(project.projectId, command, command.at)];
}

function apiKeyCreated(projectId: string, key: NewApiKey, at: string): ProjectEvent {
  const { keyId, name, scope, prefix, hash } = key;
  return { type: 'ApiKeyCreated', data: { projectId, keyId, name, scope, prefix, hash, createdAt: at } };
}

function revokeApiKey(command: RevokeApiKey, project: Project): ProjectEvent[] {
  const key = project.apiKeys[command.keyId];
  if (!key) throw new NotFoundError(`API key ${command.keyId} does not exist in this project`);
  if (key.revoked) throw new ConflictError(`API key ${command.keyId} is already revoked`);
  return [{ type: 'ApiKeyRevoked', data: { projectId: project.projectId, keyId: command.keyId, revokedAt: command.at } }];
}

/** Saving the same settings again records nothing. */
function configureStatusPage(command: ConfigureStatusPage, project: Project): ProjectEvent[] {
  const { enabled, taskIds, at } = command;
  if (new Set(taskIds).size !== taskIds.length) throw new ValidationError('Each task may appear once on the status page', ['task_ids: lists a task more than once']);
  if (jsonEqual(project.statusPage, { enabled, taskIds })) return [];
  return [{ type: 'StatusPageConfigured', data: { projectId: project.projectId, enabled, taskIds, at } }];
}

export const projectDecider: Decider<ProjectState, ProjectCommand, ProjectEvent> = {
  initialState: initialProjectState,
  evolve: evolveProject,
  decide: decideProject,
};
