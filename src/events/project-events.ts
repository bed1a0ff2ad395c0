import { type DomainEventOf, eventTypeNames } from './event';
import type { OverlapPolicy } from './overlap-policy';

/** Roles stored in events. The original's `readonly` is accepted on input and stored as `viewer`. */
export type ProjectRole = 'admin' | 'editor' | 'viewer';
export type ApiKeyScope = 'ingest' | 'read' | 'write';

/** When to mail about a task's failures (project default; a task may override it). */
export interface AlertPolicy {
  /** Consecutive failures before the first alert. */
  afterFailures: number;
  /** Mail once when a failing task succeeds again. */
  notifyRecovery: boolean;
  /** Repeat the alert this often while the task keeps failing; null: alert once. */
  realertMinutes: number | null;
}

/** The settings ProjectUpdated may change. A field absent from `changes` did not change. */
export interface ProjectChanges {
  name?: string;
  description?: string | null;
  /** null: the project has no endpoint (its tasks are claimed or run on their own clock). */
  executionEndpoint?: string | null;
  timezone?: string;
  /** Lowercased, without duplicates. */
  alertEmails?: string[];
  /** null: use the installation's default. */
  alertPolicy?: AlertPolicy | null;
  /** http(s) URL alerts are POSTed to (signed like dispatches); null: no webhook channel. */
  alertWebhookUrl?: string | null;
  /** null: keep history forever. */
  retentionDays?: number | null;
  /** The overlap policy of tasks (and groups) that set none; null: `allow`. */
  overlapPolicy?: OverlapPolicy | null;
}

/**
 * A new project. The creator's membership follows as ProjectMemberSet (one kind of event for all
 * membership, so the members read model has one source). Until ProjectUpdated says otherwise:
 * no alert emails, the default alert policy, no retention limit.
 */
export type ProjectCreated = DomainEventOf<
  'ProjectCreated',
  {
    projectId: string;
    name: string;
    description: string | null;
    executionEndpoint: string | null;
    timezone: string;
    /** User id of the creator. */
    createdBy: string;
    createdAt: string;
  }
>;

export type ProjectUpdated = DomainEventOf<'ProjectUpdated', { projectId: string; changes: ProjectChanges; updatedAt: string }>;

/** Adds a member or changes its role. `email` is lowercased. */
export type ProjectMemberSet = DomainEventOf<'ProjectMemberSet', { projectId: string; email: string; role: ProjectRole; at: string }>;

/**
 * A member's own choice of alert mails for this project (added after ProjectMemberSet, which stays as it
 * was: histories from before this event mean what they meant). Until a member has chosen, whether they
 * are mailed follows their role (`alertsByDefault`); a choice holds across role changes and ends with
 * the membership (ProjectMemberRemoved).
 */
export type ProjectMemberAlertsSet = DomainEventOf<'ProjectMemberAlertsSet', { projectId: string; email: string; alerts: boolean; at: string }>;

export type ProjectMemberRemoved = DomainEventOf<'ProjectMemberRemoved', { projectId: string; email: string; at: string }>;

/** Admins receive alerts until they choose otherwise; editors and viewers do not. */
export function alertsByDefault(role: ProjectRole): boolean {
  return role === 'admin';
}

/** Whether a member is mailed alerts: their choice (ProjectMemberAlertsSet) if they made one, else their role's default. */
export function memberGetsAlerts(role: ProjectRole, choice: boolean | null | undefined): boolean {
  return choice ?? alertsByDefault(role);
}

/** The raw key is shown once and never stored: only its sha256 (hex) and a short prefix to recognise it by. */
export type ApiKeyCreated = DomainEventOf<
  'ApiKeyCreated',
  { projectId: string; keyId: string; name: string; scope: ApiKeyScope; prefix: string; hash: string; createdAt: string }
>;

export type ApiKeyRevoked = DomainEventOf<'ApiKeyRevoked', { projectId: string; keyId: string; revokedAt: string }>;

/**
 * The webhook signing secret (HMAC key), also for the project's first secret (previous: null). It is
 * stored as is because the dispatcher must sign with it; the previous secret stays valid until
 * `previousSecretValidUntil` so executors can switch over.
 */
export type SigningSecretRotated = DomainEventOf<
  'SigningSecretRotated',
  { projectId: string; secret: string; previousSecretValidUntil: string | null; rotatedAt: string }
>;

/**
 * The random part of the project's public URLs (badges and status page), also for the first one. It is
 * stored as is because admins are shown those URLs; a new one makes every old URL answer 404.
 */
export type PublicTokenRotated = DomainEventOf<'PublicTokenRotated', { projectId: string; token: string; rotatedAt: string }>;

/** The public status page: shown or not, and which of the project's tasks it lists, in this order. */
export type StatusPageConfigured = DomainEventOf<
  'StatusPageConfigured',
  { projectId: string; enabled: boolean; taskIds: string[]; at: string }
>;

/**
 * The project's ping key, for Healthchecks-style ping URLs by slug (`/ping/<ping-key>/<slug>`): a new one
 * replaces the previous at once (previous: the key it replaced, null for the first). Stored as is, because
 * the dashboard shows it to the project's editors like Healthchecks' project settings do.
 */
export type ProjectPingKeyRotated = DomainEventOf<
  'ProjectPingKeyRotated',
  { projectId: string; pingKey: string; previousPingKey: string | null; rotatedAt: string }
>;

export type ProjectDeleted = DomainEventOf<'ProjectDeleted', { projectId: string; deletedAt: string }>;

export type ProjectEvent =
  | ProjectCreated
  | ProjectUpdated
  | ProjectMemberSet
  | ProjectMemberAlertsSet
  | ProjectMemberRemoved
  | ApiKeyCreated
  | ApiKeyRevoked
  | SigningSecretRotated
  | PublicTokenRotated
  | StatusPageConfigured
  | ProjectPingKeyRotated
  | ProjectDeleted;

export const PROJECT_EVENT_TYPES = eventTypeNames<ProjectEvent>({
  ProjectCreated: true,
  ProjectUpdated: true,
  ProjectMemberSet: true,
  ProjectMemberAlertsSet: true,
  ProjectMemberRemoved: true,
  ApiKeyCreated: true,
  ApiKeyRevoked: true,
  SigningSecretRotated: true,
  PublicTokenRotated: true,
  StatusPageConfigured: true,
  ProjectPingKeyRotated: true,
  ProjectDeleted: true,
});
