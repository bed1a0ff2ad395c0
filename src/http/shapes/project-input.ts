import type { NewProject } from '../../commands/flows/create-project';
import type { ProjectUpdate } from '../../commands/flows/update-project';
import { isEmail } from '../../commands/shared/email';
import { ValidationError } from '../../errors/app-error';
import type { ProjectChanges } from '../../events/project-events';
import { checkLiteralHost, type OutboundPurpose, type OutboundRules } from '../../outbound/outbound-policy';
import { checkTimeZone } from '../../schedules/time-zone';
import { alertPolicyFromBody, type AlertPolicyBody } from './alert-policy-body';
import { absentIfEmpty } from './empty-means-absent';
import { quoted } from '../../errors/quoted';
import { maskUrlSecrets } from '../../config/mask-url';
import { overlapPolicyFromBody } from './overlap-body';
import type { OverlapMode } from '../../events/overlap-policy';

/** Roles a request may give: the three roles, and the original API's `readonly` (stored as `viewer`). */
export type ProjectRoleInput = 'admin' | 'editor' | 'viewer' | 'readonly';

export interface ProjectUserBody {
  /** @maxLength 254 */
  email: string;
  role: ProjectRoleInput;
  /** Whether the member is mailed the project's alerts. Left out: unchanged (a new member: on for admins, off for others). */
  alerts?: boolean;
}

export interface CreateProjectBody {
  /**
   * 1 to 255 characters once trimmed; unique case-insensitively (409).
   * @minLength 1
   */
  name: string;
  /** @maxLength 1000 */
  description?: string | null;
  /**
   * http(s) URL each execution is POSTed to; null or left out: executors claim or report on their own.
   * @maxLength 2048
   */
  execution_endpoint?: string | null;
  /**
   * IANA time zone. Default UTC.
   * @maxLength 64
   */
  timezone?: string;
}

/** PUT /projects/{id}: every field is optional, and only those sent change. */
export interface UpdateProjectBody {
  /**
   * 1 to 255 characters once trimmed; unique case-insensitively (409).
   * @minLength 1
   */
  name?: string;
  /** @maxLength 1000 */
  description?: string | null;
  /** @maxLength 2048 */
  execution_endpoint?: string | null;
  /** @maxLength 64 */
  timezone?: string;
  /** Comma-separated, as the original API sent it (a list is accepted too); null or "" clears it. At most 100 addresses. */
  alert_emails?: string | string[] | null;
  /** null: the installation's default policy. */
  alert_policy?: AlertPolicyBody | null;
  /**
   * http(s) URL alerts are also POSTed to, signed like dispatches; null or "" removes it.
   * @maxLength 2048
   */
  alert_webhook_url?: string | null;
  /**
   * Days of history to keep; null: forever. At most 100 years.
   * @isInt
   * @minimum 1
   * @maximum 36500
   */
  retention_days?: number | null;
  /** Default overlap policy of the project's tasks that set none (and whose group sets none); null: `allow`. */
  overlap_policy?: OverlapMode | null;
  /**
   * With `overlap_policy: queue` (in the same body) only; default 1.
   * @isInt
   * @minimum 1
   * @maximum 100
   */
  max_queued?: number | null;
  /**
   * Replaces the member list when present; it must keep an admin (409). New emails without an account are invited.
   * @maxItems 1000
   */
  project_users?: ProjectUserBody[];
  /** Read-only, ignored. */
  id?: unknown;
  /** Read-only, ignored. */
  uuid?: unknown;
  /** Read-only, ignored. */
  project_id?: unknown;
  /** Read-only, ignored. */
  state?: unknown;
  /** Read-only, ignored. */
  trigger_config?: unknown;
  /** Read-only, ignored. */
  created_at?: unknown;
  /** Read-only, ignored. */
  updated_at?: unknown;
  /** Read-only, ignored (keys are managed under /projects/{project_id}/api-keys). */
  api_key?: unknown;
}

const MAX_NAME = 255;
const MAX_ALERT_EMAILS = 100;
const MAX_URL = 2048;

/** `outbound`: the configured rules, which refuse a URL whose host is a refused IP address. */
export function newProjectFromBody(body: CreateProjectBody, outbound: OutboundRules): NewProject {
  const details: string[] = [];
  const settings = settingsFromBody(body, outbound, details);
  refuseIfAny(details);
  return {
    name: settings.name!,
    description: settings.description ?? null,
    executionEndpoint: settings.executionEndpoint ?? null,
    timezone: settings.timezone ?? 'UTC',
  };
}

export function projectUpdateFromBody(body: UpdateProjectBody, outbound: OutboundRules): ProjectUpdate {
  const details: string[] = [];
  const changes = settingsFromBody(body, outbound, details);
  body.project_users?.forEach((user, i) => {
    if (!isEmail(user.email)) details.push(`project_users[${i}].email: ${quoted(user.email)} is not an email address`);
  });
  refuseIfAny(details);
  return { changes, ...(body.project_users ? { members: body.project_users.map(({ email, role, alerts }) => ({ email, role, alerts })) } : {}) };
}

/** The settings a body sets (fields left out stay out), with every problem found added to `details`. */
function settingsFromBody(body: UpdateProjectBody, outbound: OutboundRules, details: string[]): ProjectChanges {
  const changes: ProjectChanges = {};
  if (body.name !== undefined) {
    const name = body.name.trim();
    if (name.length === 0 || name.length > MAX_NAME) details.push(`name: must be 1 to ${MAX_NAME} characters once trimmed`);
    changes.name = name;
  }
  if (body.description !== undefined) changes.description = body.description?.trim() || null;
  if (body.execution_endpoint !== undefined) {
    const endpoint = body.execution_endpoint?.trim() || null;
    if (endpoint !== null && !isHttpUrl(endpoint)) details.push(`execution_endpoint: ${quoted(maskUrlSecrets(endpoint))} is not an http(s) URL`);
    else if (endpoint !== null) refuseOutbound('execution_endpoint', endpoint, outbound, 'execution', details);
    changes.executionEndpoint = endpoint;
  }
  if (body.timezone !== undefined) {
    const timezone = absentIfEmpty(body.timezone) ?? 'UTC';
    const zone = checkTimeZone(timezone);
    if (!zone.ok) {
      details.push(`timezone: ${quoted(timezone)} is not an IANA time zone${zone.suggestion ? ` (did you mean "${zone.suggestion}"?)` : ''}`);
    }
    changes.timezone = timezone;
  }
  if (body.alert_emails !== undefined) {
    const emails = splitEmails(body.alert_emails);
    if (emails.length > MAX_ALERT_EMAILS) details.push(`alert_emails: has ${emails.length} addresses; at most ${MAX_ALERT_EMAILS} are allowed`);
    for (const email of emails) if (!isEmail(email)) details.push(`alert_emails: ${quoted(email)} is not an email address`);
    changes.alertEmails = emails;
  }
  if (body.alert_policy !== undefined) changes.alertPolicy = body.alert_policy && alertPolicyFromBody(body.alert_policy);
  if (body.alert_webhook_url !== undefined) {
    const url = body.alert_webhook_url?.trim() || null;
    if (url !== null && !isHttpUrl(url)) details.push(`alert_webhook_url: ${quoted(maskUrlSecrets(url))} is not an http(s) URL`);
    else if (url !== null) refuseOutbound('alert_webhook_url', url, outbound, 'alert', details);
    changes.alertWebhookUrl = url;
  }
  if (body.retention_days !== undefined) changes.retentionDays = body.retention_days;
  if (body.overlap_policy !== undefined || body.max_queued !== undefined) {
    // `allow` is what a project without a policy does (and what a GET shows for it): a fetched project put back changes nothing.
    const policy = overlapPolicyFromBody(body);
    changes.overlapPolicy = policy === null || policy === undefined || policy.mode === 'allow' ? null : policy;
  }
  return changes;
}

function splitEmails(input: string | string[] | null): string[] {
  const parts = input === null ? [] : Array.isArray(input) ? input : input.split(',');
  return parts.map((email) => email.trim()).filter((email) => email !== '');
}

export function isHttpUrl(text: string): boolean {
  if (text.length > MAX_URL) return false;
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * A URL whose host is an IP address the outbound policy refuses is refused here, where the mistake is
 * made; a name is judged on each request, on the addresses it resolves to then.
 */
export function refuseOutbound(field: string, url: string, outbound: OutboundRules, purpose: OutboundPurpose, details: string[]): void {
  const verdict = checkLiteralHost(outbound, purpose, new URL(url));
  if (verdict && !verdict.allowed) details.push(`${field}: refused by outbound policy: ${verdict.rule}`);
}

function refuseIfAny(details: string[]): void {
  if (details.length > 0) throw new ValidationError('Invalid project', details);
}
