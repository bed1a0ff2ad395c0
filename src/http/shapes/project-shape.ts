import { maskUrlSecrets } from '../../config/mask-url';
import { alertsByDefault, type ProjectRole } from '../../events/project-events';
import type { ProjectDoc } from '../../projections/projects-projection';
import type { OverlapMode } from '../../events/overlap-policy';
import { alertPolicyBody, type AlertPolicyBody } from './alert-policy-body';

export interface ProjectUserResponse {
  email: string;
  role: ProjectRole;
  /** Whether the member is mailed the project's alerts (besides `alert_emails`); set by the member or an admin. */
  alerts: boolean;
}

/** A project as the original API shows it (`id` and `uuid` are the same UUID), with the added settings. */
export interface ProjectResponse {
  id: string;
  uuid: string;
  name: string;
  /** Left out when the project has none, as the original did. */
  description?: string;
  /**
   * Masked prefix of the project's first active key (keys are stored hashed): the raw key is in the
   * create response only. null when every key is revoked.
   */
  api_key: string | null;
  /**
   * null: tasks are claimed by executors or run on their own clock. Credentials in it (userinfo,
   * `token=`-like query parameters) are shown as `***` to all but the project's admins.
   */
  execution_endpoint: string | null;
  /** IANA time zone; days in stats and history default to it. */
  timezone: string;
  /** Comma-separated, as the original API sent it; left out when there are none. */
  alert_emails?: string;
  /** null: the installation's default policy. */
  alert_policy: AlertPolicyBody | null;
  /** Where alerts are also POSTed (signed); left out when there is none. Credentials masked as in `execution_endpoint`. */
  alert_webhook_url?: string;
  /** null: history is kept forever. */
  retention_days: number | null;
  /** Default overlap policy of tasks and groups that set none. */
  overlap_policy: OverlapMode;
  /** With `queue` only; else null. */
  max_queued: number | null;
  project_users: ProjectUserResponse[];
  created_at: string;
  updated_at: string;
}

/** The answer to POST /projects: the project and its secrets, shown this once. */
export interface CreatedProjectResponse extends ProjectResponse {
  /** The raw `write` key of the new project; only its hash is kept, so it cannot be shown again. */
  api_key: string;
  /** Webhook signing secret (HMAC key) for verifying dispatches; rotate it to get a new one. */
  signing_secret: string;
}

/**
 * The one mapping from the projects read model to the API. `reader`: whether the caller administers
 * the project (sees its URLs' credentials, which it may change anyway) or not.
 */
export function toProjectResponse(project: ProjectDoc, reader: 'admin' | 'member'): ProjectResponse {
  const url = (value: string) => (reader === 'admin' ? value : maskUrlSecrets(value));
  return {
    id: project.id,
    uuid: project.id,
    name: project.name,
    ...(project.description ? { description: project.description } : {}),
    api_key: project.apiKeys.find((key) => !key.revoked)?.prefix ?? null,
    execution_endpoint: project.executionEndpoint && url(project.executionEndpoint),
    timezone: project.timezone,
    ...(project.alertEmails.length > 0 ? { alert_emails: project.alertEmails.join(',') } : {}),
    alert_policy: project.alertPolicy && alertPolicyBody(project.alertPolicy),
    // Set by ProjectUpdated (the read model spreads its changes into the document).
    ...(typeof project.alertWebhookUrl === 'string' ? { alert_webhook_url: url(project.alertWebhookUrl) } : {}),
    retention_days: project.retentionDays,
    overlap_policy: project.overlapPolicy?.mode ?? 'allow',
    max_queued: project.overlapPolicy?.maxQueued ?? null,
    // `??`: documents of an older generation (served while version 3 rebuilds) predate the choice, so the role's default holds.
    project_users: project.members.map(({ email, role, alerts }) => ({ email, role, alerts: alerts ?? alertsByDefault(role) })),
    created_at: project.createdAt,
    updated_at: project.updatedAt,
  };
}
