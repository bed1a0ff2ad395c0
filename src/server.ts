import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppServices } from './app-services';
import type { Config } from './config/config';
import { ApiKeyUsageRecorder, withApiKeyUsesRecorded } from './auth/api-key-usage';
import { LoginThrottle, type LoginThrottleSettings } from './auth/login-throttle';
import { MembershipProjectAccess, readModelDirectory } from './auth/project-access';
import { ReadModelPrincipalResolver } from './auth/read-model-principal-resolver';
import { bootstrapFirstAdmin } from './commands/flows/bootstrap-first-admin';
import { createApp } from './http/app';
import { withReportFastPath } from './http/report-fast-path';
import { startReadSide } from './http/read-side';
import { fencedEventStore } from './leadership/fenced-event-store';
import { LeaderLease, type LeaseOptions } from './leadership/leader-lease';
import { createLogger, type Logger } from './logging/logger';
import { mailTransportOf } from './mail/mail-transport';
import { ProjectionRegistry } from './projections/projection-registry';
import { ThreadedProjections } from './projections/threaded-projections';
import { allProcessManagers } from './process-managers/all-process-managers';
import { ProcessManagerRunner } from './process-managers/process-manager-runner';
import { QuarantineAlerter } from './quarantine/quarantine-alerts';
import type { DispatchSettings } from './process-managers/dispatcher/dispatch-settings';
import { openStores, readStoreWarning } from './stores/open-stores';
import { loggedUpcasting, mergeUnknownEvents } from './events/event-upcasting';
import { type Clock, systemClock } from './time/clock';

export interface RunningServer {
  url: string;
  port: number;
  services: AppServices;
  processManagers: ProcessManagerRunner;
  /** Records the uses of API keys (their `last_used_at`); `flush()` waits for those noted so far. */
  apiKeyUses: ApiKeyUsageRecorder;
  close(): Promise<void>;
}

export interface ServerOptions {
  clock?: Clock;
  logger?: Logger;
  /** Webhook dispatch tuning, for tests (defaults: src/process-managers/dispatcher/dispatch-settings.ts). */
  dispatch?: Partial<DispatchSettings>;
  lease?: LeaseOptions;
  /** Sign-in throttling, for tests (defaults: src/auth/login-throttle.ts). */
  loginThrottle?: Partial<LoginThrottleSettings>;
  /**
   * The event store's clock in ms, which Idempotency-Key records expire by (default: the host's, like
   * leadership, even when the domain clock is injected); tests move it.
   */
  storeClock?: () => number;
}

/** Composition root: opens the stores, starts projections and process managers, serves HTTP. */
export async function startServer(config: Config, options: ServerOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const clock = options.clock ?? systemClock;
  const mail = mailTransportOf(config);
  // Commits (an fsync each) happen on a writer thread, so they never hold up HTTP.
  const upcasting = loggedUpcasting(logger);
  const { events, reads } = await openStores(config, { eventWriterThread: true, now: options.storeClock, upcaster: upcasting });
  const readStoreWarned = readStoreWarning(reads);
  if (readStoreWarned) logger.warn({ readStore: 'mongodb' }, readStoreWarned);
  const registry = new ProjectionRegistry(reads);
  const projections = new ThreadedProjections(config, events, reads, registry, logger, clock);
  const keyUsage = new ApiKeyUsageRecorder(events, clock, logger);
  const principals = new ReadModelPrincipalResolver({ reads, registry }, clock);
  const access = new MembershipProjectAccess(readModelDirectory({ reads, registry }));
  let closing = false;
  /** The fencing token of the current term: every write of this term's process managers carries it. */
  let term = 0;
  const processManagers = new ProcessManagerRunner(
    () => {
      const token = term;
      return allProcessManagers({ ...services, events: fencedEventStore(events, token, (error) => void lease.lost(token, error)) });
    },
    events,
    reads,
    logger,
  );
  // The managers rebuild their state from the history once the server answers: a long history never delays it.
  let answering!: () => void;
  processManagers.holdUntil(new Promise<void>((resolve) => (answering = resolve)));
  const quarantineAlerts = new QuarantineAlerter(reads, mail, config.publicUrl, logger);
  processManagers.onQuarantine = (record) => quarantineAlerts.quarantined(record);
  // Only the leader applies projections and runs process managers; the others serve HTTP and follow.
  // Leadership is about live processes, so it runs on wall-clock time even when the domain clock is injected.
  const lease = new LeaderLease(
    reads,
    events,
    systemClock,
    logger,
    {
      elected: async (token) => {
        term = token;
        await projections.start();
        await processManagers.start();
      },
      deposed: async () => {
        await processManagers.stop();
        await (closing ? projections.stop() : projections.follow());
      },
    },
    options.lease,
  );
  const unknownEvents = () => mergeUnknownEvents(upcasting.unknownEvents(), projections.unknownEvents());
  const loginThrottle = new LoginThrottle(options.loginThrottle);
  const services: AppServices = {
    config,
    clock,
    logger,
    mail,
    events,
    reads,
    registry,
    projections,
    principals,
    access,
    loginThrottle,
    leadership: lease,
    unknownEvents,
    dispatch: options.dispatch,
  };
  await lease.start();
  if (!lease.isLeader) await projections.follow();
  await bootstrapFirstAdmin(services);
  const readSide = await startReadSide(services);

  const server = await listen(withApiKeyUsesRecorded(keyUsage, withReportFastPath(services, createApp(services))), config.port, config.host).finally(answering);
  const port = (server.address() as AddressInfo).port;
  // PORT=0 (a random port, as tests use) without PUBLIC_URL: links and redirects name the port bound.
  if (config.port === 0 && config.publicUrl === 'http://localhost:0') services.config = { ...config, publicUrl: `http://localhost:${port}` };
  logger.info({ host: config.host ?? '*', port, dataDir: config.dataDir }, `Cron Observer listening on http://${config.host ?? 'localhost'}:${port}`);

  let closed: Promise<void> | null = null;
  const close = () =>
    (closed ??= (async () => {
      closing = true;
      // Stop accepting, let requests in flight finish, then stop writers before closing the stores.
      await readSide.stop(); // ends the open event streams, which would keep the server from closing
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await stopped;
      await keyUsage.flush();
      await lease.stop();
      await processManagers.stop();
      await quarantineAlerts.settled();
      mail?.close();
      await projections.stop();
      await events.close();
      await reads.close();
      logger.info('Cron Observer stopped');
    })());
  return { url: `http://${reachableAddress(config.host)}:${port}`, port, services, processManagers, apiKeyUses: keyUsage, close };
}

/** Where this process reaches its own server: loopback unless bound to one address only. */
function reachableAddress(host: string | null): string {
  if (host === null || host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

function listen(handler: RequestListener, port: number, host: string | null): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = host === null ? createServer(handler).listen(port) : createServer(handler).listen(port, host);
    server.once('listening', () => resolve(server));
    server.once('error', reject);
  });
}
