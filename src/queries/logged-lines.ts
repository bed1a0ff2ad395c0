import type { AppServices } from '../app-services';
import { StreamDeletedError, StreamNotFoundError } from '../errors/store-errors';
import { executionLogStream } from '../events/streams';

/** Like a command's wait for its own events (execute-command.ts); log lines are seldom read, so the read waits. */
const LOGGED_LINES_WAIT_MS = 5_000;

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
  if (!last) return;
  // The lines are stored either way; if the read models lag (a rebuild, no leader), answer what they have.
  await services.projections.waitForPosition(last.position, LOGGED_LINES_WAIT_MS).catch(() => undefined);
}
