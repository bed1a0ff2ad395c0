import express, { type Express } from 'express';
import swaggerUi from 'swagger-ui-express';
import type { AppServices } from '../app-services';
import { errorHandler, unknownApiRoute } from './error-handler';
import { idempotency } from './idempotency';
import { RegisterRoutes } from './generated/routes';
import openApiSpec from './generated/swagger.json';

/** Largest JSON body accepted; log batches are the biggest legitimate requests. */
export const MAX_BODY_BYTES = 1024 * 1024;

export function createApp(services: AppServices): Express {
  const app = express();
  app.locals.services = services;
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use('/api', express.json({ limit: MAX_BODY_BYTES, strict: false, type: () => true }));
  app.use('/api/v1', idempotency(services.clock));
  app.get('/api/v1/openapi.json', (_req, res) => {
    res.json(openApiSpec);
  });
  app.use('/api/docs', swaggerUi.serve, swaggerUi.setup(openApiSpec));
  const api = express.Router();
  RegisterRoutes(api);
  app.use('/', api);
  app.use('/api', unknownApiRoute);
  app.use(errorHandler(services.logger));
  return app;
}
