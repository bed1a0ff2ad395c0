/**
 * Prometheus metrics of one server instance (`GET /api/v1/metrics`), in a prom-client Registry of its
 * own (not the process-wide default), so several servers in one process (tests) never share counters.
 *
 * - `cron_observer_reports_ingested_total{kind, code}`: executor reports by route (status, finish, logs,
 *   run) and HTTP status, counted by a middleware in front of the routes (countReports);
 *   `cron_observer_log_lines_ingested_total`: lines accepted;
 * - `cron_observer_projection_lag_events{projection}` (events it has yet to apply; absent while the
 *   event store cannot count them, EventStoreDB), `…_behind_seconds` (age of the oldest of them, on
 *   every engine), `…_position`, `…_failing`: from the projection runner's status, read at each scrape;
 * - `cron_observer_quarantined_events{consumer}`: events a projection or process manager set aside,
 *   counted in the read store at each scrape (so a `retry-quarantined` shows at once);
 * - `cron_observer_scheduler_lateness_seconds`: the scheduler's histogram, which lives in prom-client's
 *   default registry (src/process-managers/scheduler/scheduler-metrics.ts); until a scheduler has
 *   registered it, an empty histogram of the same name and buckets is shown;
 * - `cron_observer_dispatch_events_total{type}`, `cron_observer_alert_events_total{type}`: dispatch
 *   (ExecutionDispatch*, ExecutionClaim*) and alert (Alert*) events, counted as they are stored, by an
 *   in-process subscriber from the server's start (read-side.ts);
 * - `cron_observer_unknown_events{type, reason}`: distinct events met since the process started that
 *   this version could not bring to a current shape (src/events/event-upcasting.ts);
 * - `cron_observer_live_connections`, `cron_observer_live_dropped_total`: server-sent events streams;
 * - the default process metrics (`process_*`, `nodejs_*`).
 * Counters start at zero when the process starts, as Prometheus expects.
 */
import type { NextFunction, Request, Response } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, register as defaultRegistry } from 'prom-client';
import type { AppServices } from '../app-services';
import type { ProjectionStatus } from '../projections/projection-runner';
import { countQuarantined } from '../quarantine/quarantine-store';
import type { RecordedEvent } from '../stores/events/event-store';

export const SCHEDULER_LATENESS_METRIC = 'cron_observer_scheduler_lateness_seconds';
const SCHEDULER_LATENESS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export type ReportKind = 'status' | 'finish' | 'logs' | 'run';

export class ServerMetrics {
  readonly registry = new Registry();
  readonly reportsIngested: Counter<'kind' | 'code'>;
  readonly logLinesIngested: Counter;
  readonly dispatchEvents: Counter<'type'>;
  readonly alertEvents: Counter<'type'>;
  readonly liveConnections: Gauge;
  readonly liveDropped: Counter;
  /** Shown while no scheduler has registered the real lateness histogram. */
  private readonly latenessPlaceholder = new Registry();

  constructor(
    services: Pick<AppServices, 'reads' | 'unknownEvents'> & { projections: Pick<AppServices['projections'], 'status'> },
    liveConnectionCount: () => number,
  ) {
    const registers = [this.registry];
    this.reportsIngested = new Counter({
      name: 'cron_observer_reports_ingested_total',
      help: 'Executor reports received, by route (status, finish, logs, run) and HTTP status code',
      labelNames: ['kind', 'code'],
      registers,
    });
    this.logLinesIngested = new Counter({ name: 'cron_observer_log_lines_ingested_total', help: 'Log lines accepted from executors', registers });
    this.dispatchEvents = new Counter({
      name: 'cron_observer_dispatch_events_total',
      help: 'Dispatch events stored since the process started, by type (ExecutionDispatched, ExecutionDispatchFailed, …)',
      labelNames: ['type'],
      registers,
    });
    this.alertEvents = new Counter({
      name: 'cron_observer_alert_events_total',
      help: 'Alert events stored since the process started, by type (AlertSent, AlertSendFailed, AlertNotSent, …)',
      labelNames: ['type'],
      registers,
    });
    this.liveConnections = new Gauge({
      name: 'cron_observer_live_connections',
      help: 'Open server-sent events streams',
      registers,
      collect() {
        this.set(liveConnectionCount());
      },
    });
    this.liveDropped = new Counter({
      name: 'cron_observer_live_dropped_total',
      help: 'Server-sent events streams closed because the client did not keep up',
      registers,
    });
    // The projection gauges share one status() call per scrape (prom-client collects them concurrently).
    let pending: Promise<ProjectionStatus[]> | null = null;
    const statuses = () => (pending ??= services.projections.status().finally(() => (pending = null)));
    /** A null value leaves the projection out (a count the event store cannot make is not shown as 0). */
    const projectionGauge = (name: string, help: string, value: (status: ProjectionStatus) => number | null) =>
      new Gauge({
        name,
        help,
        labelNames: ['projection'],
        registers,
        async collect() {
          this.reset();
          for (const status of await statuses()) {
            const v = value(status);
            if (v !== null) this.set({ projection: status.name }, v);
          }
        },
      });
    projectionGauge(
      'cron_observer_projection_lag_events',
      'Events stored from the oldest one a projection has yet to apply up to the head of $all (0 when caught up); absent where the event store cannot count them',
      (s) => s.lag,
    );
    projectionGauge('cron_observer_projection_behind_seconds', 'Age of the oldest event a projection has yet to apply, in seconds (0 when caught up)', (s) => s.behindSeconds);
    projectionGauge('cron_observer_projection_position', 'Last $all position a projection applied', (s) => s.position ?? 0);
    projectionGauge('cron_observer_projection_failing', '1 while a projection retries after an error', (s) => (s.error ? 1 : 0));
    new Gauge({
      name: 'cron_observer_quarantined_events',
      help: 'Events a projection or process manager could not apply and set aside (GET /api/v1/admin/quarantine)',
      labelNames: ['consumer'],
      registers,
      async collect() {
        this.reset();
        for (const [consumer, count] of Object.entries(await countQuarantined(services.reads))) this.set({ consumer }, count);
      },
    });
    new Gauge({
      name: 'cron_observer_unknown_events',
      help: 'Events met since the process started of a type (unknown_type) or version (newer_version) this version does not know, or whose upcast failed; readers skip unknown types',
      labelNames: ['type', 'reason'],
      registers,
      collect() {
        this.reset();
        for (const { type, reason, count } of services.unknownEvents()) this.set({ type, reason }, count);
      },
    });
    new Histogram({
      name: SCHEDULER_LATENESS_METRIC,
      help: 'Scheduler fire lateness: fire time minus the scheduled instant of the tick',
      buckets: SCHEDULER_LATENESS_BUCKETS,
      registers: [this.latenessPlaceholder],
    });
    collectDefaultMetrics({ register: this.registry });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Counts a dispatch or alert event (other events are ignored). */
  countEvent(event: Pick<RecordedEvent, 'type'>): void {
    if (event.type.startsWith('ExecutionDispatch') || event.type.startsWith('ExecutionClaim')) this.dispatchEvents.inc({ type: event.type });
    else if (event.type.startsWith('Alert')) this.alertEvents.inc({ type: event.type });
  }

  /** The exposition text: this server's registry, then the scheduler's lateness histogram. */
  async render(): Promise<string> {
    const own = await this.registry.metrics();
    const lateness = defaultRegistry.getSingleMetric(SCHEDULER_LATENESS_METRIC)
      ? await defaultRegistry.getSingleMetricAsString(SCHEDULER_LATENESS_METRIC)
      : await this.latenessPlaceholder.getSingleMetricAsString(SCHEDULER_LATENESS_METRIC);
    return `${own.trimEnd()}\n${lateness.trimEnd()}\n`;
  }
}

const REPORT_ROUTES: Array<[method: string, pattern: RegExp, kind: ReportKind]> = [
  ['PATCH', /^\/executions\/[^/]+\/status\/?$/, 'status'],
  ['POST', /^\/executions\/[^/]+\/finish\/?$/, 'finish'],
  ['POST', /^\/executions\/[^/]+\/logs\/?$/, 'logs'],
  ['POST', /^\/projects\/[^/]+\/tasks\/[^/]+\/runs\/?$/, 'run'],
];

/**
 * Counts executor reports by route and answer, without touching the controllers: mounted on
 * `/api/v1` before the routes, it looks at the method and path and counts when the response is sent.
 */
export function countReports(metrics: () => ServerMetrics | undefined) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const route = REPORT_ROUTES.find(([method, pattern]) => method === request.method && pattern.test(request.path));
    if (route) {
      const kind = route[2];
      response.once('finish', () => countReport(metrics(), kind, response.statusCode, request.body));
    }
    next();
  };
}

/** Counts one answered executor report (also called by the executor routes' fast path). */
export function countReport(metrics: ServerMetrics | undefined, kind: ReportKind, statusCode: number, body: unknown): void {
  if (!metrics) return;
  metrics.reportsIngested.inc({ kind, code: String(statusCode) });
  if (kind === 'logs' && statusCode < 300) metrics.logLinesIngested.inc(linesIn(body));
}

function linesIn(body: unknown): number {
  if (body && typeof body === 'object' && Array.isArray((body as { lines?: unknown }).lines)) return (body as { lines: unknown[] }).lines.length;
  return 1;
}
