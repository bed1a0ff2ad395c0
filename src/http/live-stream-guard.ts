/**
 * Open event streams end within a second of their principal losing access: the session ended (logout,
 * password changed or reset, account disabled), the key revoked, the membership removed, the project
 * deleted. Every REVOCATION_CHECK_MS the guard asks for the latest revocation (one read by id, shared
 * with the API key cache, src/auth/revocation-watch.ts); streams checked before it are checked again
 * against the access read model, and those refused end with `event: revoked`. Every stream is also
 * checked every FULL_CHECK_MS whatever happened, so a session that simply expires ends its streams too.
 */
import type { AppServices } from '../app-services';
import { REVOCATION_CHECK_MS } from '../auth/revocation-watch';
import { ForbiddenError, NotFoundError } from '../errors/app-error';
import type { LiveEventsHub, LiveStream } from './live-events';

export const FULL_CHECK_MS = 30_000;

/** Null while the stream's principal may still read its project (the principal refreshed); else why not. */
export async function streamAccessProblem(services: Pick<AppServices, 'principals' | 'access'>, stream: LiveStream): Promise<string | null> {
  const current = await services.principals.current(stream.principal);
  if (!current) return stream.principal.kind === 'apiKey' ? 'the API key was revoked' : 'the session has ended';
  try {
    await services.access.require(current, stream.projectId, 'read');
  } catch (err) {
    if (err instanceof NotFoundError || err instanceof ForbiddenError) return 'no longer allowed to read this project';
    throw err;
  }
  stream.principal = current;
  return null;
}

export class LiveStreamGuard {
  private timer: NodeJS.Timeout | null = null;
  private checking = false;
  private lastFullCheck = performance.now();

  constructor(
    private readonly hub: LiveEventsHub,
    private readonly services: Pick<AppServices, 'principals' | 'access' | 'logger'>,
    private readonly intervalMs = REVOCATION_CHECK_MS,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.check(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One round: checks again the streams checked before the latest revocation (all of them when due). */
  async check(): Promise<void> {
    if (this.checking || this.hub.connectionCount === 0) return;
    this.checking = true;
    try {
      const latest = await this.services.principals.latestRevocation();
      const full = performance.now() - this.lastFullCheck >= FULL_CHECK_MS;
      if (full) this.lastFullCheck = performance.now();
      const due = this.hub.streams().filter((stream) => full || stream.checkedAfterRevocation !== latest);
      await Promise.all(
        due.map(async (stream) => {
          const problem = await streamAccessProblem(this.services, stream);
          if (problem) this.hub.revoke(stream, problem);
          else stream.checkedAfterRevocation = latest;
        }),
      );
    } catch (err) {
      // The next round tries again; a store that stays down also fails every new request.
      this.services.logger.warn({ err }, 'could not check the access of open live streams');
    } finally {
      this.checking = false;
    }
  }
}
