import type { AppServices } from '../../app-services';
import { NotFoundError, TooLargeError } from '../../errors/app-error';
import { executionLogStream } from '../../events/streams';
import { messageBytes } from '../../projections/log-read-model';
import { findExecution } from '../../queries/find-execution';
import type { CommandContext } from '../command-context';
import type { ExecutionRef } from '../../events/execution-events';
import { buildLogBatch, executionLogsAppended, type LogBatchInput } from '../execution/log-batch';
import { toNewEvent } from '../handle-command';

/** How much log one execution may collect; beyond it, appends are refused with 413. */
export const EXECUTION_LOG_LIMITS = { maxLines: 200_000, maxBytes: 64 * 1024 * 1024 };

/**
 * Appends one request's lines to `executionlog-<id>` with expected revision `any`: logs never
 * conflict with status reports, and nothing decides on them. The per-request limits are log-batch.ts's;
 * the per-execution limit is checked against the history read model, which may trail by the last few
 * batches: a soft limit, which is what it is for (stopping a runaway executor).
 */
export async function appendExecutionLogs(
  services: Pick<AppServices, 'events' | 'clock' | 'reads' | 'registry'>,
  context: CommandContext,
  ref: ExecutionRef,
  input: LogBatchInput,
  limits = EXECUTION_LOG_LIMITS,
): Promise<number> {
  const lines = buildLogBatch(input, services.clock.now().toISOString());
  const { executionId } = ref;
  const stored = await findExecution(services, executionId).catch((err: unknown) => {
    if (err instanceof NotFoundError) return null; // not projected yet: nothing logged to count
    throw err;
  });
  if (stored) {
    const full = stored.logsCount + lines.length > limits.maxLines;
    if (full || stored.logsBytes + messageBytes(lines) > limits.maxBytes) {
      throw new TooLargeError(
        `Execution ${executionId} already has ${stored.logsCount} log lines (${stored.logsBytes} bytes); ` +
          `an execution may keep at most ${limits.maxLines} lines and ${limits.maxBytes} bytes`,
      );
    }
  }
  const event = executionLogsAppended(ref, lines);
  await services.events.append(executionLogStream(executionId), [toNewEvent(event, context, services.clock)], 'any');
  return lines.length;
}
