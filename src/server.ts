import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppServices } from './app-services';
import type { Config } from './config/config';
import { MembershipProjectAccess, readModelDirectory } from './auth/project-access';
import { ReadModelPrincipalResolver } from './auth/read-model-principal-resolver';
import { bootstrapFirstAdmin } from './commands/flows/bootstrap-first-admin';
import { createApp } from './http/app';
import { createLogger, type Logger } from './logging/logger';
import { ProjectionRegistry } from './projections/projection-registry';
import { ProjectionRunner } from './projections/projection-runner';
import { allProjections } from './projections/all-projections';
import { allProcessManagers } from './process-managers/all-process-managers';
import { ProcessManagerRunner } from './process-managers/process-manager-runner';
import { openStores } from './stores/open-stores';
import { type Clock, systemClock } from './time/clock';

export interface RunningServer {
  url: string;
  port: number;
  services: AppServices;
  processManagers: ProcessManagerRunner;
  close(): Promise<void>;
}

export interface ServerOptions {
  clock?: Clock;
  logger?: Logger;
}

/** Composition root: opens the stores, starts projections and process managers, serves HTTP. */
export async function startServer(config: Config, options: ServerOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const clock = options.clock ?? systemClock;
  const { events, reads } = await openStores(config);
  const registry = new ProjectionRegistry(reads);
  const projections = new ProjectionRunner(allProjections(), events, reads, registry, logger);
  const principals = new ReadModelPrincipalResolver({ reads, registry }, clock);
  const access = new MembershipProjectAccess(readModelDirectory({ reads, registry }));
  const services: AppServices = { config, clock, logger, events, reads, registry, projections, principals, access };
  await projections.start();
  await bootstrapFirstAdmin(services);
  const processManagers = new ProcessManagerRunner(allProcessManagers(services), events, reads, logger);
  await processManagers.start();

  const app = createApp(services);
  const server = await listen(app, config.port);
  const port = (server.address() as AddressInfo).port;
  logger.info({ port, dataDir: config.dataDir }, `Cron Observer listening on http://localhost:${port}`);

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      // Stop accepting, let requests in flight finish, then stop writers before closing the stores.
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await stopped;
      await processManagers.stop();
      await projections.stop();
      await events.close();
      await reads.close();
      logger.info('Cron Observer stopped');
    })());
  return { url: `http://127.0.0.1:${port}`, port, services, processManagers, close };
}

function listen(app: ReturnType<typeof createApp>, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port);
    server.once('listening', () => resolve(server));
    server.once('error', reject);
  });
}
