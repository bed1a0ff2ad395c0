import { newCommandContext } from '../commands/command-context';
import { toNewEvent } from '../commands/handle-command';
import type { ApiKeyUsed } from '../events/api-key-usage-events';
import { apiKeyUsageStream } from '../events/streams';
import type { Logger } from '../logging/logger';
import type { EventStore, NewEvent } from '../stores/events/event-store';
import type { Clock } from '../time/clock';
import type { IncomingMessage, RequestListener } from 'node:http';
import type { ApiKeyPrincipal, Principal } from './principal';

/**
 * How often one server process records a use of the same key: its first use in each interval, so a
 * key's `last_used_at` is the time of a use at most this much before its latest one (the API documents
 * it as 5 minutes: src/http/shapes/api-key-shape.ts).
 */
export const API_KEY_USE_RECORD_INTERVAL_MS = 5 * 60_000;

/** Bound on memory; the key recorded longest ago makes room (its next use is then recorded again). */
const MAX_KEYS = 10_000;

/**
 * Notes that a project API key was used (a request it authenticated was answered with success; see
 * withApiKeyUsesRecorded), as an ApiKeyUsed event on the key's own stream — at most once per key per
 * API_KEY_USE_RECORD_INTERVAL_MS in this process, since executors report thousands of times a second. Never on the request's critical path: `noteUse` only looks at a
 * map; the append happens afterwards, and a failure is logged (that use is lost; the next one after
 * the interval is recorded), never passed on to the request.
 */
export class ApiKeyUsageRecorder {
  /** Key id → when (clock ms) this process last recorded a use of it; oldest record first. */
  private readonly recordedAt = new Map<string, number>();
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly events: Pick<EventStore, 'append'>,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly intervalMs = API_KEY_USE_RECORD_INTERVAL_MS,
  ) {}

  noteUse(principal: ApiKeyPrincipal): void {
    const now = this.clock.now();
    const { keyId, projectId } = principal;
    const last = this.recordedAt.get(keyId);
    if (last !== undefined && now.getTime() - last < this.intervalMs && now.getTime() >= last) return;
    this.recordedAt.delete(keyId);
    this.recordedAt.set(keyId, now.getTime());
    if (this.recordedAt.size > MAX_KEYS) this.recordedAt.delete(this.recordedAt.keys().next().value!);
    const event: ApiKeyUsed = { type: 'ApiKeyUsed', data: { projectId, keyId, at: now.toISOString() } };
    const recorded = this.append(apiKeyUsageStream(keyId), toNewEvent(event, newCommandContext(keyId), this.clock))
      .catch((err: unknown) => this.logger.warn({ err, keyId, projectId }, 'Could not record a use of an API key'))
      .finally(() => this.pending.delete(recorded));
    this.pending.add(recorded);
  }

  /** Appends after the current request's work (setImmediate), with revision `any`. */
  private async append(stream: string, event: NewEvent): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    await this.events.append(stream, [event], 'any');
  }

  /** Waits for the uses noted so far to be recorded (or their failure logged): before the event store closes. */
  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }
}

/**
 * Notes the key of every request answered with success (below 400): a refused request changes nothing
 * stored, its key's last use included. Both the express routes and the report fast path attach the
 * authenticated principal to the request as `user`.
 */
export function withApiKeyUsesRecorded(recorder: Pick<ApiKeyUsageRecorder, 'noteUse'>, handler: RequestListener): RequestListener {
  return (request, response) => {
    response.once('finish', () => {
      const user = (request as IncomingMessage & { user?: Principal }).user;
      if (user?.kind === 'apiKey' && response.statusCode < 400) recorder.noteUse(user);
    });
    handler(request, response);
  };
}
