import type { AppServices } from '../app-services';
import type { ProcessManager } from './process-manager';
import { Scheduler } from './scheduler';

/** Every process manager the leader runs, built over the server's services. */
export function allProcessManagers(_services: AppServices): ProcessManager[] {
  return [new Scheduler(_services)];
}
