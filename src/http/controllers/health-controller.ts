import { Controller, Extension, Get, Response, Route, Tags } from '@tsoa/runtime';
import type { AppServices } from '../../app-services';
import type { ProjectionStatus } from '../../projections/projection-runner';
import { countQuarantined } from '../../quarantine/quarantine-store';

export type ComponentState = 'ok' | 'down';

export interface ProjectionHealth {
  /** Last applied position in `$all`, as a decimal string. */
  position: string | null;
  /**
   * Events stored from the oldest one it has yet to apply up to the head of `$all`: 0 exactly when caught
   * up; null while behind and the event store cannot count them cheaply (EventStoreDB; the embedded store past
   * a million): see behind_seconds.
   */
  lag: number | null;
  /** Age in seconds of the oldest event it has yet to apply (0 when caught up). */
  behind_seconds: number;
  error?: string;
  /** Events it could not apply and set aside (GET /admin/quarantine lists them). */
  quarantined: number;
}

/** Events of one type this instance's readers met and could not bring to a shape this version reads. */
export interface UnknownEventsHealth {
  type: string;
  /** unknown_type: a type this version does not know (readers skip it); newer_version: written by a newer version; upcast_failed: a bug. */
  reason: 'unknown_type' | 'newer_version' | 'upcast_failed';
  /** Distinct events met since the process started. */
  count: number;
}

export interface HealthReport {
  status: 'ok' | 'degraded' | 'down';
  event_store: ComponentState;
  read_store: ComponentState;
  projections: Record<string, ProjectionHealth>;
  /** Quarantined events per projection or process manager that has any; any makes the status "degraded". */
  quarantined: Record<string, number>;
  /** Whether this instance runs the projections and process managers. */
  leader: boolean;
  /** Events of types (or versions) this version does not know, met by its readers; each kind is also logged once as a warning. */
  unknown_events: UnknownEventsHealth[];
}

/** What health looks at (the app passes all its services). */
export type HealthServices = Pick<AppServices, 'events' | 'reads' | 'leadership' | 'unknownEvents'> & { projections: Pick<AppServices['projections'], 'status'> };

/** A projection more events behind than this makes the instance "degraded". */
export const LAG_DEGRADED_EVENTS = 10_000;
/**
 * A projection whose oldest unapplied event is older than this makes the instance "degraded": the one
 * threshold on every engine (EventStoreDB cannot count events). Live, projections are well under a second behind.
 */
export const BEHIND_DEGRADED_SECONDS = 120;

@Route('health')
@Tags('Health')
export class HealthController extends Controller {
  constructor(private readonly services: HealthServices) {
    super();
  }

  /** Liveness and readiness: 200 unless the event store is unreachable (503). */
  @Get()
  @Extension('x-original-api', true)
  @Response<HealthReport>(503, 'The event store is unreachable')
  public async getHealth(): Promise<HealthReport> {
    const [eventStore, readStore] = await Promise.all([probe(() => this.services.events.ping()), probe(() => this.services.reads.ping())]);
    const projections: Record<string, ProjectionHealth> = {};
    let projectionsHealthy = true;
    let quarantined: Record<string, number> = {};
    if (eventStore === 'ok' && readStore === 'ok') {
      quarantined = await countQuarantined(this.services.reads);
      if (Object.keys(quarantined).length > 0) projectionsHealthy = false;
      for (const status of await this.services.projections.status()) {
        projections[status.name] = {
          position: status.position === null ? null : String(status.position),
          lag: status.lag,
          behind_seconds: status.behindSeconds,
          ...(status.error ? { error: status.error } : {}),
          quarantined: quarantined[status.name] ?? 0,
        };
        if (status.error || tooFarBehind(status)) projectionsHealthy = false;
      }
    }
    const status = eventStore === 'down' ? 'down' : readStore === 'down' || !projectionsHealthy ? 'degraded' : 'ok';
    if (status === 'down') this.setStatus(503);
    const leader = this.services.leadership.isLeader;
    return { status, event_store: eventStore, read_store: readStore, projections, quarantined, leader, unknown_events: this.services.unknownEvents() };
  }
}

function tooFarBehind(status: ProjectionStatus): boolean {
  return (status.lag !== null && status.lag > LAG_DEGRADED_EVENTS) || status.behindSeconds > BEHIND_DEGRADED_SECONDS;
}

async function probe(check: () => Promise<void>): Promise<ComponentState> {
  try {
    await check();
    return 'ok';
  } catch {
    return 'down';
  }
}
