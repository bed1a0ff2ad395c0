import type { AppServices } from '../../app-services';
import { TooLargeError } from '../../errors/app-error';
import { executionLogStream } from '../../events/streams';
import { messageBytes } from '../../projections/log-read-model';
import type { CommandContext } from '../command-context';
import type { ExecutionRef } from '../../events/execution-events';
import { buildLogBatch, executionLogsAppended, type LogBatchInput } from '../execution/log-batch';
import { toNewEvent } from '../handle-command';
import { appendOnce } from '../idempotent-request';
import { executionLogUsage } from './execution-log-usage';

/** How much log one execution may collect; beyond it, appends are refused with 413. */
export const EXECUTION_LOG_LIMITS = { maxLines: 200_000, maxBytes: 64 * 1024 * 1024 };

/**
 * Appends one request's lines to `executionlog-<id>` with expected revision `any`: logs never
 * conflict with status reports, and nothing decides on them. The per-request limits are log-batch.ts's;
 * the per-execution limit is checked against the history read model (through execution-log-usage.ts),
 * which may trail by the last few batches: a soft limit, which is what it is for (stopping a runaway executor).
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
  const usages = executionLogUsage(services, services.clock);
  const usage = await usages.get(executionId);
  const bytes = messageBytes(lines);
  if (usage.lines + lines.length > limits.maxLines || usage.bytes + bytes > limits.maxBytes) {
    throw new TooLargeError(
      `Execution ${executionId} already has ${usage.lines} log lines (${usage.bytes} bytes); ` +
        `an execution may keep at most ${limits.maxLines} lines and ${limits.maxBytes} bytes`,
    );
  }
  const event = executionLogsAppended(ref, lines);
  const stream = executionLogStream(executionId);
  // A retried request's lines were stored once: the answer is the same either way.
  const { replayedFrom } = await appendOnce(services.events, context, stream, [toNewEvent(event, context, services.clock)], 'any');
  if (replayedFrom === undefined) usages.add(executionId, { lines: lines.length, bytes });
  return lines.length;
}
