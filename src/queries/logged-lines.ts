import type { AppServices } from '../app-services';
import { StreamDeletedError, StreamNotFoundError } from '../errors/store-errors';
import { executionLogStream } from '../events/streams';
import { awaitReadModels } from '../projections/await-read-models';

/**
 * Log lines are acknowledged without waiting for the read models (executors send many, and nobody reads
 * most of them), so a read of an execution's lines or line count first waits until the read models
 * include the last line stored for it: whoever posted a line sees it on their next request.
 */
export async function awaitLoggedLines(services: Pick<AppServices, 'events' | 'projections'>, executionId: string): Promise<void> {
  let last;
  try {
    [last] = await services.events.readStream(executionLogStream(executionId), { direction: 'backwards', maxCount: 1 });
  } catch (err) {
    if (err instanceof StreamNotFoundError || err instanceof StreamDeletedError) return;
    throw err;
  }
  if (last) await awaitReadModels(services, last.position);
}
