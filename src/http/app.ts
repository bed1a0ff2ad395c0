import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Express } from 'express';
import swaggerUi from 'swagger-ui-express';
import type { AppServices } from '../app-services';
import { browserWrites } from './browser-writes';
import { corsPolicy } from './cors';
import { errorHandler, unknownApiRoute } from './error-handler';
import { idempotency } from './idempotency';
import { jsonBody } from './json-body';
import { withPingPaths } from './ping/ping-openapi';
import { pingRoutes } from './ping/ping-routes';
import { countReports } from './metrics';
import { readSideOf } from './read-side';
import { securityHeaders } from './security-headers';
import { RegisterRoutes } from './generated/routes';
import { type OpenApiDocument, tolerantReader } from './tolerant-reader';
import openApiSpec from './generated/swagger.json';

export function createApp(services: AppServices): Express {
  const app = express();
  app.locals.services = services;
  app.disable('x-powered-by');
  // JSON answers change with every event; hashing each one for an ETag costs CPU on every executor report.
  app.set('etag', false);
  app.set('query parser', 'simple');
  // req.ip, which sign-in throttling keys on: the connection's address unless TRUST_PROXY names the proxies.
  if (services.config.trustProxy !== null) app.set('trust proxy', services.config.trustProxy);
  app.use(securityHeaders);
  // Healthchecks-compatible ping URLs: public (the URL is the credential), plain text, outside /api.
  app.use(pingRoutes(services));
  if (services.config.corsOrigins.length > 0) app.use('/api', corsPolicy(services.config.corsOrigins));
  app.use('/api', browserWrites(services.config.corsOrigins));
  app.use('/api', jsonBody());
  app.use('/api/v1', idempotency(services));
  app.use('/api/v1', countReports(() => readSideOf(services).metrics));
  app.use('/api/v1', tolerantReader(openApiSpec as OpenApiDocument));
  // The document served and shown also holds the ping URLs, which live outside /api/v1.
  const servedSpec = withPingPaths(openApiSpec);
  app.get('/api/v1/openapi.json', (_req, res) => {
    res.json(servedSpec);
  });
  app.use('/api/docs', swaggerUi.serve, swaggerUi.setup(servedSpec));
  const api = express.Router();
  RegisterRoutes(api);
  app.use('/', api);
  app.use('/api', unknownApiRoute);
  serveDashboard(app);
  app.use(errorHandler(services.logger));
  return app;
}

/**
 * The dashboard built by `npm run build -w web` (web/dist), at `/`; every other GET outside /api answers
 * its index.html so the dashboard's own routes survive a reload (SPA fallback).
 */
function serveDashboard(app: Express): void {
  // src/http (run from source) or dist/src/http (compiled): the repository root is two or three levels up.
  const dir = [join(__dirname, '..', '..', 'web', 'dist'), join(__dirname, '..', '..', '..', 'web', 'dist')].find((d) => existsSync(join(d, 'index.html')));
  if (!dir) {
    app.get(/^(?!\/api(\/|$)).*/, (_req, res) => {
      res.status(404).type('text/plain').send('The dashboard is not built: run `npm run build` (it builds web/ into web/dist).');
    });
    return;
  }
  app.use(express.static(dir, { index: false, setHeaders: (res, file) => res.setHeader('Cache-Control', /[\\/]assets[\\/]/.test(file) ? 'public, max-age=31536000, immutable' : 'no-cache') }));
  app.get(/^(?!\/api(\/|$)).*/, (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(join(dir, 'index.html'));
  });
}
