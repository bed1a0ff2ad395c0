import type { IocContainer, IocContainerFactory, ServiceIdentifier } from '@tsoa/runtime';
import type { Request } from 'express';
import type { AppServices } from '../app-services';

type ControllerClass = new (services: AppServices) => unknown;

/** tsoa builds each controller per request with the services the app was created with. */
export const iocContainer: IocContainerFactory<Request> = (request: Request): IocContainer => ({
  get: ((controller: ServiceIdentifier) => {
    if (typeof controller !== 'function') throw new Error(`Unknown controller ${String(controller)}`);
    return new (controller as ControllerClass)(request.app.locals.services as AppServices);
  }) as IocContainer['get'],
});
