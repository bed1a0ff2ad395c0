import { Controller, Extension, Get, Response, Route, Tags } from '@tsoa/runtime';
import type { AppServices } from '../../app-services';
import { countQuarantined } from '../../quarantine/quarantine-store';

export type ComponentState = 'ok' | 'down';

export interface ProjectionHealth {
  /** Last applied position in `$all`, as a decimal string. */
  position: string | null;
  /** How far behind the head of `$all` the projection is, in positions. */
  lag: number;
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

/** Projections further behind than this make the instance "degraded". */
const LAG_DEGRADED = 10_000;

@Route('health')
@Tags('Health')
export class HealthController extends Controller {
  constructor(private readonly services: AppServices) {
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
          ...(status.error ? { error: status.error } : {}),
          quarantined: quarantined[status.name] ?? 0,
        };
        if (status.error || status.lag > LAG_DEGRADED) projectionsHealthy = false;
      }
    }
    const status = eventStore === 'down' ? 'down' : readStore === 'down' || !projectionsHealthy ? 'degraded' : 'ok';
    if (status === 'down') this.setStatus(503);
    const leader = this.services.leadership.isLeader;
    return { status, event_store: eventStore, read_store: readStore, projections, quarantined, leader, unknown_events: this.services.unknownEvents() };
  }
}

async function probe(check: () => Promise<void>): Promise<ComponentState> {
  try {
    await check();
    return 'ok';
  } catch {
    return 'down';
  }
}
