import type { ApiKeyScope } from '../../events/project-events';
import type { ProjectApiKey } from '../../projections/projects-projection';

export interface CreateApiKeyBody {
  /**
   * To recognise the key by (e.g. "ci", "billing executor").
   * @minLength 1
   * @maxLength 100
   */
  name: string;
  /** ingest: report on executions only; read: read the project; write: read, edit tasks and groups, report. */
  scope: ApiKeyScope;
}

export interface ApiKeyResponse {
  id: string;
  name: string;
  scope: ApiKeyScope;
  /** The first characters of the key, to recognise it by; the key itself is never shown again. */
  prefix: string;
  created_at: string;
  /**
   * When the key was last used for a request answered with success, to within 5 minutes: each server
   * records a key's first use in every 5 minutes (so the latest use may be up to 5 minutes later), and
   * it shows once the read model has caught up. null: never used since uses are recorded.
   */
  last_used_at: string | null;
  revoked: boolean;
  revoked_at: string | null;
}

export interface CreatedApiKeyResponse extends ApiKeyResponse {
  /** The raw key, shown this once (send it as `Authorization: <key>` or `Bearer <key>`). */
  api_key: string;
}

export function toApiKeyResponse(key: ProjectApiKey): ApiKeyResponse {
  return {
    id: key.id,
    name: key.name,
    scope: key.scope,
    prefix: key.prefix,
    created_at: key.createdAt,
    // `?? null`: documents of the projection's generation 1 (served while generation 2 rebuilds) lack the field.
    last_used_at: key.lastUsedAt ?? null,
    revoked: key.revoked,
    revoked_at: key.revokedAt,
  };
}
