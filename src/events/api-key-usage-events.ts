import { type DomainEventOf, eventTypeNames } from './event';

/**
 * A project API key authenticated a request, on `apikeyusage-<keyId>` (appended with revision `any`:
 * uses never contend with the project's stream, and nothing decides on them). Not one per request:
 * each server process records a key's first use in every API_KEY_USE_RECORD_INTERVAL_MS
 * (src/auth/api-key-usage.ts). `at` is that use's time, from the server's clock; the actor is the key.
 */
export type ApiKeyUsed = DomainEventOf<'ApiKeyUsed', { projectId: string; keyId: string; at: string }>;

export type ApiKeyUsageEvent = ApiKeyUsed;

export const API_KEY_USAGE_EVENT_TYPES = eventTypeNames<ApiKeyUsageEvent>({ ApiKeyUsed: true });
