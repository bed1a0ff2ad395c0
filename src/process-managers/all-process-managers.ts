import type { AppServices } from '../app-services';
import { AlertsProcessManager } from './alerts/alerts-process-manager';
import { DeadlinesManager } from './deadlines/deadlines-manager';
import { DeletionManager } from './deletion/deletion-manager';
import { Dispatcher } from './dispatcher/dispatcher';
import { GroupDeletionManager } from './deletion/group-deletion-manager';
import type { ProcessManager } from './process-manager';
import { RetentionManager } from './retention/retention-manager';
import { RetryManager } from './retries/retry-manager';
import { Scheduler } from './scheduler';

/** Every process manager the leader runs, built over the server's services. */
export function allProcessManagers(_services: AppServices): ProcessManager[] {
  const managers: ProcessManager[] = [new Scheduler(_services), new AlertsProcessManager(_services)];
  managers.push(new DeadlinesManager(_services), new GroupDeletionManager(_services), new RetentionManager(_services));
  // The deletion saga waits for the scheduler's acknowledgement only when a scheduler runs here.
  managers.push(new DeletionManager(_services, { peers: () => managers.map((m) => m.name) }));
  managers.push(Dispatcher.fromServices(_services), new RetryManager(_services));
  return managers;
}
